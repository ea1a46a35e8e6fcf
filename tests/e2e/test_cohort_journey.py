"""An organisation leader's staff-training link, used in Chromium: the leader makes it, a member of
staff joins through it, the leader sees the count by department, switches the link off and on."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from accounts import roles
from accounts.factories import UserFactory
from classrooms.models import OrganisationCohort

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def people(transactional_db):
    call_command("seed_content", verbosity=0)  # the course list staff land on after joining
    roles.ensure_groups()
    leader = UserFactory(email="org-leader@example.jp")
    leader.groups.add(Group.objects.get(name=roles.ORGANISATION_LEADER))
    staff = UserFactory(email="org-staff@example.jp")
    return leader, staff


def signed_in(browser, live_server, email):
    context = browser.new_context(locale="ja-JP", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    return context, page


def test_leader_makes_a_link_staff_join_by_department_and_the_link_can_be_switched_off(browser, live_server, people):
    leader_context, board = signed_in(browser, live_server, "org-leader@example.jp")
    board.goto("/org/")
    # Sent empty first: told what is missing, nothing made.
    board.get_by_role("button", name="リンクを作る").click()
    expect(board.get_by_role("alert").first).to_contain_text("入力内容を確かめてください")
    expect(board.locator("main")).to_contain_text("団体名を入力してください。")
    assert OrganisationCohort.objects.count() == 0

    board.get_by_label("団体名").fill("つながり市役所")
    board.get_by_label("分野").select_option(index=1)
    board.get_by_label("都道府県").select_option("27")
    board.get_by_label("部署（任意）").fill("総務課\n福祉課")
    board.get_by_role("button", name="リンクを作る").click()
    expect(board.get_by_role("heading", level=1)).to_have_text("つながり市役所")
    expect(board.locator("main")).to_contain_text("まだだれも参加していません。")
    link = board.locator(".class-url").inner_text().strip()
    assert "/org/join/" in link

    # A member of staff opens the link signed in, must pick a department, and joins.
    staff_context, staff = signed_in(browser, live_server, "org-staff@example.jp")
    staff.goto(link)
    expect(staff.get_by_role("heading", level=1)).to_have_text("つながり市役所 の研修")
    staff.get_by_role("button", name="この研修に参加する").click()
    expect(staff.get_by_role("alert")).to_contain_text("部署を一覧から選んでください。")
    staff.get_by_label("部署").select_option("福祉課")
    staff.get_by_role("button", name="この研修に参加する").click()
    expect(staff).to_have_url(re.compile(r"/courses/"))
    expect(staff.get_by_role("heading", level=1)).to_be_visible()
    expect(staff.locator("body")).to_contain_text("「つながり市役所」の研修に参加しました。")

    # The leader sees one member under 福祉課 — a number, no name.
    board.reload()
    welfare = board.locator("tbody tr", has_text="福祉課")
    expect(welfare.locator("td").first).to_have_text("1")
    expect(board.locator("main")).not_to_contain_text("org-staff@example.jp")

    # Switched off: the link says so kindly and tags nobody; switched on again, it works.
    board.get_by_role("button", name="リンクの受付を止める").click()
    expect(board.locator("main")).to_contain_text("このリンクの受付は止まっています")
    staff.goto(link)
    expect(staff.locator("main")).to_contain_text("このリンクでの参加の受付は終わりました。")
    board.get_by_role("button", name="リンクの受付を再開する").click()
    expect(board.get_by_role("button", name="リンクの受付を止める")).to_be_visible()
    staff.goto(link)
    expect(staff.get_by_role("button", name="この研修に参加する")).to_be_visible()
    leader_context.close()
    staff_context.close()
