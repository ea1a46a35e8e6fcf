"""The JSON API root (django-ninja), mounted at /api/v1/.

Each app adds its router here; the OpenAPI description is at /api/v1/openapi.json.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from ninja import NinjaAPI, Router, Schema
from ninja.errors import ValidationError

from analytics.api import router as analytics_router
from certificates.api import router as certificates_router
from core import reference
from h5p.api import router as h5p_router

VALIDATION_ERROR = {
    "description": "Validation error (input that does not fit the parameters or body)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"detail": {"type": "array", "items": {"type": "object"}}},
                "required": ["detail"],
            }
        }
    },
}


class TsunagariAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """django-ninja answers 422 when a request does not fit an operation's parameters or body,
        but does not document it; add it, so that clients (and schemathesis) know it."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("parameters") or operation.get("requestBody"):
                    operation.setdefault("responses", {}).setdefault(422, VALIDATION_ERROR)
        return schema


api = TsunagariAPI(
    title="Tsunagari API",
    version="1",
    description="つながりサポーター学習プラットフォームの公開API。Public API of the Tsunagari Supporter platform.",
    urls_namespace="api",
)


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    """Never ninja's default (a plain-text traceback under DEBUG, Django's HTML page otherwise):
    a Japanese JSON message, and the error in the log as Django itself would log it."""
    from core.views import api_error

    logging.getLogger("django.request").error(
        "Internal Server Error: %s", request.path, exc_info=exc, extra={"status_code": 500, "request": request}
    )
    return api_error(500)


@api.exception_handler(ValidationError)
def invalid_input(request, exc):
    """ninja's 422 lists the validation errors; the H5P endpoints (called by our own lesson page,
    whose learner sees the message) answer one Japanese sentence instead, as their schema says."""
    from h5p.api import INVALID_INPUT

    if request.path.startswith("/api/v1/h5p/"):
        return api.create_response(request, {"detail": str(INVALID_INPUT)}, status=422)
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    from core.views import api_error

    return api_error(404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    from core.views import api_error

    return api_error(403)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
def bad_request(request, exc):
    from core.views import api_error

    return api_error(400)


core_router = Router(tags=["reference"])


class HealthOut(Schema):
    status: str
    version: str


class PrefectureOut(Schema):
    code: str
    name_ja: str
    name_en: str
    region_ja: str
    region_en: str
    lg_code: str
    population_2020: int


class ChoiceOut(Schema):
    code: str
    label_ja: str


@core_router.get("/health", response=HealthOut, summary="Liveness check")
def health(request):
    return {"status": "ok", "version": getattr(settings, "APP_VERSION", "1")}


@core_router.get("/reference/prefectures", response=list[PrefectureOut], summary="The 47 prefectures (JIS X 0401)")
def prefectures(request):
    return [
        {
            "code": p.code,
            "name_ja": p.name_ja,
            "name_en": p.name_en,
            "region_ja": p.region_ja,
            "region_en": p.region_en,
            "lg_code": p.lg_code,
            "population_2020": p.population_2020,
        }
        for p in reference.PREFECTURES
    ]


@core_router.get("/reference/sectors", response=list[ChoiceOut], summary="Sectors (分野) used in statistics")
def sectors(request):
    return reference.choices_out(reference.Sector)


@core_router.get("/reference/age-bands", response=list[ChoiceOut], summary="Age bands used in statistics")
def age_bands(request):
    return reference.choices_out(reference.AgeBand)


api.add_router("/", core_router)
api.add_router("/", certificates_router)
api.add_router("/", analytics_router)
api.add_router("/", h5p_router)
