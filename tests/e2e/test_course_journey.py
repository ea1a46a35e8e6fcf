import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import link_in


@pytest.fixture
def site(transactional_db):
    call_command("seed_content", verbosity=0)


def test_a_newcomer_reads_as_a_guest_signs_up_finishes_every_lesson_and_waits_for_the_quiz(page, site):
    page.goto("/")
    page.get_by_role("link", name="一般向け講座へ").click()
    expect(page.locator("h1")).to_have_text("つながりサポーター講座（一般向け）")
    expect(page.locator(".lesson-list__item")).to_have_count(7)
    page.get_by_role("button", name="受講を始める").click()

    # Reads the first lesson as a guest and finishes it.
    expect(page.locator("h1")).to_have_text("孤独と孤立とは")
    expect(page.locator(".lesson-body")).to_contain_text("相談窓口")
    page.get_by_role("button", name="このレッスンを終えて次へ").click()
    expect(page.locator("h1")).to_have_text("数字で見る孤独・孤立")

    # Signs up; the guest's progress comes along.
    page.get_by_role("link", name="新規登録").first.click()
    page.get_by_label("メールアドレス").fill("reader@example.jp")
    page.locator("#id_password1").fill("tsunagari-pass-2026")
    page.locator("#id_password2").fill("tsunagari-pass-2026")
    page.get_by_label("お住まい・お勤めの都道府県").select_option(label="回答しない")
    page.get_by_label("分野").select_option(label="回答しない")
    page.get_by_label("年代").select_option(label="回答しない")
    page.get_by_label("上記の利用目的に同意します").check()
    page.get_by_role("button", name="登録する").click()
    page.goto(link_in(mail.outbox[-1].body))
    page.get_by_role("button", name="確認", exact=True).click()

    page.goto("/courses/adult/")
    expect(page.locator(".course-progress__label")).to_contain_text("1 / 7")
    page.get_by_role("link", name="続きから学ぶ").click()
    for _ in range(6):
        page.get_by_role("button", name=("このレッスンを終え")).click()

    expect(page.locator(".course-progress__label")).to_contain_text("7 / 7")
    status = page.locator(".course-status--waiting")
    expect(status).to_contain_text("必須のレッスンをすべて終えました")
    expect(status.locator("li")).to_have_count(1)
    expect(status.locator("li")).to_contain_text("確認テストに合格する")
    assert page.console_errors == []


def test_the_childrens_lesson_shows_furigana_that_the_reader_can_hide(page, site):
    page.goto("/courses/children/")
    page.locator(".lesson-list a").first.click()
    ruby_text = page.locator(".lesson-body rt").first
    expect(ruby_text).to_be_visible()

    toggle = page.get_by_role("button", name="ふりがな")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()

    expect(ruby_text).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.reload()
    expect(page.locator(".lesson-body rt").first).to_be_hidden()
