import pytest
from django.core import mail
from playwright.sync_api import expect

from home import seed
from tests.e2e.conftest import link_in


@pytest.fixture
def site(transactional_db):
    seed.seed()


def test_a_newcomer_signs_up_verifies_their_email_and_sees_their_profile(page, site):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.get_by_role("link", name="新規登録").click()

    page.get_by_label("メールアドレス").fill("newcomer@example.jp")
    page.locator("#id_password1").fill("tsunagari-pass-2026")
    page.locator("#id_password2").fill("tsunagari-pass-2026")
    page.get_by_label("表示名（修了証に印字する名前・任意）").fill("つながり 太郎")
    page.get_by_label("お住まい・お勤めの都道府県").select_option(label="北海道")
    page.get_by_label("分野").select_option(label="福祉・介護")
    page.get_by_label("年代").select_option(label="50代")
    page.get_by_label("上記の利用目的に同意します").check()
    page.get_by_role("button", name="登録する").click()

    expect(page.locator("main h1")).to_contain_text("メールアドレスを確認してください")
    assert len(mail.outbox) == 1
    page.goto(link_in(mail.outbox[0].body))
    page.get_by_role("button", name="確認", exact=True).click()

    expect(page.locator("main h1")).to_have_text("プロフィール")
    expect(page.locator("[data-field=prefecture]")).to_have_text("北海道")
    expect(page.locator("[data-field=sector]")).to_have_text("福祉・介護")
    expect(page.locator("[data-field=age_band]")).to_have_text("50代")
    assert page.console_errors == []


def test_a_signup_with_a_missing_choice_is_explained_on_the_form(page, site):
    page.goto("/accounts/signup/")
    page.get_by_label("メールアドレス").fill("someone@example.jp")
    page.locator("#id_password1").fill("tsunagari-pass-2026")
    page.locator("#id_password2").fill("tsunagari-pass-2026")
    page.get_by_label("上記の利用目的に同意します").check()
    page.get_by_role("button", name="登録する").click()

    expect(page.locator("main")).to_contain_text("都道府県を選んでください（「回答しない」も選べます）。")
    expect(page.get_by_label("お住まい・お勤めの都道府県")).to_have_attribute("aria-invalid", "true")


def test_text_size_toggle_enlarges_text_and_is_remembered(page, site):
    page.goto("/")
    toggle = page.get_by_role("button", name="文字を大きくする")
    toggle.click()

    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("html")).to_have_class("text-large")
    page.reload()
    expect(page.locator("html")).to_have_class("text-large")
