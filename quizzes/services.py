"""Quiz rules, all enforced on the server: drawing, answering, grading, attempts, surveys.

Knows nothing of courses: it takes a user and a quiz and announces `quiz_passed` (signals.py),
which the courses app listens to.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from quizzes.enums import QuestionKind, SelectionMode, SurveyPhase
from quizzes.models import Attempt, Choice, Question, Quiz, Survey, SurveyParticipation, SurveyTally, TimeExtension
from quizzes.signals import quiz_passed


class QuizError(Exception):
    """A request the rules refuse; the message is shown to the learner (status 400 or 403)."""

    def __init__(self, message: str, status: int = 400, correctable: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        # An answer the learner can fix on the same page (not a tampered request).
        self.correctable = correctable


# --- starting ------------------------------------------------------------------------------


def attempts_used(quiz: Quiz, user) -> int:
    return Attempt.objects.filter(quiz=quiz, user=user, submitted_at__isnull=False).count()


def has_passed(quiz_id: int, user) -> bool:
    return Attempt.objects.filter(quiz_id=quiz_id, user=user, passed=True).exists()


def open_attempt(quiz: Quiz, user) -> Attempt | None:
    return Attempt.objects.filter(quiz=quiz, user=user, submitted_at__isnull=True).first()


def _draw(quiz: Quiz, rng: random.Random) -> list[Question]:
    if quiz.selection == SelectionMode.FIXED:
        questions = [item.question for item in quiz.fixed_questions.select_related("question").order_by("sort_order")]
    else:
        pool = list(quiz.pool().order_by("pk"))
        questions = rng.sample(pool, min(quiz.draw_count, len(pool)))
        if not quiz.shuffle:
            questions.sort(key=lambda q: q.pk)
    if quiz.shuffle and quiz.selection == SelectionMode.FIXED:
        rng.shuffle(questions)
    return questions


def start_attempt(quiz: Quiz, user, seed: int | None = None) -> Attempt:
    """Resume the open attempt, or start a new one with its questions and choice order fixed now.

    Refused when the attempts allowed are used up, or when the learner already passed.
    """
    existing = open_attempt(quiz, user)
    if existing is not None:
        return existing
    if has_passed(quiz.pk, user):
        raise QuizError(_("この確認テストにはすでに合格しています。"), status=403)
    used = attempts_used(quiz, user)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise QuizError(_("受験できる回数（%(count)d回）をすべて使いました。") % {"count": quiz.max_attempts}, 403)
    rng = random.Random(seed)  # noqa: S311 - shuffling questions, not security
    questions = _draw(quiz, rng)
    if not questions:
        raise QuizError(_("この確認テストにはまだ問題がありません。"), status=403)
    choices_by_question: dict[int, list[int]] = {}
    for choice in Choice.objects.filter(question__in=questions).order_by("question_id", "sort_order", "pk"):
        choices_by_question.setdefault(choice.question_id, []).append(choice.pk)
    layout = []
    for question in questions:
        order = list(choices_by_question.get(question.pk, []))
        if question.kind != QuestionKind.TRUE_FALSE:
            rng.shuffle(order)
        layout.append({"question": question.pk, "choices": order})
    deadline = None
    if quiz.time_limit_minutes:
        extension = TimeExtension.objects.filter(quiz=quiz, user=user).values_list("extra_minutes", flat=True).first()
        deadline = timezone.now() + timedelta(minutes=quiz.time_limit_minutes + (extension or 0))
    try:
        with transaction.atomic():
            return Attempt.objects.create(quiz=quiz, user=user, number=used + 1, layout=layout, deadline=deadline)
    except IntegrityError:  # another tab started one at the same moment
        return open_attempt(quiz, user)


# --- answering ----------------------------------------------------------------------------------

# A time limit is enforced with this much slack for the page's round trip (a slow connection,
# a submit pressed in the last second).
DEADLINE_GRACE = timedelta(seconds=60)


def overdue(attempt: Attempt, now=None) -> bool:
    """The attempt had a time limit and it has passed (with the grace above)."""
    return attempt.deadline is not None and (now or timezone.now()) > attempt.deadline + DEADLINE_GRACE


def submitted_late(attempt: Attempt) -> bool:
    """Submitted after its time limit: graded on the answers saved in time."""
    return attempt.submitted_at is not None and overdue(attempt, attempt.submitted_at)


def _validated(attempt: Attempt, question_id: int, choice_ids: list[int]) -> list[int]:
    if attempt.submitted_at is not None:
        raise QuizError(_("この受験はすでに提出されています。新しく受け直してください。"), status=400)
    if question_id in attempt.checked:
        raise QuizError(_("この問題は答えを確認済みのため、変更できません。"))
    item = next((item for item in attempt.layout if item["question"] == question_id), None)
    if item is None:
        raise QuizError(_("この受験に含まれない問題への解答は受け付けられません。"))
    allowed = set(item["choices"])
    if any(choice not in allowed for choice in choice_ids):
        raise QuizError(_("この問題の選択肢ではないものが送られました。ページを読み込み直してください。"))
    if len(set(choice_ids)) != len(choice_ids):
        raise QuizError(_("同じ選択肢が二度送られました。"))
    return choice_ids


def parse_answers(attempt: Attempt, data, keys: dict[int, AnswerKey] | None = None) -> dict[int, list[int]]:
    """Read answers from a submitted form (`q<question id>` fields; for ordering questions
    `q<question id>_<choice id>` = position). Anything malformed or foreign is refused."""
    kinds = {pk: key.kind for pk, key in (keys or answer_keys(attempt.question_ids)).items()}
    answers: dict[int, list[int]] = {}
    for key in data:
        if not key.startswith("q"):
            continue
        head, _sep, tail = key[1:].partition("_")
        if not head.isdigit() or (tail and not tail.isdigit()):
            raise QuizError(_("解答の形式が正しくありません。"))
        if int(head) not in kinds:
            raise QuizError(_("この受験に含まれない問題への解答は受け付けられません。"))
        if bool(tail) != (kinds[int(head)] == QuestionKind.ORDERING):
            raise QuizError(_("解答の形式が正しくありません。"))
    for question_id, kind in kinds.items():
        if kind == QuestionKind.ORDERING:
            item = next(item for item in attempt.layout if item["question"] == question_id)
            positions = {}
            for choice_id in item["choices"]:
                value = data.get(f"q{question_id}_{choice_id}")
                if value in (None, ""):
                    continue
                if not str(value).isdigit() or not 1 <= int(value) <= len(item["choices"]):
                    raise QuizError(
                        _("並べ替えの順番は 1〜%(n)d の数字で選んでください。") % {"n": len(item["choices"])}
                    )
                positions[choice_id] = int(value)
            if positions:
                if len(positions) != len(item["choices"]) or len(set(positions.values())) != len(positions):
                    raise QuizError(_("並べ替えは、すべての項目に異なる順番を選んでください。"), correctable=True)
                answers[question_id] = [c for c, _p in sorted(positions.items(), key=lambda pair: pair[1])]
            continue
        values = data.getlist(f"q{question_id}") if hasattr(data, "getlist") else data.get(f"q{question_id}", [])
        if isinstance(values, str | int):
            values = [values]
        if not values:
            continue
        if any(not str(value).isdigit() for value in values):
            raise QuizError(_("解答の形式が正しくありません。"))
        chosen = [int(value) for value in values]
        if kind != QuestionKind.MULTIPLE and len(chosen) > 1:
            raise QuizError(_("この問題で選べる答えは1つです。"), correctable=True)
        answers[question_id] = chosen
    for question_id, chosen in answers.items():
        _validated(attempt, question_id, chosen)
    return answers


def _refuse_if_overdue(attempt: Attempt) -> None:
    if overdue(attempt):
        raise QuizError(
            _(
                "制限時間を過ぎたため、解答はこれ以上保存できません。「提出する」を押すと、"
                "時間内に保存した解答で採点します。"
            ),
            correctable=True,
        )


def save_answers(attempt: Attempt, answers: dict[int, list[int]]) -> Attempt:
    """Keep answers so far (the learner can leave and come back). Refused once submitted, and
    after the time limit."""
    _refuse_if_overdue(attempt)
    for question_id, chosen in answers.items():
        _validated(attempt, question_id, chosen)
    merged = {**attempt.answers, **{str(k): v for k, v in answers.items()}}
    updated = Attempt.objects.filter(pk=attempt.pk, submitted_at__isnull=True).update(answers=merged)
    if not updated:
        raise QuizError(_("この受験はすでに提出されています。新しく受け直してください。"))
    attempt.answers = merged
    return attempt


# --- grading ---------------------------------------------------------------------------------------

ANSWER_KEY_VERSION = "quizzes:answer-key-version"


@dataclass(frozen=True)
class AnswerKey:
    """What grading needs of a question (`grade_question` takes it in place of the question)."""

    kind: str
    partial_credit: bool
    correct_ids: tuple[int, ...]  # in the choices' order; ordering questions: every choice


# Per worker: {version token: {question id: AnswerKey}}. The token lives in the shared cache and is
# replaced whenever a question or a choice is saved or deleted (apps.py), when that change commits
# too, so no worker grades with an old key. Saves the question and choice queries on every answer.
_answer_keys: dict[str, dict[int, AnswerKey]] = {}


def forget_answer_keys() -> None:
    cache.set(ANSWER_KEY_VERSION, uuid.uuid4().hex, None)


def answer_keys(question_ids, version: str | None = None) -> dict[int, AnswerKey]:
    """The answer key of each question that exists (no query when this worker has them).
    `version`: the token at ANSWER_KEY_VERSION, when the caller has just read it."""
    if version is None:
        version = cache.get_or_set(ANSWER_KEY_VERSION, lambda: uuid.uuid4().hex, None)
    known = _answer_keys.get(version)
    if known is None:
        _answer_keys.clear()
        known = _answer_keys[version] = {}
    missing = [pk for pk in question_ids if pk not in known]
    if missing:
        rows = list(Question.objects.filter(pk__in=missing).values_list("pk", "kind", "partial_credit"))
        correct: dict[int, list[int]] = {}
        kinds = {pk: kind for pk, kind, _partial in rows}
        choices = Choice.objects.filter(question_id__in=missing).order_by("question_id", "sort_order", "pk")
        for question_id, choice_id, is_correct in choices.values_list("question_id", "pk", "is_correct"):
            if kinds.get(question_id) == QuestionKind.ORDERING or is_correct:
                correct.setdefault(question_id, []).append(choice_id)
        for pk, kind, partial in rows:
            known[pk] = AnswerKey(kind=kind, partial_credit=partial, correct_ids=tuple(correct.get(pk, ())))
    return {pk: known[pk] for pk in question_ids if pk in known}


def grade_question(question: Question | AnswerKey, correct_ids: list[int], chosen: list[int]) -> float:
    """Points between 0 and 1 for one question."""
    if not chosen:
        return 0.0
    if question.kind == QuestionKind.ORDERING:
        return 1.0 if chosen == correct_ids else 0.0
    correct, picked = set(correct_ids), set(chosen)
    if question.kind == QuestionKind.MULTIPLE:
        if picked == correct:
            return 1.0
        if not question.partial_credit:
            return 0.0
        return max(0.0, (len(picked & correct) - len(picked - correct)) / len(correct))
    return 1.0 if picked == correct else 0.0


def _correct_answers(question_ids, kinds: dict[int, str] | None = None) -> dict[int, list[int]]:
    """The right choices per question, in order (ordering questions: every choice, in order)."""
    return {pk: list(key.correct_ids) for pk, key in answer_keys(question_ids).items() if key.correct_ids}


@dataclass(frozen=True)
class Result:
    attempt: Attempt
    newly_submitted: bool


@dataclass(frozen=True)
class Grade:
    answers: dict[str, list[int]]  # the attempt's answers with the submitted ones merged in
    points: dict[str, float]
    score: float
    passed: bool


def grade(
    attempt: Attempt, answers: dict[int, list[int]] | None, pass_mark: int, keys: dict[int, AnswerKey] | None = None
) -> Grade:
    """Grade an open attempt with the answers submitted now (validated against its questions)."""
    merged = attempt.answers
    if answers:
        for question_id, chosen in answers.items():
            _validated(attempt, question_id, chosen)
        merged = {**attempt.answers, **{str(k): v for k, v in answers.items()}}
    keys = keys or answer_keys(attempt.question_ids)
    points = {
        str(qid): grade_question(keys[qid], list(keys[qid].correct_ids), merged.get(str(qid), []))
        for qid in attempt.question_ids
        if qid in keys
    }
    score = round(100 * sum(points.values()) / len(attempt.question_ids), 1) if attempt.question_ids else 0.0
    return Grade(answers=merged, points=points, score=score, passed=score >= pass_mark)


def submit(attempt: Attempt, answers: dict[int, list[int]] | None = None) -> Result:
    """Grade and close the attempt. Submitting again (double click, retry after a timeout) returns
    the same result and records nothing new."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user").get(pk=attempt.pk)
        if locked.submitted_at is not None:
            return Result(locked, newly_submitted=False)
        if overdue(locked):  # after the time limit: only what was saved in time counts
            answers = None
        graded = grade(locked, answers, locked.quiz.pass_mark)
        locked.answers, locked.points, locked.score, locked.passed = (
            graded.answers,
            graded.points,
            graded.score,
            graded.passed,
        )
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["answers", "points", "score", "passed", "submitted_at"])
        if locked.passed:
            quiz_passed.send(sender=Quiz, quiz_id=locked.quiz_id, user=locked.user, attempt=locked)
    return Result(locked, newly_submitted=True)


