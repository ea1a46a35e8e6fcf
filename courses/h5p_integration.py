"""Courses' side of H5P (courses → h5p; h5p knows nothing of courses).

- the lesson block renderer for the "h5p" kind of ActivitySlotBlock (h5p.blocks.render_activity);
- the placement provider: is this activity in this live lesson, and is the user enrolled in its
  course? (cached per outline version; the enrolment comes from the cached progress snapshot);
- the lesson's H5P rules: an activity marked "required" must be done (and reach its pass
  percentage, when set) before the lesson can be finished; when the last required one is done,
  the lesson is recorded as done and the course's completion rule is evaluated (the final quiz,
  graded on the server, stays the certificate's condition).
"""

from __future__ import annotations

from django.core.cache import cache

from courses.slots import register_slot_renderer, slot_values
from h5p import integration
from h5p.blocks import render_activity

register_slot_renderer("h5p", render_activity)

# Per outline version (which changes on every publish, unpublish, move or delete), also kept in
# this process's memory, as the lesson fast path keeps its lesson map.
_local_slots: dict[str, tuple[int, tuple[dict, ...]]] = {}
MAX_LOCAL_SLOTS = 5000


def lesson_activities(lesson_id: int) -> tuple[int, tuple[dict, ...]] | None:
    """(course id, the lesson's H5P activity slots) for a live lesson, or None."""
    from courses.models import LessonPage
    from courses.services import course_of, outline_version

    key = f"courses:h5p-slots:{outline_version()}:{lesson_id}"
    found = _local_slots.get(key)
    if found is None:
        found = cache.get(key)
    if found is None:
        lesson = LessonPage.objects.live().filter(pk=lesson_id).first()
        outline = course_of(lesson) if lesson is not None else None
        if outline is None:
            found = (0, ())
        else:
            slots = tuple(
                {
                    "reference": (value.get("reference") or "").strip(),
                    "required": bool(value.get("required")),
                    "pass_percent": value.get("pass_percent") or None,
                }
                for value in slot_values(lesson, "h5p")
            )
            found = (outline.id, slots)
        cache.set(key, found, 60 * 60 * 24)
    if len(_local_slots) >= MAX_LOCAL_SLOTS:
        _local_slots.clear()
    _local_slots[key] = found
    course_id, slots = found
    return (course_id, slots) if course_id else None


def placement(user, lesson_id: int, key: str) -> integration.Placement:
    from courses.services import progress_snapshot

    found = lesson_activities(lesson_id)
    if found is None:
        raise integration.PlacementRefused("no_lesson")
    course_id, slots = found
    slot = next((slot for slot in slots if slot["reference"] == key), None)
    if slot is None:
        raise integration.PlacementRefused("not_in_lesson")
    if progress_snapshot(user.pk, course_id).enrolment_id is None:
        raise integration.PlacementRefused("not_enrolled")
    return integration.Placement(course_id, lesson_id, slot["required"], slot["pass_percent"])


integration.register_placement_provider(placement)


def unmet_required(user, lesson_id: int) -> list[str]:
    """Keys of the lesson's required H5P activities this learner has not yet satisfied."""
    from h5p.services import results_for, satisfied

    found = lesson_activities(lesson_id)
    if found is None:
        return []
    required = [slot for slot in found[1] if slot["required"]]
    if not required:
        return []
    if user is None or not user.is_authenticated:
        return [slot["reference"] for slot in required]
    results = results_for(user, [slot["reference"] for slot in required])
    return [
        slot["reference"] for slot in required if not satisfied(results.get(slot["reference"]), slot["pass_percent"])
    ]


def activity_result(sender, user, content_key, lesson_id, course_id, **kwargs) -> bool:
    """After a result changed: when the lesson's required activities are all satisfied, record
    the lesson as done and check the course's completion. True when the lesson is done now."""
    from courses.models import Enrolment
    from courses.services import _record_lesson, check_completion

    found = lesson_activities(lesson_id)
    if found is None or not any(slot["required"] for slot in found[1]):
        return False
    if unmet_required(user, lesson_id):
        return False
    enrolment = Enrolment.objects.filter(user=user, course_id=found[0]).first()
    if enrolment is None:
        return False
    _record_lesson(enrolment, lesson_id)
    check_completion(user, enrolment)
    return True
