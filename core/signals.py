from django.db.models.signals import post_delete, post_save
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
    from wagtail.models import Page, PageViewRestriction, Site

    if isinstance(instance, Page | Site | PageViewRestriction):
        invalidate_routes()


@receiver(post_save, dispatch_uid="core.routes_saved")
def restriction_or_alias_saved(sender, instance, created, **kwargs):
    """A view restriction added or changed, or a new alias page: what guards a path changes."""
    from wagtail.models import Page, PageViewRestriction

    if isinstance(instance, PageViewRestriction) or (isinstance(instance, Page) and created and instance.alias_of_id):
        invalidate_routes()
