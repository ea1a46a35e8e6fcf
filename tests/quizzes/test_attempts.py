import re

import pytest
from bs4 import BeautifulSoup

from analytics.models import CompletionRecord
from courses.models import Enrolment
from quizzes.enums import QuestionKind
from quizzes.factories import correct_ids
from quizzes.models import Attempt, Choice, Question
from quizzes.services import start_attempt

pytestmark = pytest.mark.django_db


def begin(client, course_page):
    client.post(f"{course_page.url}quiz/", {"action": "start"})
    return Attempt.objects.latest("pk")


def answers_for(attempt, right=True):
    """Form data answering every question of the attempt, all right or all wrong."""
    data = {"attempt": attempt.pk}
    for item in attempt.layout:
        question = Question.objects.get(pk=item["question"])
        good = correct_ids(question)
        if question.kind == QuestionKind.ORDERING:
            order = good if right else list(reversed(good))
            for position, choice_id in enumerate(order, start=1):
                data[f"q{question.pk}_{choice_id}"] = str(position)
        elif right:
            data[f"q{question.pk}"] = [str(c) for c in good]
        else:
            data[f"q{question.pk}"] = [str(c) for c in item["choices"] if c not in good][:1]
    return data


def test_passing_the_final_quiz_completes_the_course_once(client, learner, ready):
    attempt = begin(client, ready)

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt), "action": "submit"})
    again = client.post(f"{ready.url}quiz/", {**answers_for(attempt), "action": "submit"})

    assert response.status_code == again.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100.0, True)
    assert Attempt.objects.count() == 1
    assert Enrolment.objects.get(user=learner).completed_at is not None
    assert CompletionRecord.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "合格です" in page and "講座を修了しました" in page and "相談窓口" in page


def test_a_failed_attempt_shows_feedback_and_explanations_and_offers_a_new_draw(client, ready):
    attempt = begin(client, ready)

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "submit"})
    page = client.get(response["Location"]).content.decode()

    assert "合格点に届きませんでした" in page
    assert page.count("解説") >= len(attempt.layout)
    assert "フィードバック" in page and "もう一度受ける" in page
    assert Enrolment.objects.get().completed_at is None
    second = begin(client, ready)
    assert second.pk != attempt.pk and second.number == 2


def test_the_childrens_course_speaks_to_children_in_its_result_and_feedback(client, ready):
    ready.audience = "children"
    ready.save_revision().publish()
    attempt = begin(client, ready)

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "submit"})
    page = client.get(response["Location"]).content.decode()

    assert (
        "<h1>テストの けっか</h1>" in page
        and "0.0 てん（100てん まんてん）" in page
        and "あと少し！" in page
        and "もう一回 やってみる" in page
    )
    questions = len(attempt.layout)
    assert page.count("ちがう答えでした") == questions and page.count("せつめい</strong>") == questions
    assert "合格点" not in page and "解説</strong>" not in page and "フィードバックを読んで" not in page
    assert "相談窓口" in page
    second = begin(client, ready)
    response = client.post(f"{ready.url}quiz/", {**answers_for(second), "action": "submit"})
    page = client.get(response["Location"]).content.decode()
    assert "よくできました！" in page and page.count("✓ せいかい！") == len(second.layout)


def test_the_page_source_holds_no_correct_answers(client, ready):
    attempt = begin(client, ready)

    html = client.get(f"{ready.url}quiz/").content.decode()

    assert "is_correct" not in html and "正解" not in html
    for item in attempt.layout:
        for choice in Choice.objects.filter(question_id=item["question"]):
            assert choice.feedback not in html
    assert "解説です" not in html


def test_the_random_draw_is_fixed_per_attempt_and_reproducible(learner, quiz):
    first = start_attempt(quiz, learner, seed=42)
    first_pk, first_layout = first.pk, first.layout
    resumed = start_attempt(quiz, learner, seed=7)
    first.delete()
    again = start_attempt(quiz, learner, seed=42)

    assert resumed.pk == first_pk and resumed.layout == first_layout
    assert again.layout == first_layout
    assert len(again.layout) == 4


