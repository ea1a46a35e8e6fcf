from django.conf import settings


def site_context(request):
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "SHOW_DEV_MAILBOX": settings.SHOW_DEV_MAILBOX,
    }
