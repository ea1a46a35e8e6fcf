"""The shared copy of a lesson page, answered before routing."""

from courses import caching


class SharedPageMiddleware:
    """A lesson page is the same for every reader (courses.caching). Once Wagtail's `serve` has
    rendered it, the next plain GET for that URL is answered here from the cache, in one round
    trip, before URL resolution, Wagtail's routing and the session. Requests that ask only for
    JSON (the state view, the API) are not looked up. When the version token has moved (an
    edit, a quiz, an H5P activity, a help resource, a restriction) or the day has ended, the
    entry no longer matches and the request goes on to Wagtail as usual. It is what a reverse
    proxy does with the same `Cache-Control`, on the app server, so servers without a proxy in
    front get it too.

    It sits at the end of MIDDLEWARE, so every other middleware (security headers, CSP, locale,
    CSRF, sessions) sees the request and the response as it sees any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        accept = request.headers.get("Accept", "")
        wants_json_only = "application/json" in accept and "text/html" not in accept and "*/*" not in accept
        if not wants_json_only:
            response = caching.cached_response(request)
            if response is not None:
                return response
        return self.get_response(request)
