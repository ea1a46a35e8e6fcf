from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.services import invalidate_outlines, merge_guest_progress


@receiver(user_logged_in, dispatch_uid="courses.merge_guest_progress")
def carry_guest_progress(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        merge_guest_progress(request, user)


@receiver(page_published, dispatch_uid="courses.outline_published")
@receiver(page_unpublished, dispatch_uid="courses.outline_unpublished")
@receiver(post_page_move, dispatch_uid="courses.outline_moved")
def page_changed(sender, **kwargs):
    invalidate_outlines()


@receiver(post_delete, dispatch_uid="courses.outline_deleted")
def page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        invalidate_outlines()
