import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# Import every view module now rather than on each worker's first request: with `gunicorn
# --preload` (docs/deployment.md) this happens once, before the workers fork.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018

# Everything loaded so far lives as long as the process: move it out of the garbage collector's
# generations, so that its full collections — tens of milliseconds over a Django and Wagtail heap —
# no longer walk it (and, with --preload, no longer touch every page the workers share).
import gc  # noqa: E402

gc.freeze()
