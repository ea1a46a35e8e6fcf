"""The lesson block's output for an H5P activity (registered by the course app as the "h5p"
slot renderer). The same for every learner, so it is cached with the lesson body; the learner's
saved state is fetched by static/js/h5p-lesson.js."""

from django.conf import settings
from django.template.loader import render_to_string

from h5p.models import H5PContent


def render_activity(value, context: dict) -> str:
    key = (value.get("reference") or "").strip()
    content = H5PContent.objects.filter(key=key).only("uuid", "key", "title").first() if key else None
    page = context.get("page") or context.get("self")
    request = context.get("request")
    if content is None:
        if request is not None and getattr(request, "is_preview", False):
            return render_to_string("h5p/activity_missing.html", {"key": key})
        return ""
    origin = settings.H5P_PLAYER_ORIGIN.rstrip("/")
    return render_to_string(
        "h5p/activity.html",
        {
            "content": content,
            "src": f"{origin}/h5p/player/{content.uuid}/",
            "player_origin": origin,
            "lesson_id": getattr(page, "pk", None) or "",
            "required": bool(value.get("required")),
            "pass_percent": value.get("pass_percent"),
        },
    )
