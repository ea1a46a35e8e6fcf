from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from certificates import services
from certificates.views import VERIFY_LIMIT_PER_MINUTE, rate_limited

router = Router(tags=["certificates"])


class ErrorOut(Schema):
    detail: str


class VerificationOut(Schema):
    valid: bool
    revoked: bool
    superseded: bool = False
    course: str | None
    audience: str | None
    issued_on: str | None
    holder: str | None


@router.get(
    "/certificates/{code}", response={200: VerificationOut, 429: ErrorOut}, summary="Verify a certificate by its code"
)
def verify_certificate(request: HttpRequest, code: str):
    """Valid / revoked / unknown, the course, audience, date, and the holder's name masked."""
    if rate_limited(request, "verify", VERIFY_LIMIT_PER_MINUTE):
        raise HttpError(429, _("確認の回数が多すぎます。1分ほど待ってから、もう一度お試しください。"))
    return services.verification(code)
