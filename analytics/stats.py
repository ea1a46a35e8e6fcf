"""Statistics as the API, the public pages, the dashboard and the exports see them.

`parse()` validates a request's group_by, filters and dates (Japanese messages), `scope_for()`
says what a user may see, and `compute()` reads the aggregates (exact) and, for the public,
suppresses small cells with complementary suppression.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from analytics import cube
from core import reference
from core.enums import AgeBand, Audience, DeliveryType, SchoolGrade, Sector

SUPPRESS_BELOW = 10
GROUPS = (*cube.DIMENSIONS, *cube.TIME_GROUPS)
FILTERS = cube.DIMENSIONS
EARLIEST = datetime.date(2019, 4, 1)
MAX_GROUPS = 3


class StatsError(ValueError):
    """Bad input; the message is shown to the caller (HTTP 400)."""


class ScopeError(PermissionError):
    """A prefecture outside the caller's scope (HTTP 403)."""


def age_choices() -> list[tuple[str, str]]:
    return [
        *AgeBand.choices,
        *((f"grade_{code}", label) for code, label in SchoolGrade.choices),
    ]


def choices(dimension: str) -> list[tuple[str, str]]:
    if dimension == "prefecture":
        return reference.PREFECTURE_CHOICES_WITH_NO_ANSWER
    if dimension == "sector":
        return Sector.choices
    if dimension == "audience":
        return Audience.choices
    if dimension == "delivery":
        return DeliveryType.choices
    if dimension == "age_band":
        return age_choices()
    return []


def label(dimension: str, value) -> str:
    if dimension in cube.TIME_GROUPS:
        if dimension == "fiscal_year":
            from core import dates

            return dates.fiscal_year_label(int(value))
        return str(value)
    return str(dict(choices(dimension)).get(value, value))


def dimension_label(dimension: str) -> str:
    return {
        "prefecture": _("都道府県"),
        "sector": _("分野"),
        "audience": _("対象"),
        "delivery": _("実施形態"),
        "age_band": _("年代・学年"),
        "month": _("月"),
        "fiscal_year": _("年度"),
    }[dimension]


