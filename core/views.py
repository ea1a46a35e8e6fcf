import email
import logging
import re
import uuid
from email import policy
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    """For load balancers: 200 when the database and the cache answer, else 503 naming the part
    that failed. No login, never cached, and no detail of the error (it is public)."""
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    body = {"status": "ok" if not failed else "error", "checks": {k: "ok" if v else "error" for k, v in checks.items()}}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not healthy"
        logger.exception("healthz: database check failed")
        return False


def _cache_ok() -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:  # a cache that cannot be reached raises (django-redis) rather than misses
        logger.exception("healthz: cache check failed")
        return False


@never_cache
def dev_mailbox(request):
    """Development only: the emails the site sent (file backend), newest first, so a newcomer
    can follow a verification link without a mail server."""
    if not settings.SHOW_DEV_MAILBOX:
        raise Http404
    folder = Path(settings.EMAIL_FILE_PATH)
    messages = []
    if folder.exists():
        for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:20]:
            raw = path.read_bytes()
            # The file backend writes one or more messages separated by a line of dashes.
            for chunk in raw.split(b"\n" + b"-" * 79 + b"\n"):
                if not chunk.strip():
                    continue
                message = email.message_from_bytes(chunk.strip(), policy=policy.default)
                body = message.get_body(preferencelist=("plain",))
                text = body.get_content() if body else ""
                messages.append(
                    {
                        "to": message["To"],
                        "subject": message["Subject"],
                        "date": message["Date"],
                        "body": text,
                        "links": re.findall(r"https?://[^\s<>」）)]+", text),
                    }
                )
    return render(request, "core/dev_mailbox.html", {"mail_messages": messages})


# --- error pages -------------------------------------------------------------------------------
# Japanese, with a way back; the pages built on base.html carry the 相談窓口 box in the footer.
# Under /api/ the answer is JSON {"detail": ...} instead (config/api.py handles errors inside
# operations; these cover paths no operation matches and errors outside ninja).

API_PREFIX = "/api/"


def _api_messages() -> dict[int, str]:
    return {
        400: _("リクエストの形が正しくありません。"),
        403: _("この操作をする権限がありません。"),
        404: _("見つかりません。URLを確かめてください。"),
        429: _("リクエストが多すぎます。1分ほど待ってから、もう一度お試しください。"),
        500: _("サーバーで問題が起きました。しばらくしてから、もう一度お試しください。"),
    }


def api_error(status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": str(_api_messages()[status])},
        status=status,
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception=None):
    """Also answers a request with a bad Host header, so nothing here may look at the host:
    a static page, like 500.html."""
    if _is_api(request):
        return api_error(400)
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def page_not_found(request, exception=None):
    if _is_api(request):
        return api_error(404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    if _is_api(request):
        return api_error(403)
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: the form was sent from an old page or without cookies."""
    if _is_api(request):
        return api_error(403)
    return render(request, "403_csrf.html", status=403)


def too_many_requests(request, exception=None):
    """allauth's rate limits (config.urls.handler429)."""
    if _is_api(request):
        return api_error(429)
    return render(request, "429.html", status=429)


def server_error(request):
    """Like Django's own: rendered without the request or context processors, so it works when
    the database or the session is what failed."""
    if _is_api(request):
        return api_error(500)
    return HttpResponseServerError(loader.render_to_string("500.html"))
