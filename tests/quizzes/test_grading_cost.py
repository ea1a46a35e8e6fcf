"""Grading reads the answer key from the worker's memory (no question or choice query), and the
key follows every change to a question or a choice."""

import pytest

from quizzes import services
from quizzes.enums import QuestionKind
from quizzes.factories import correct_ids, make_question
from quizzes.models import Attempt, Choice
from tests.quizzes.test_attempts import answers_for, begin

pytestmark = pytest.mark.django_db


def test_the_answer_key_follows_edits_to_choices_and_questions(bank):
    single, multiple = bank[0], bank[1]
    keys = services.answer_keys([single.pk, multiple.pk])
    assert keys[single.pk].correct_ids == tuple(correct_ids(single))
    assert keys[multiple.pk].kind == QuestionKind.MULTIPLE and not keys[multiple.pk].partial_credit
    # An editor moves the right answer and allows partial credit: the next grading uses both.
    old = Choice.objects.get(pk=keys[single.pk].correct_ids[0])
    new = single.choices.exclude(pk=old.pk).order_by("sort_order").first()
    old.is_correct, new.is_correct = False, True
    old.save()
    new.save()
    multiple.partial_credit = True
    multiple.save()
    keys = services.answer_keys([single.pk, multiple.pk])
    assert keys[single.pk].correct_ids == (new.pk,)
    assert keys[multiple.pk].partial_credit
    # A deleted question has no key (it is skipped, as before).
    single.delete()
    assert set(services.answer_keys([single.pk, multiple.pk])) == {multiple.pk}


def test_an_ordering_key_is_every_choice_in_order(db):
    question = make_question(QuestionKind.ORDERING, n=4)
    expected = tuple(question.choices.order_by("sort_order").values_list("pk", flat=True))
    assert services.answer_keys([question.pk])[question.pk].correct_ids == expected


def test_grading_runs_no_question_or_choice_query_once_the_key_is_known(client, ready, django_assert_num_queries):
    attempt = begin(client, ready)
    services.answer_keys(attempt.question_ids)  # a running worker has graded this quiz before
    answers = services.parse_answers(attempt, answers_for(attempt, right=False))
    # The attempt locked and read, then written: nothing else when the attempt fails.
    attempt = Attempt.objects.get(pk=attempt.pk)
    with django_assert_num_queries(2 + 2):  # + the test transaction's savepoint and its release
        result = services.submit(attempt, answers)
    assert result.newly_submitted and result.attempt.passed is False
    assert result.attempt.score == 0.0


def test_a_passing_submit_through_the_page_costs_a_bounded_number_of_queries(
    client, ready, django_assert_max_num_queries
):
    attempt = begin(client, ready)
    services.answer_keys(attempt.question_ids)  # a running worker has graded this quiz before
    data = answers_for(attempt, right=True)
    data["action"] = "submit"
    # 30 before the answer key was kept in memory and the attempt's and enrolment's user reused;
    # most of the rest is the completion (enrolment, certificate, analytics) in the same transaction.
    with django_assert_max_num_queries(29) as captured:  # 6 of them Wagtail's routing and restriction check
        response = client.post(f"{ready.url}quiz/", data)
    assert response.status_code == 302
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    # Grading read no question or choice: the answer key came from memory.
    assert '"quizzes_choice"' not in sql and 'FROM "quizzes_question"' not in sql
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100.0


def test_the_quiz_page_and_the_result_page_cost_a_fixed_number_of_queries(client, ready, django_assert_max_num_queries):
    """However many questions: the attempt's questions and choices are read in one query each."""
    from tests.conftest import session_queries

    attempt = begin(client, ready)
    client.get(f"{ready.url}quiz/")  # a running worker has the course map and outline
    # Wagtail's serve: its site and root page (3), the course by id from the cached route map (1),
    # its view-restriction check (2); then the quiz's own reads.
    with django_assert_max_num_queries(session_queries() + 10):
        page = client.get(f"{ready.url}quiz/")
    assert page.status_code == 200 and f'name="attempt" value="{attempt.pk}"' in page.content.decode()
    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "submit"})
    with django_assert_max_num_queries(session_queries() + 12):
        result = client.get(response["Location"])
    assert "合格点に届きませんでした" in result.content.decode() and "相談窓口" in result.content.decode()
