"""The shared copy of a lesson page, answered before routing."""

from courses import caching


class SharedPageMiddleware:
    """A lesson page is the same for every reader (courses.caching). Once Wagtail's `serve` has
    rendered it, the next plain GET for that URL is answered here from the cache, in one round
    trip, once Django has resolved the URL to Wagtail's `serve` but before Wagtail's routing and
    before the session is read. When the version token has moved (an edit, a quiz, an H5P
    activity, a help resource, a restriction) or the day has ended, the entry no longer matches
    and the request goes on to Wagtail as usual. It is what a reverse proxy does with the same
    `Cache-Control`, on the app server, so servers without a proxy in front get it too.

    It sits at the end of MIDDLEWARE, so every other middleware (security headers, CSP, locale,
    CSRF, sessions) sees the request and the response as it sees any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Only URLs that go to Wagtail's `serve` are looked up (named `wagtail_serve` in
        wagtail.urls); a miss continues to it."""
        if request.resolver_match is None or request.resolver_match.url_name != "wagtail_serve":
            return None
        return caching.cached_response(request)
