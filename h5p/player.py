"""The player origin: the H5P player page and every file it loads, served only on the host of
`H5P_PLAYER_ORIGIN` (h5p.middleware routes that host to `h5p.player_urls` and nothing else).

The page runs inside `<iframe sandbox="allow-scripts">` (an opaque origin: it can read no cookies,
storage or DOM of the site) and loads h5p-standalone, the content's libraries and media from this
origin only; its CSP allows no other host. Files are immutable per URL (a content's files never
change; assets carry a version), so they are served with a one-year Cache-Control.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from h5p.models import H5PContent

STANDALONE_DIR = Path(settings.BASE_DIR) / "node_modules" / "h5p-standalone" / "dist"
RELAY = Path(settings.BASE_DIR) / "static" / "js" / "h5p-player.js"
SHIM = Path(settings.BASE_DIR) / "static" / "js" / "h5p-storage-shim.js"
PLAYER_CSS = Path(settings.BASE_DIR) / "static" / "h5p" / "player.css"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "eot": "application/vnd.ms-fontobject",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "ogv": "video/ogg",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "vtt": "text/vtt; charset=utf-8",
    "webvtt": "text/vtt; charset=utf-8",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
    "md": "text/plain; charset=utf-8",
    "csv": "text/plain; charset=utf-8",
    "gltf": "model/gltf+json",
    "glb": "model/gltf-binary",
}
# Every file response: never sniffed, never a document that can run script if opened directly.
FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def player_origin() -> str:
    return settings.H5P_PLAYER_ORIGIN.rstrip("/")


def site_origin() -> str:
    parts = urlsplit(settings.H5P_SITE_ORIGIN)
    return f"{parts.scheme}://{parts.netloc}"


@cache
def asset_version() -> str:
    """h5p-standalone's version and a digest of our relay script and styles."""
    version = "0"
    package = STANDALONE_DIR.parent / "package.json"
    if package.exists():
        version = json.loads(package.read_text())["version"]
    digest = hashlib.sha256()
    for path in (RELAY, SHIM, PLAYER_CSS):
        if path.exists():
            digest.update(path.read_bytes())
    return f"{version}-{digest.hexdigest()[:10]}"


def _headers(response, cache_control: str = LONG_CACHE):
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"  # the sandboxed page's origin is "null"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers.setdefault("Content-Security-Policy", FILE_CSP)
    return response


def _content_type(path: str) -> str:
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return TYPES.get(extension) or "application/octet-stream"


def _file(opened, path: str, cache_control: str = LONG_CACHE):
    content_type = _content_type(path)
    response = FileResponse(opened, content_type=content_type)
    if content_type == "application/octet-stream":  # doc, xml, swf... in H5P's allow-list: a download
        response["Content-Disposition"] = "attachment"
    return _headers(response, cache_control)


def player_csp() -> str:
    origin = player_origin()
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {origin}",
            f"style-src {origin} 'unsafe-inline'",
            f"img-src {origin} data: blob:",
            f"media-src {origin} blob:",
            f"font-src {origin} data:",
            f"connect-src {origin}",
            f"frame-ancestors {site_origin()}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


@xframe_options_exempt
@require_GET
def player_page(request, content_uuid):
    content = get_object_or_404(H5PContent.objects.only("uuid", "key", "title"), uuid=content_uuid)
    origin = player_origin()
    assets = f"{origin}/h5p/assets/{asset_version()}"
    base = f"{origin}/h5p/player/{content.uuid}"
    config = {
        "activity": content.key,
        "base": base,
        "assets": assets,
        "siteOrigin": site_origin(),
        "objectIri": f"{settings.SITE_URL.rstrip('/')}/h5p/activities/{content.key}",
    }
    html = render_to_string("h5p/player.html", {"content": content, "config": config, "assets": assets})
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = player_csp()
    response["Referrer-Policy"] = "no-referrer"
    _headers(response, SHORT_CACHE)
    return response


@require_GET
def h5p_json(request, content_uuid):
    content = get_object_or_404(H5PContent.objects.only("h5p_json"), uuid=content_uuid)
    return _headers(JsonResponse(content.h5p_json, json_dumps_params={"ensure_ascii": False}))


@require_GET
def content_file(request, content_uuid, path):
    content = get_object_or_404(H5PContent.objects.only("uuid", "files", "content_json"), uuid=content_uuid)
    if path == "content.json":
        return _headers(JsonResponse(content.content_json, json_dumps_params={"ensure_ascii": False}))
    if path not in content.files:
        raise Http404
    return _file(default_storage.open(f"{content.storage_prefix}/{path}"), path)


@require_GET
def library_file(request, content_uuid, folder, path):
    content = get_object_or_404(H5PContent.objects.only("pk"), uuid=content_uuid)
    library = next(
        (
            lib
            for lib in content.libraries.only(
                "machine_name", "major_version", "minor_version", "storage_prefix", "files"
            )
            if lib.folder == folder
        ),
        None,
    )
    if library is None or path not in library.files:
        raise Http404
    return _file(default_storage.open(f"{library.storage_prefix}/{path}"), path)


ASSETS = {
    "main.bundle.js": STANDALONE_DIR / "main.bundle.js",
    "frame.bundle.js": STANDALONE_DIR / "frame.bundle.js",
    "styles/h5p.css": STANDALONE_DIR / "styles" / "h5p.css",
    "relay.js": RELAY,
    "shim.js": SHIM,
    "player.css": PLAYER_CSS,
}


@require_GET
def asset(request, version, path):
    target = ASSETS.get(path)
    if target is None and (path.startswith("fonts/") or path.startswith("images/") or path.startswith("styles/")):
        candidate = (STANDALONE_DIR / path).resolve()
        if candidate.is_file() and STANDALONE_DIR.resolve() in candidate.parents:
            target = candidate
    if target is None or not target.is_file():
        raise Http404
    cache_control = LONG_CACHE if version == asset_version() else SHORT_CACHE
    return _file(open(target, "rb"), path, cache_control)


mimetypes.add_type("text/javascript", ".js")


def not_found(request, exception=None):
    """The player origin's own 404: plain text, no site template (and nothing of the site)."""
    response = HttpResponse("見つかりません。", status=404, content_type="text/plain; charset=utf-8")
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    response = HttpResponse("エラーが発生しました。", status=500, content_type="text/plain; charset=utf-8")
    response["Content-Security-Policy"] = FILE_CSP
    return response


def bad_request(request, exception=None):
    return HttpResponse("不正なリクエストです。", status=400, content_type="text/plain; charset=utf-8")


def forbidden(request, exception=None):
    return HttpResponse("アクセスできません。", status=403, content_type="text/plain; charset=utf-8")