def check_question(attempt: Attempt, question_id: int, chosen: list[int]) -> Attempt:
    """Feedback "after each question": save the answer, lock it, and let its feedback be shown."""
    _refuse_if_overdue(attempt)
    _validated(attempt, question_id, chosen)
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is not None:
            raise QuizError(_("この受験はすでに提出されています。新しく受け直してください。"))
        if question_id not in locked.checked:
            locked.answers = {**locked.answers, str(question_id): chosen}
            locked.checked = [*locked.checked, question_id]
            locked.save(update_fields=["answers", "checked"])
    return locked


@dataclass
class ReviewItem:
    question: Question
    choices: list[Choice]
    chosen: list[int]
    points: float
    correct_ids: list[int]


def review(attempt: Attempt) -> list[ReviewItem]:
    """For the result page (and after-each feedback): each question with the learner's choices,
    the correct ones, and feedback. Only for a submitted attempt, or one question at a time."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    choices = Choice.objects.in_bulk([c for item in attempt.layout for c in item["choices"]])
    correct = _correct_answers(attempt.question_ids, {pk: q.kind for pk, q in questions.items()})
    items = []
    for item in attempt.layout:
        question = questions.get(item["question"])
        if question is None:
            continue
        chosen = attempt.answers.get(str(question.pk), [])
        if attempt.submitted_at is not None:
            points = attempt.points.get(str(question.pk), 0.0)
        else:  # feedback after each question: graded as it is checked
            points = grade_question(question, correct.get(question.pk, []), chosen)
        items.append(
            ReviewItem(
                question=question,
                choices=[choices[c] for c in item["choices"] if c in choices],
                chosen=chosen,
                points=points,
                correct_ids=correct.get(question.pk, []),
            )
        )
    return items


# --- surveys ----------------------------------------------------------------------------------------


def has_answered(survey: Survey, user, phase: str) -> bool:
    return SurveyParticipation.objects.filter(survey=survey, user=user, phase=phase).exists()


def answer_survey(survey: Survey, user, phase: str, values: dict[int, int]) -> bool:
    """Add one learner's answers (1–5 per item) to the anonymous totals, once per phase.
    Nothing links the values to the person. Returns False if they had already answered."""
    if phase not in SurveyPhase.values:
        raise QuizError(_("アンケートの種類が正しくありません。"))
    item_ids = set(survey.items.values_list("pk", flat=True))
    if set(values) - item_ids:
        raise QuizError(_("このアンケートにない質問への回答は受け付けられません。"))
    if any(not 1 <= value <= 5 for value in values.values()):
        raise QuizError(_("回答は 1〜5 から選んでください。"))
    SurveyTally.objects.bulk_create(
        [SurveyTally(item_id=item_id, phase=phase) for item_id in item_ids], ignore_conflicts=True
    )
    try:
        with transaction.atomic():
            SurveyParticipation.objects.create(survey=survey, user=user, phase=phase)
            for item_id, value in values.items():
                SurveyTally.objects.filter(item_id=item_id, phase=phase).update(
                    responses=F("responses") + 1, total=F("total") + value
                )
    except IntegrityError:  # answered already (another tab, or a double submit)
        return False
    return True


@dataclass(frozen=True)
class ItemChange:
    item: str
    pre: float | None
    post: float | None
    pre_count: int
    post_count: int

    @property
    def change(self) -> float | None:
        return round(self.post - self.pre, 2) if self.pre is not None and self.post is not None else None


# Fewer answers than this and an average could reveal what one person answered: not shown.
SURVEY_MIN_RESPONSES = 10


def survey_changes(survey: Survey, min_responses: int = SURVEY_MIN_RESPONSES) -> list[ItemChange]:
    """Average per item before and after, and the change: aggregates only, and only where at
    least `min_responses` people answered."""
    tallies = {(t.item_id, t.phase): t for t in SurveyTally.objects.filter(item__survey=survey)}
    rows = []
    for item in survey.items.order_by("sort_order"):
        pre, post = tallies.get((item.pk, "pre")), tallies.get((item.pk, "post"))
        rows.append(
            ItemChange(
                item=item.text,
                pre=round(pre.average, 2) if pre and pre.responses >= max(min_responses, 1) else None,
                post=round(post.average, 2) if post and post.responses >= max(min_responses, 1) else None,
                pre_count=pre.responses if pre else 0,
                post_count=post.responses if post else 0,
            )
        )
    return rows
