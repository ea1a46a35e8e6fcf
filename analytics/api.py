"""GET /api/v1/stats/completions — the contract in DESIGN.md."""

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja import Query as NinjaQuery
from ninja.errors import HttpError

from analytics import stats

router = Router(tags=["statistics"])


class StatsParams(Schema):
    group_by: str | None = None
    audience: str | None = None
    delivery: str | None = None
    prefecture: str | None = None
    sector: str | None = None
    age_band: str | None = None
    from_: str | None = Field(None, alias="from")
    to: str | None = None


class ErrorOut(Schema):
    detail: str


class StatsOut(Schema):
    total: int | None
    rows: list[dict[str, str | int | None]]
    suppressed_below: int | None
    synthetic: int


@router.get(
    "/stats/completions",
    response={200: StatsOut, 400: ErrorOut, 403: ErrorOut},
    summary="Completion counts, grouped and filtered",
    description=(
        "group_by: any of prefecture, sector, audience, delivery, age_band, month, fiscal_year (comma-separated, "
        "at most 3). Filters: audience, delivery, prefecture, sector, age_band (comma-separated codes), "
        "from/to (YYYY-MM-DD). Anonymous callers get cells under 10 suppressed (count null), with complementary "
        "suppression; an analyst gets exact figures within their scope. `synthetic` says how many of the counted "
        "completions are demo data."
    ),
)
def completions(request: HttpRequest, params: NinjaQuery[StatsParams]):
    try:
        query = stats.parse(request.GET)
        result = stats.compute(query, stats.scope_for(request.user))
    except stats.StatsError as error:
        raise HttpError(400, str(error)) from error
    except stats.ScopeError as error:
        raise HttpError(403, str(error)) from error
    return result.as_json()
