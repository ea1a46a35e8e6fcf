"""Completion conditions, pluggable: a course's rule is a list of condition keys.

`required_lessons` is ours. `final_quiz` is provided by the quizzes app, which registers its check
when it lands; until then the condition is reported as not yet available and a course whose rule
needs it cannot complete.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from courses.enums import CompletionRule

# check(user, course_id, done_lesson_ids, required_lesson_ids) -> bool
Check = Callable[[object, int, frozenset[int], frozenset[int]], bool]


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    check: Check


@dataclass(frozen=True)
class ConditionResult:
    key: str
    label: str
    met: bool
    available: bool


RULES: dict[str, list[str]] = {
    CompletionRule.LESSONS_AND_QUIZ: ["required_lessons", "final_quiz"],
    CompletionRule.LESSONS_ONLY: ["required_lessons"],
}
PENDING_LABELS = {"final_quiz": _("確認テストに合格する")}

_CONDITIONS: dict[str, Condition] = {}


def register_condition(key: str, label: str, check: Check) -> None:
    _CONDITIONS[key] = Condition(key, label, check)


def evaluate(rule: str, user, course_id: int, done: frozenset[int], required: frozenset[int]) -> list[ConditionResult]:
    results = []
    for key in RULES[rule]:
        condition = _CONDITIONS.get(key)
        if condition is None:
            results.append(ConditionResult(key, str(PENDING_LABELS.get(key, key)), met=False, available=False))
            continue
        met = bool(user is not None and getattr(user, "is_authenticated", False)) and condition.check(
            user, course_id, done, required
        )
        results.append(ConditionResult(key, str(condition.label), met=met, available=True))
    return results


def _required_lessons_done(user, course_id, done, required) -> bool:
    return required <= done


register_condition("required_lessons", _("必須のレッスンをすべて終える"), _required_lessons_done)


def _final_quiz_passed(user, course_id, done, required) -> bool:
    from courses.services import course_outline
    from quizzes.services import has_passed

    outline = course_outline(course_id)
    return bool(outline and outline.final_quiz_id and has_passed(outline.final_quiz_id, user))


register_condition("final_quiz", _("確認テストに合格する"), _final_quiz_passed)


# The organisation a learner completes for (an organisation's staff training), for the completion
# record's `organisation` dimension. Apps that know about organisations (classrooms' cohorts)
# register a lookup at ready(); courses never imports them. lookup(user_id, course_id) -> name or "".
OrganisationLookup = Callable[[int, int], str]
# The same lookup as a queryset of at most one name, for a caller that reads it inside a larger
# statement (the final quiz's one-statement submit). query(user_id) -> QuerySet of names.
OrganisationQuery = Callable[[int], object]

_ORGANISATION_LOOKUPS: list[OrganisationLookup] = []
_ORGANISATION_QUERIES: dict[OrganisationLookup, OrganisationQuery] = {}


def register_organisation_lookup(lookup: OrganisationLookup, query: OrganisationQuery | None = None) -> None:
    if lookup not in _ORGANISATION_LOOKUPS:
        _ORGANISATION_LOOKUPS.append(lookup)
    if query is not None:
        _ORGANISATION_QUERIES[lookup] = query


def organisation_queries(user_id: int) -> list | None:
    """Every registered lookup as its queryset, in order; None when one has no queryset form."""
    if any(lookup not in _ORGANISATION_QUERIES for lookup in _ORGANISATION_LOOKUPS):
        return None
    return [_ORGANISATION_QUERIES[lookup](user_id) for lookup in _ORGANISATION_LOOKUPS]


def is_standard(rule: str) -> bool:
    """The rule uses only the conditions defined here, unchanged (what a caller that evaluates the
    rule in SQL itself may rely on)."""
    standard = {"required_lessons": _required_lessons_done, "final_quiz": _final_quiz_passed}
    return rule in RULES and all(
        key in standard and key in _CONDITIONS and _CONDITIONS[key].check is standard[key] for key in RULES[rule]
    )


def organisation_of(user_id: int, course_id: int) -> str:
    """The first registered lookup's answer ("" when none knows the learner)."""
    for lookup in _ORGANISATION_LOOKUPS:
        name = lookup(user_id, course_id)
        if name:
            return name[:100]
    return ""
