"""A class run in Chromium: one teacher and three pupils on their own tablets (browser contexts)."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Sum
from django.test import Client
from playwright.sync_api import expect

from accounts import roles
from accounts.factories import UserFactory
from accounts.models import AnalystScope
from analytics.models import CompletionRecord
from quizzes.models import Question

PREFECTURE = "13"
NICKNAMES = ["さくら", "タロウ", "Ken"]


@pytest.fixture
def site(transactional_db):
    call_command("seed_content", verbosity=0)
    roles.ensure_groups()
    teacher = UserFactory(email="class-teacher@example.jp")
    teacher.groups.add(Group.objects.get(name=roles.TEACHER))
    analyst = UserFactory(email="class-analyst@example.jp")
    analyst.groups.add(Group.objects.get(name=roles.ANALYST))
    AnalystScope.objects.create(user=analyst, is_national=True)
    return teacher, analyst


def new_tab(browser, live_server, **options):
    context = browser.new_context(locale="ja-JP", base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    return context, context.new_page()


def answer_right(page):
    """Pick the right answer(s) of the question on the page (read from the bank, as a pupil who
    paid attention would)."""
    fieldset = page.locator("fieldset.question")
    question = Question.objects.get(pk=int(fieldset.get_attribute("id").split("-")[1]))
    choices = list(question.choices.order_by("sort_order"))
    if question.kind == "ordering":
        for position, choice in enumerate(choices, start=1):
            fieldset.locator(f"#q{question.pk}_{choice.pk}").select_option(str(position))
        return
    for choice in choices:
        if choice.is_correct:
            fieldset.locator(f"#q{question.pk}-{choice.pk}").check()


def pupil_statistics(analyst) -> int:
    client = Client()
    client.force_login(analyst)
    response = client.get(f"/api/v1/stats/completions?group_by=prefecture,sector&prefecture={PREFECTURE}")
    assert response.status_code == 200, response.content
    rows = response.json()["rows"]
    return sum(row["count"] or 0 for row in rows if row["sector"] == "pupil" and row["prefecture"] == PREFECTURE)


def test_a_teacher_runs_a_class_three_pupils_join_and_complete_and_the_class_is_counted(browser, live_server, site):
    _teacher, analyst = site
    before_records = CompletionRecord.objects.filter(prefecture=PREFECTURE, sector="pupil").aggregate(n=Sum("count"))
    before_api = pupil_statistics(analyst)

    # The teacher signs in and creates the class.
    teacher_context, board = new_tab(browser, live_server, viewport={"width": 1280, "height": 900})
    errors = []
    board.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    board.goto("/accounts/login/")
    board.locator("#id_login").fill("class-teacher@example.jp")
    board.locator("#id_password").fill("correct-horse-battery-9")
    board.locator("main button[type=submit]").click()
    board.goto("/classes/new/")
    board.get_by_label("学校名").fill("つながり小学校")
    board.get_by_label("都道府県").select_option(PREFECTURE)
    board.get_by_label("学年").select_option("e6")
    expect(board.get_by_label("講座")).to_have_value(re.compile(r"\d+"))
    assert "こども" in board.get_by_label("講座").locator("option:checked").inner_text()
    board.get_by_role("button", name="クラスを作る").click()
    code = board.locator(".class-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    expect(board.locator(".class-url")).to_contain_text(f"/class/{code}/")
    expect(board.locator(".class-qr svg")).to_be_visible()
    board.evaluate("window.__notReloaded = true")

    # Three pupils join on their own tablets: the short URL, a nickname, nothing else.
    pupils = []
    for nickname in NICKNAMES:
        context, tab = new_tab(browser, live_server, viewport={"width": 820, "height": 1180})
        tab.goto(f"/class/{code}/")
        expect(tab.get_by_label("クラスのコード")).to_have_value(code)
        tab.get_by_label("ニックネーム").fill(nickname)
        tab.get_by_role("button", name="クラスに入る").click()
        expect(tab.locator(".pupil-bar")).to_contain_text(f"{nickname} さん")
        pupils.append((context, tab))

    # The dashboard shows them without a reload.
    expect(board.locator('[data-total="joined"]')).to_have_text("3", timeout=10_000)
    for nickname in NICKNAMES:
        expect(board.locator("[data-live-rows]")).to_contain_text(nickname)

    # Each pupil goes through the lessons (furigana on) and the quiz.
    for index, (_context, tab) in enumerate(pupils):
        tab.get_by_role("link", name="はじめる").click()
        expect(tab.locator("html")).to_have_class(re.compile("ruby-default-on"))
        expect(tab.locator(".help-resources").first).to_contain_text("相談窓口")
        while True:
            button = tab.get_by_role("button", name=re.compile("このレッスンを おえ"))
            last = "つぎへ" not in button.inner_text()
            button.click()
            if last:
                break
        if index == 0:  # the first pupil's progress appears live on the teacher's screen
            expect(board.locator("[data-live-rows] tr").first).to_contain_text("5 / 5", timeout=10_000)
        tab.get_by_role("link", name="たしかめテストへ すすむ").click()
        tab.get_by_role("button", name="テストを はじめる").click()
        while True:
            answer_right(tab)
            tab.get_by_role("button", name="こたえを たしかめる").click()
            expect(tab.locator(".feedback")).to_contain_text("せいかい！")
            following = tab.get_by_role("button", name="つぎの もんだい")
            if following.count():
                following.click()
            else:
                tab.get_by_role("button", name="けっかを見る").click()
                break
        expect(tab.locator(".quiz-verdict")).to_contain_text("よくできました")
        expect(tab.locator(".help-resources").first).to_contain_text("相談窓口")

    expect(board.locator('[data-total="completed"]')).to_have_text("3", timeout=10_000)
    expect(board.locator('[data-total="in_progress"]')).to_have_text("0")
    assert board.evaluate("window.__notReloaded") is True

    # The projector view: the distribution, and no nickname.
    board.get_by_role("link", name=re.compile("プロジェクター表示")).click()
    expect(board.locator(".projector-question").first).to_contain_text("人が こたえました")
    projector = board.locator("main").inner_text()
    answered = [int(n) for n in re.findall(r"(\d+)人が こたえました", projector)]
    assert sum(answered) == 3 * 6  # three pupils, six questions each (drawn from the children's pool)
    assert not any(nickname in projector for nickname in NICKNAMES)
    board.go_back()

    # The teacher ends the class; it counts three more pupils in the statistics, once.
    board.get_by_role("button", name="クラスを終了して修了者を数える").click()
    expect(board.locator("main")).to_contain_text("修了した3人を統計に数えました")
    after_records = CompletionRecord.objects.filter(prefecture=PREFECTURE, sector="pupil").aggregate(n=Sum("count"))
    assert (after_records["n"] or 0) - (before_records["n"] or 0) == 3
    assert pupil_statistics(analyst) - before_api == 3

    # A pupil coming back after the end is told kindly.
    _context, tab = pupils[0]
    tab.goto(f"/class/{code}/learn/")
    expect(tab.locator(".class-refused")).to_contain_text("もう終わりました")
    assert errors == []
    for context, _tab in pupils:
        context.close()
    teacher_context.close()
