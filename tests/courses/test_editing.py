import pytest
from wagtail.models import Workflow

from accounts import roles
from accounts.factories import UserFactory
from courses.models import LessonPage

pytestmark = pytest.mark.django_db


def test_an_editors_change_to_a_lesson_goes_through_review_before_it_is_published(client, course):
    _course_page, lessons = course
    lesson = LessonPage.objects.get(pk=lessons[0].pk)
    groups = roles.ensure_groups()
    editor, moderator = UserFactory(), UserFactory()
    editor.groups.add(groups[roles.EDITOR])
    moderator.groups.add(groups[roles.MODERATOR])
    workflow = lesson.get_workflow()
    assert isinstance(workflow, Workflow)

    lesson.title = "改訂したレッスン"
    revision = lesson.save_revision(user=editor)
    state = workflow.start(lesson, editor)

    assert client.get(lesson.url).content.decode().count("改訂したレッスン") == 0  # still the live text
    assert lesson.permissions_for_user(editor).can_publish() is False
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, moderator, "approve")

    lesson.refresh_from_db()
    assert lesson.live_revision_id == revision.pk
    assert lesson.title == "改訂したレッスン"
    assert "改訂したレッスン" in client.get(lesson.url).content.decode()


def test_every_course_and_lesson_field_has_japanese_help_text():
    from courses.models import CoursePage

    for model in (CoursePage, LessonPage):
        own = [f for f in model._meta.get_fields() if getattr(f, "model", None) is model and f.concrete]
        own = [f for f in own if f.name not in {"page_ptr"}]
        assert own, model
        for field in own:
            assert field.help_text, f"{model.__name__}.{field.name}"
