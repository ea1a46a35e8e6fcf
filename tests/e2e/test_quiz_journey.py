import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.factories import DEFAULT_PASSWORD, LearnerProfileFactory, UserFactory
from accounts.models import AnalystScope
from accounts.roles import ANALYST, ensure_groups
from quizzes.models import Question
from tests.e2e.test_analytics_journey import code


@pytest.fixture
def site(transactional_db):
    call_command("seed_content", verbosity=0)
    return LearnerProfileFactory(user__email="quiz-taker@example.jp").user


def answer(page, right: bool):
    """Answer every question on the page: all right, or each one wrong."""
    for fieldset in page.locator("fieldset.question").all():
        question = Question.objects.get(pk=int(fieldset.get_attribute("id").split("-")[1]))
        choices = list(question.choices.order_by("sort_order"))
        if question.kind == "ordering":
            order = choices if right else list(reversed(choices))
            for position, choice in enumerate(order, start=1):
                fieldset.locator(f"#q{question.pk}_{choice.pk}").select_option(str(position))
            continue
        picks = [c for c in choices if c.is_correct] if right else [next(c for c in choices if not c.is_correct)]
        for choice in picks:
            fieldset.locator(f"#q{question.pk}-{choice.pk}").check()


def fail_and_read_the_feedback(page, questions: int) -> None:
    """Answer every question wrong, submit, and find the verdict, each question's feedback and
    where to get help on the result page."""
    answer(page, right=False)
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".quiz-verdict")).to_contain_text("合格点に届きませんでした")
    expect(page.locator(".review")).to_have_count(questions)
    expect(page.locator(".help-resources")).to_contain_text("相談窓口")


def national_analyst() -> str:
    """A national analyst with two-factor sign-in; returns their TOTP secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = UserFactory(email="national-analyst@example.jp")
    user.groups.add(ensure_groups()[ANALYST])
    AnalystScope.objects.create(user=user, is_national=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def test_a_learner_fails_the_adult_quiz_reads_the_feedback_retries_and_completes_the_course(page, site, live_server):
    page.goto("/accounts/login/")
    page.locator("#id_login").fill("quiz-taker@example.jp")
    page.locator("#id_password").fill("correct-horse-battery-9")
    page.locator("main button[type=submit]").click()
    page.goto("/courses/adult/")
    page.get_by_role("button", name="受講を始める").click()
    for _ in range(7):
        page.get_by_role("button", name=re.compile("このレッスンを終え")).click()
    page.get_by_role("link", name="確認テストへ進む").click()
    page.get_by_role("button", name="確認テストを始める").click()

    expect(page.locator("fieldset.question")).to_have_count(8)
    assert "is_correct" not in page.content()
    fail_and_read_the_feedback(page, 8)
    expect(page.locator(".feedback__explanation").first).to_contain_text("解説")
    page.get_by_role("button", name=re.compile("もう一度受ける")).click()

    answer(page, right=True)
    page.get_by_role("button", name="提出する").click()

    expect(page.locator(".quiz-verdict")).to_contain_text("合格です")
    expect(page.locator(".quiz-score")).to_contain_text("100")
    page.get_by_role("link", name="講座のページへ").click()
    expect(page.locator(".course-status--complete")).to_contain_text("この講座を修了しました")

    # Downloads the certificate, and the verify URL printed on it says it is valid.
    with page.expect_download() as download:
        page.get_by_role("link", name="修了証をダウンロード（PDF）").click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    url = re.search(r"https?://\S+/certificates/verify/[0-9A-Z]+/", text).group(0)
    assert "山田 太郎" in text
    page.goto("/certificates/" + url.split("/certificates/", 1)[1])  # the site's own host in this test
    expect(page.locator("main")).to_contain_text("有効な修了証です")
    expect(page.locator("main")).to_contain_text("山田 ○○")
    assert page.console_errors == []

    # The completion is in the statistics as soon as anyone reads them (on PostgreSQL the submit
    # leaves it pending and the dashboard's read adds it): a national analyst sees it.
    secret = national_analyst()
    analyst = page.context.browser.new_context(locale="ja-JP", base_url=live_server.url)
    tab = analyst.new_page()
    tab.goto("/accounts/login/")
    tab.locator("#id_login").fill("national-analyst@example.jp")
    tab.locator("#id_password").fill(DEFAULT_PASSWORD)
    tab.locator("main button[type=submit]").click()
    tab.locator("input[name=code]").fill(code(secret))
    tab.get_by_role("button", name="ログイン").last.click()
    tab.goto("/admin/analytics/")
    expect(tab.locator("[data-total=all]")).to_have_text(re.compile(r"^\s*1\s*人\s*$"))
    analyst.close()
