"""Separates the player origin from the site.

A request for the host of `H5P_PLAYER_ORIGIN` is resolved against `h5p.player_urls` only, so the
site's pages, admin and API are never served there, and any cookie a response would set is
dropped (the origin stays cookie-less). On the site's own host, HTML responses may frame the
player: its origin is added to the page's CSP `frame-src`.
"""

from urllib.parse import urlsplit

from django.conf import settings


def player_host() -> str:
    return urlsplit(settings.H5P_PLAYER_ORIGIN).netloc.lower()


class PlayerOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request.META.get("HTTP_HOST", "").lower()
        on_player = bool(host) and host == player_host()
        if on_player:
            request.urlconf = "h5p.player_urls"
            request.h5p_player_host = True
        response = self.get_response(request)
        if on_player:
            response.cookies.clear()
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            origin = settings.H5P_PLAYER_ORIGIN.rstrip("/")
            update = getattr(response, "_csp_update", None) or {}
            update.setdefault("frame-src", [])
            if origin not in update["frame-src"]:
                update["frame-src"] = [*update["frame-src"], origin]
            response._csp_update = update
        return response
