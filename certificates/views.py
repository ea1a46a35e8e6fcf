from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certificates import services
from certificates.models import BulkDownload, Certificate

VERIFY_LIMIT_PER_MINUTE = 30


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def rate_limited(request, scope: str, limit: int) -> bool:
    """A fixed one-minute window per client address, kept in the cache (Redis in production)."""
    key = f"ratelimit:{scope}:{_client_ip(request)}"
    added = cache.add(key, 1, 60)
    if added:
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:
        cache.set(key, 1, 60)
        return False


@login_required
@never_cache
def download(request, course_id: int):
    """The learner's own certificate for a course, as an A4 PDF."""
    certificate = _own_certificate(request, course_id)
    try:
        pdf = services.pdf_for_download(certificate)
    except services.CertificateError as error:
        return render(request, "certificates/cannot_print.html", {"message": error.message}, status=400)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tsunagari-certificate-{certificate.code}.pdf"'
    return response


def verify(request, code: str = ""):
    """Anyone checks a certificate: valid, revoked or unknown, with the holder's name masked."""
    if code == "" and request.GET.get("code"):
        return redirect(reverse("certificates:verify_code", args=[services.normalise_code(request.GET["code"])]))
    if code and rate_limited(request, "verify", VERIFY_LIMIT_PER_MINUTE):
        return render(
            request,
            "certificates/verify.html",
            {"error": _("確認の回数が多すぎます。1分ほど待ってから、もう一度お試しください。")},
            status=429,
        )
    result = services.verification(code) if code else None
    return render(
        request,
        "certificates/verify.html",
        {"code": code, "result": result},
        status=404 if code and not result["course"] else 200,
    )


@login_required
@never_cache
def credential(request, course_id: int):
    """The learner's certificate as a signed Open Badges 3.0 credential (vc+jwt)."""
    from certificates.credentials import signed_jwt

    certificate = _own_certificate(request, course_id)
    response = HttpResponse(signed_jwt(certificate), content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="tsunagari-credential-{certificate.code}.jwt"'
    return response


@login_required
@never_cache
def reissue(request, course_id: int):
    """Print the current display name on the certificate (after a name change)."""
    from django.contrib import messages
    from django.http import HttpResponseNotAllowed

    from accounts.services import get_or_create_profile

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    certificate = _own_certificate(request, course_id)
    name = get_or_create_profile(request.user).display_name
    try:
        new = services.reissue(certificate, actor=request.user, holder_name=name, reason=_("表示名の変更"))
    except services.CertificateError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("「%(name)s」の名前で再発行しました。新しい番号は %(code)s です。")
            % {"name": name or "—", "code": services.format_code(new.code)},
        )
    return redirect(reverse("accounts:my_data"))


def jwks(request):
    """The public key that signs the credentials (JWK set)."""
    from django.http import JsonResponse

    from certificates.credentials import public_jwk

    response = JsonResponse({"keys": [public_jwk()]})
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _own_certificate(request, course_id: int) -> Certificate:
    certificate = (
        Certificate.objects.filter(
            user=request.user, course_id=course_id, revoked_at__isnull=True, superseded_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


def _own_bulk(request, public_id) -> BulkDownload:
    bulk = BulkDownload.objects.filter(public_id=public_id, requested_by=request.user).first()
    if bulk is None:
        raise Http404
    return bulk


def _bulk_state(bulk: BulkDownload) -> dict:
    from certificates.bulk import is_expired

    expired = is_expired(bulk) or (bulk.status == BulkDownload.Status.DONE and not bulk.file)
    return {
        "status": bulk.status,
        "status_label": str(bulk.get_status_display()),
        "done": bulk.done,
        "total": bulk.total,
        "skipped": bulk.skipped,
        "percent": bulk.percent,
        "expired": expired,
        "download_url": reverse("certificates:bulk_file", args=[bulk.public_id])
        if bulk.status == BulkDownload.Status.DONE and not expired
        else None,
        "error": bulk.error,
    }


@login_required
@never_cache
def bulk_status(request, public_id):
    """The requester follows the zip being built (static/js/bulk-download.js polls bulk_progress)."""
    bulk = _own_bulk(request, public_id)
    return render(request, "certificates/bulk_status.html", {"bulk": bulk, "state": _bulk_state(bulk)})


@login_required
@never_cache
def bulk_progress(request, public_id):
    from django.http import JsonResponse

    return JsonResponse(_bulk_state(_own_bulk(request, public_id)))


@login_required
@never_cache
def bulk_file(request, public_id):
    """The finished zip, for the person who asked for it only (anyone else: 404)."""
    from django.http import FileResponse

    from certificates.bulk import zip_filename

    bulk = _own_bulk(request, public_id)
    state = _bulk_state(bulk)
    if state["download_url"] is None:
        raise Http404
    return FileResponse(
        bulk.file.open("rb"), as_attachment=True, filename=zip_filename(bulk), content_type="application/zip"
    )