def test_answers_are_kept_when_the_learner_leaves_and_comes_back(client, ready):
    attempt = begin(client, ready)
    single_answer = {QuestionKind.SINGLE, QuestionKind.TRUE_FALSE, QuestionKind.SCENARIO}
    item = next(i for i in attempt.layout if Question.objects.get(pk=i["question"]).kind in single_answer)
    choice = item["choices"][0]

    client.post(f"{ready.url}quiz/", {"attempt": attempt.pk, f"q{item['question']}": str(choice), "action": "save"})
    page = BeautifulSoup(client.get(f"{ready.url}quiz/").content, "html.parser")

    assert page.select_one(f"#q{item['question']}-{choice}").has_attr("checked")


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("foreign_question", "この受験に含まれない問題"),
        ("other_choice", "この問題の選択肢ではないもの"),
        ("garbage", "解答の形式が正しくありません"),
    ],
)
def test_tampered_answers_are_refused_and_nothing_is_stored(client, ready, tamper, message):
    attempt = begin(client, ready)
    outside = Question.objects.exclude(pk__in=attempt.question_ids).first()
    first = next(i for i in attempt.layout if Question.objects.get(pk=i["question"]).kind != QuestionKind.ORDERING)
    other_choice = Choice.objects.exclude(question_id=first["question"]).first()
    data = {"attempt": attempt.pk, "action": "submit"}
    if tamper == "foreign_question":
        data[f"q{outside.pk}"] = str(outside.choices.first().pk)
    elif tamper == "other_choice":
        data[f"q{first['question']}"] = str(other_choice.pk)
    else:
        data[f"q{first['question']}"] = "1 OR 1=1"

    response = client.post(f"{ready.url}quiz/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == {}


def test_answering_a_finished_attempt_is_refused(client, ready):
    attempt = begin(client, ready)
    client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "submit"})

    response = client.post(f"{ready.url}quiz/", {**answers_for(attempt), "action": "save"})

    assert response.status_code == 400
    assert "すでに提出されています" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.passed is False


def test_the_quiz_of_a_course_not_started_is_refused(client, learner, quiz_course):
    course_page, _lessons = quiz_course
    client.force_login(learner)

    response = client.post(f"{course_page.url}quiz/", {"action": "start"})

    assert response.status_code == 403
    assert "この講座をまだ始めていません" in response.content.decode()
    assert not Attempt.objects.exists()


def test_the_attempts_allowed_are_enforced(client, ready, quiz):
    quiz.max_attempts = 1
    quiz.save()
    attempt = begin(client, ready)
    client.post(f"{ready.url}quiz/", {**answers_for(attempt, right=False), "action": "submit"})

    response = client.post(f"{ready.url}quiz/", {"action": "start"})

    assert response.status_code == 403
    assert "受験できる回数（1回）をすべて使いました" in response.content.decode()
    assert Attempt.objects.count() == 1


def test_one_question_per_screen_with_feedback_after_each(client, ready, quiz):
    quiz.layout, quiz.feedback_timing = "one_per_page", "after_each"
    quiz.save()
    attempt = begin(client, ready)
    item = attempt.layout[0]
    question = Question.objects.get(pk=item["question"])
    data = answers_for(attempt)
    field = {k: v for k, v in data.items() if re.match(rf"q{question.pk}(_|$)", str(k))}

    client.post(f"{ready.url}quiz/", {"attempt": attempt.pk, "index": "1", "action": "check", **field})
    page = client.get(f"{ready.url}quiz/?q=1").content.decode()
    locked = client.post(f"{ready.url}quiz/", {"attempt": attempt.pk, "index": "1", "action": "save", **field})

    assert "正解です" in page and "解説" in page
    assert locked.status_code == 400 and "確認済み" in locked.content.decode()


def test_a_view_restriction_on_the_course_also_guards_its_quiz(client, ready):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=ready, restriction_type=PageViewRestriction.PASSWORD, password="x")

    response = client.get(f"{ready.url}quiz/")

    assert response.status_code == 200
    assert "password" in response.content.decode().lower()
    assert not Attempt.objects.exists()


def test_an_unfinished_ordering_answer_is_explained_on_the_quiz_page_and_saves_nothing(client, ready, quiz):
    quiz.draw_count = 5  # the whole bank, so the ordering question is in the attempt
    quiz.save()
    attempt = begin(client, ready)
    item = next(i for i in attempt.layout if Question.objects.get(pk=i["question"]).kind == QuestionKind.ORDERING)
    data = {"attempt": attempt.pk, "action": "save", f"q{item['question']}_{item['choices'][0]}": "1"}

    response = client.post(f"{ready.url}quiz/", data, follow=True)

    assert "並べ替えは、すべての項目に異なる順番を選んでください" in response.content.decode()
    assert 'name="attempt"' in response.content.decode()  # still on the quiz, not a dead end
    attempt.refresh_from_db()
    assert attempt.answers == {}
