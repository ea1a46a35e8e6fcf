from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from core.routing import invalidate_routes


@receiver(page_published, dispatch_uid="core.routes_published")
@receiver(page_unpublished, dispatch_uid="core.routes_unpublished")
@receiver(post_page_move, dispatch_uid="core.routes_moved")
def page_routes_changed(sender, **kwargs):
    invalidate_routes()


@receiver(post_delete, dispatch_uid="core.routes_deleted")
def page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page, Site

    if isinstance(instance, Page | Site):
        invalidate_routes()
