import email
import logging
import re
import uuid
from email import policy
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
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


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def server_error(request):
    return render(request, "500.html", status=500)
