import email
import re
from email import policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def healthz(request):
    return JsonResponse({"status": "ok"})


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