@dataclass(frozen=True)
class Query:
    group_by: tuple[str, ...] = ()
    filters: dict = field(default_factory=dict)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _parse_date(value: str, name: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        message = _("%(name)s は YYYY-MM-DD の形の日付で指定してください（例：2026-04-01）。") % {"name": name}
        raise StatsError(message) from None
    if day < EARLIEST or day > datetime.date.today() + datetime.timedelta(days=366):
        raise StatsError(
            _("%(name)s は %(first)s から来年までの日付で指定してください。")
            % {"name": name, "first": EARLIEST.isoformat()}
        )
    return day


def parse(params, *, max_groups: int = MAX_GROUPS) -> Query:
    """Validate query parameters (a QueryDict or a dict of strings)."""
    get = params.get
    raw_group = (get("group_by") or "").strip()
    group_by = [g.strip() for g in raw_group.split(",") if g.strip()] if raw_group else []
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise StatsError(
            _("group_by に使えない項目です：%(bad)s。使えるのは %(ok)s です。")
            % {"bad": ", ".join(unknown), "ok": ", ".join(GROUPS)}
        )
    if len(set(group_by)) != len(group_by):
        raise StatsError(_("group_by に同じ項目が重複しています。"))
    if len(group_by) > max_groups:
        raise StatsError(_("group_by は %(n)s 項目までです。") % {"n": max_groups})
    if "month" in group_by and "fiscal_year" in group_by:
        raise StatsError(_("month と fiscal_year は同時に指定できません。"))
    filters = {}
    for name in FILTERS:
        raw = get(name)
        if raw in (None, ""):
            continue
        values = [v.strip() for v in str(raw).split(",") if v.strip()]
        allowed = {code for code, _label in choices(name)}
        bad = [v for v in values if v not in allowed]
        if bad or not values:
            raise StatsError(
                _("%(name)s に存在しない値が指定されました：%(bad)s") % {"name": name, "bad": ", ".join(bad) or raw}
            )
        filters[name] = tuple(dict.fromkeys(values))
    date_from = _parse_date(get("from"), "from") if get("from") else None
    date_to = _parse_date(get("to"), "to") if get("to") else None
    if date_from and date_to and date_from > date_to:
        raise StatsError(_("from は to より前の日付にしてください。"))
    return Query(tuple(group_by), filters, date_from, date_to)


@dataclass(frozen=True)
class Scope:
    """None prefectures = the whole country. `exact` = no suppression (analysts)."""

    exact: bool
    prefectures: frozenset[str] | None

    @property
    def national(self) -> bool:
        return self.prefectures is None


PUBLIC = Scope(exact=False, prefectures=None)


def scope_for(user) -> Scope:
    if not user or not user.is_authenticated:
        return PUBLIC
    if user.is_superuser:
        return Scope(exact=True, prefectures=None)
    if not user.has_perm("accounts.view_analytics"):
        return PUBLIC
    from accounts.models import AnalystScope

    scope = AnalystScope.objects.filter(user=user).first()
    if scope is None:
        return PUBLIC
    if scope.is_national:
        return Scope(exact=True, prefectures=None)
    return Scope(exact=True, prefectures=frozenset(scope.prefectures or []))


def restrict(query: Query, scope: Scope) -> Query:
    """An analyst limited to some prefectures sees only those; asking for another is refused."""
    if scope.national:
        return query
    asked = query.filters.get("prefecture")
    if asked:
        outside = [code for code in asked if code not in scope.prefectures]
        if outside:
            names = "、".join(reference.prefecture_label(code) for code in outside)
            raise ScopeError(_("%(names)s の統計を見る権限がありません。") % {"names": names})
        return query
    filters = dict(query.filters)
    filters["prefecture"] = tuple(sorted(scope.prefectures))
    return Query(query.group_by, filters, query.date_from, query.date_to)


@dataclass
class Result:
    query: Query
    total: int | None
    rows: list[dict]
    suppressed_below: int | None
    synthetic: int

    def as_json(self) -> dict:
        return {
            "total": self.total,
            "rows": self.rows,
            "suppressed_below": self.suppressed_below,
            "synthetic": self.synthetic,
        }


def suppress(cells: dict[tuple, int], dimensions: int, threshold: int = SUPPRESS_BELOW) -> set[tuple]:
    """Primary suppression (0 < n < threshold) and complementary suppression.

    In every line of the table (all dimensions fixed but one) that would otherwise have exactly
    one hidden cell, the smallest other cell is hidden too, until no line has exactly one; so
    a hidden cell can't be recovered from a row or column total. Zeros are not listed, so they
    aren't cells to hide; a line whose only non-zero cell is hidden has a total under the
    threshold, which is itself hidden wherever it is published."""
    hidden = {key for key, n in cells.items() if 0 < n < threshold}
    if dimensions == 0:
        return hidden
    changed = True
    while changed:
        changed = False
        for axis in range(dimensions):
            lines: dict[tuple, list[tuple]] = defaultdict(list)
            for key in cells:
                lines[key[:axis] + key[axis + 1 :]].append(key)
            for members in lines.values():
                if sum(1 for key in members if key in hidden) != 1:
                    continue
                visible = sorted((key for key in members if key not in hidden), key=lambda k: (cells[k], k))
                if visible:
                    hidden.add(visible[0])
                    changed = True
    return hidden


def compute(query: Query, scope: Scope) -> Result:
    query = restrict(query, scope)
    cells = cube.query(group_by=query.group_by, filters=query.filters, date_from=query.date_from, date_to=query.date_to)
    counts = {key: cell[0] for key, cell in cells.items()}
    total = sum(counts.values())
    synthetic = sum(cell[1] for cell in cells.values())
    hidden: set[tuple] = set()
    suppressed_below = None
    if not scope.exact:
        suppressed_below = SUPPRESS_BELOW
        hidden = suppress(counts, len(query.group_by))
    rows = []
    for key in sorted(counts, key=_sort_key):
        row = dict(zip(query.group_by, key, strict=True))
        row["count"] = None if key in hidden else counts[key]
        rows.append(row)
    shown_total = total
    if not scope.exact and query.filters and 0 < total < SUPPRESS_BELOW:
        shown_total = None
    return Result(query, shown_total, rows, suppressed_below, synthetic)


def _sort_key(key: tuple):
    return tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in key)
