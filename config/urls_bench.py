"""The site's URLs plus a bare view: the baseline the benchmarks compare against."""

import os

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def bare(request):
    # The worker's process id: the benchmarks wait until every worker has answered once.
    return HttpResponse(f"ok {os.getpid()}", content_type="text/plain")


def bare_post(request):
    """The same as `bare`, for POST (CSRF checked by the middleware, like every form)."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("bench/bare-post/", bare_post), *site_urlpatterns]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
