import pytest

from quizzes.enums import QuestionKind
from quizzes.factories import correct_ids, make_question
from quizzes.services import grade_question

pytestmark = pytest.mark.django_db


def ids(question):
    return list(question.choices.order_by("sort_order").values_list("pk", flat=True))


@pytest.mark.parametrize("kind", [QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.SCENARIO])
def test_single_answer_kinds_are_right_or_wrong(kind):
    question = make_question(kind=kind, correct=(1,), n=2 if kind == QuestionKind.TRUE_FALSE else 3)
    right, wrong = ids(question)[1], ids(question)[0]

    assert grade_question(question, correct_ids(question), [right]) == 1.0
    assert grade_question(question, correct_ids(question), [wrong]) == 0.0
    assert grade_question(question, correct_ids(question), []) == 0.0


def test_multiple_choice_all_or_nothing():
    question = make_question(kind=QuestionKind.MULTIPLE, correct=(0, 1), n=4)
    a, b, c, _d = ids(question)

    assert grade_question(question, correct_ids(question), [a, b]) == 1.0
    assert grade_question(question, correct_ids(question), [a]) == 0.0
    assert grade_question(question, correct_ids(question), [a, b, c]) == 0.0


def test_multiple_choice_partial_credit_subtracts_wrong_picks():
    question = make_question(kind=QuestionKind.MULTIPLE, correct=(0, 1), n=4, partial=True)
    a, b, c, d = ids(question)

    assert grade_question(question, correct_ids(question), [a, b]) == 1.0
    assert grade_question(question, correct_ids(question), [a]) == 0.5
    assert grade_question(question, correct_ids(question), [a, c]) == 0.0
    assert grade_question(question, correct_ids(question), [c, d]) == 0.0


def test_ordering_needs_the_whole_order():
    question = make_question(kind=QuestionKind.ORDERING, n=4)
    order = ids(question)

    assert grade_question(question, correct_ids(question), order) == 1.0
    assert grade_question(question, correct_ids(question), [order[1], order[0], *order[2:]]) == 0.0
