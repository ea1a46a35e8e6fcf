from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from certificates import services
from certificates.views import VERIFY_LIMIT_PER_MINUTE, rate_limited

router = Router(tags=["certificates"])


class VerificationOut(Schema):
    valid: bool
    revoked: bool
    superseded: bool = False
    course: str | None
    audience: str | None
    issued_on: str | None
    holder: str | None


@router.get("/certificates/{code}", response=VerificationOut, summary="Verify a certificate by its code")
def verify_certificate(request: HttpRequest, code: str):
    """Valid / revoked / unknown, the course, audience, date, and the holder's name masked."""
    if rate_limited(request, "verify", VERIFY_LIMIT_PER_MINUTE):
        raise HttpError(429, "Too many verification requests; try again in a minute.")
    return services.verification(code)
