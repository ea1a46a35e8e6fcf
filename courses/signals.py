from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses import h5p_integration
from courses.caching import invalidate_lessons
from courses.models import Enrolment
from courses.services import forget_progress, invalidate_outlines, merge_guest_progress
from h5p.signals import activity_result
from quizzes.signals import quiz_passed


@receiver(user_logged_in, dispatch_uid="courses.merge_guest_progress")
def carry_guest_progress(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        merge_guest_progress(request, user)


@receiver(page_published, dispatch_uid="courses.outline_published")
@receiver(page_unpublished, dispatch_uid="courses.outline_unpublished")
@receiver(post_page_move, dispatch_uid="courses.outline_moved")
def page_changed(sender, **kwargs):
    invalidate_outlines()
    invalidate_lessons()


@receiver(post_delete, dispatch_uid="courses.outline_deleted")
@receiver(post_save, dispatch_uid="courses.outline_saved")
def page_or_restriction_changed(sender, instance, **kwargs):
    """Deleting a page, or adding/changing/removing a view restriction, changes what lessons show
    and which of them may be shared."""
    from wagtail.models import Page, PageViewRestriction

    if isinstance(instance, PageViewRestriction) or (isinstance(instance, Page) and kwargs.get("created") is None):
        invalidate_outlines()
        invalidate_lessons()


# What lessons render from other apps: a quiz's title in a slot, an H5P activity, the help
# resources. Senders are named, not imported: courses knows those apps only by their models.
@receiver(post_save, sender="quizzes.Quiz", dispatch_uid="courses.lessons_quiz_saved")
@receiver(post_delete, sender="quizzes.Quiz", dispatch_uid="courses.lessons_quiz_deleted")
@receiver(post_save, sender="h5p.H5PContent", dispatch_uid="courses.lessons_h5p_saved")
@receiver(post_delete, sender="h5p.H5PContent", dispatch_uid="courses.lessons_h5p_deleted")
@receiver(post_save, sender="home.HelpResource", dispatch_uid="courses.lessons_help_saved")
@receiver(post_delete, sender="home.HelpResource", dispatch_uid="courses.lessons_help_deleted")
def rendered_content_changed(sender, **kwargs):
    invalidate_lessons()


@receiver(post_save, sender="courses.Enrolment", dispatch_uid="courses.enrolment_saved")
@receiver(post_delete, sender="courses.Enrolment", dispatch_uid="courses.enrolment_deleted")
def enrolment_changed(sender, instance, **kwargs):
    forget_progress(instance.user_id, instance.course_id)


@receiver(quiz_passed, dispatch_uid="courses.quiz_passed")
def final_quiz_passed(sender, quiz_id, user, attempt, **kwargs):
    """Passing a course's final quiz may complete it — in the same transaction as the grading."""
    from courses.services import check_completion

    for enrolment in Enrolment.objects.filter(user=user, course__final_quiz_id=quiz_id, completed_at__isnull=True):
        enrolment.user = user  # the certificate needs the user: no second query for it
        check_completion(user, enrolment)


@receiver(activity_result, dispatch_uid="courses.h5p_activity_result")
def h5p_activity_result(sender, **kwargs):
    """An H5P result changed: the lesson may now be done under its blocks' rules."""

    return h5p_integration.activity_result(sender, **kwargs)
