"""A learner plays one of our own H5P content types in a lesson, in Chromium: the player runs in a
sandboxed iframe on the other local host, the statement is stored, the lesson completes, the state
resumes — and no request leaves 127.0.0.1/localhost."""

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from playwright.sync_api import expect

from courses.enums import CompletionRule
from courses.factories import CourseIndexPageFactory, LessonPageFactory, build_course
from courses.models import LessonProgress
from h5p.models import H5PState, XAPIStatement
from h5p.seed import ACTIVITIES, SeedInstaller, build_package
from h5p.services import install

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture
def lesson_with_activity(transactional_db):
    from home import seed as home_seed
    from home.models import HomePage

    home_seed.seed()
    choice = next(a for a in ACTIVITIES if a["library"] == "Tsunagari.ChoiceFeedback")
    install(
        build_package(choice["title"], "Tsunagari.ChoiceFeedback", choice["params"]), SeedInstaller(), key="first-step"
    )
    index = CourseIndexPageFactory(parent=HomePage.objects.get())
    course, _ = build_course(index, lessons=0, completion_rule=CompletionRule.LESSONS_ONLY)
    lesson = LessonPageFactory(
        parent=course,
        title="声をかける",
        body=[
            ("text", "<p>身近な人に、どう声をかけるか考えます。</p>"),
            ("activity", {"kind": "h5p", "reference": "first-step", "required": True, "pass_percent": 100}),
            ("help_resources", {"audience": "general"}),
        ],
    )
    return course, lesson


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_learner_plays_an_h5p_activity_and_the_lesson_completes(
    browser, live_server, player_on_the_other_host, lesson_with_activity, learner
):
    course, lesson = lesson_with_activity
    client = Client()
    client.force_login(learner)
    client.post(course.url, {"action": "start"})

    context = browser.new_context(locale="ja-JP", viewport={"width": 1024, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    requests, player_cookies, errors = [], [], []
    context.on("request", lambda request: requests.append(request.url))
    context.on(
        "request",
        lambda request: (
            player_cookies.append(request.headers.get("cookie"))
            if request.url.startswith(player_on_the_other_host)
            else None
        ),
    )
    page = context.new_page()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(lesson.url)
        frame_element = page.locator("iframe.h5p-activity__frame")
        expect(frame_element).to_have_attribute("sandbox", "allow-scripts")
        expect(frame_element).to_have_attribute("title", "H5P アクティビティ：はじめの一歩を選ぶ")
        player = page.frame_locator("iframe.h5p-activity__frame")
        expect(player.get_by_text("あなたなら、まず何をしますか")).to_be_visible()

        # Keyboard only: focus the first choice, select it, tab to the button, press Enter.
        first = player.get_by_role("radio").first
        first.focus()
        page.keyboard.press("Space")
        expect(first).to_be_checked()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(player.get_by_text("いい一歩です")).to_be_visible()
        expect(page.locator("[data-h5p-status]")).to_have_text("記録しました。このレッスンを完了しました。")

        stored = XAPIStatement.objects.get(user=learner)
        assert stored.verb.endswith("/answered") and stored.percent == 100 and stored.self_reported
        assert LessonProgress.objects.filter(enrolment__user=learner, lesson=lesson).exists()

        # Leaves and comes back: the saved state is handed back to the player.
        assert wait_for(lambda: H5PState.objects.filter(user=learner).exists())
        page.goto(lesson.url)
        player = page.frame_locator("iframe.h5p-activity__frame")
        expect(player.get_by_text("いい一歩です")).to_be_visible()
        expect(player.get_by_role("radio").first).to_be_checked()
        expect(page.locator(".lesson-finish__done")).to_be_visible()
    finally:
        context.close()

    hosts = {urlsplit(url).hostname for url in requests if urlsplit(url).scheme in ("http", "https")}
    assert hosts <= LOCAL_HOSTS, hosts
    assert any(url.startswith(player_on_the_other_host + "/h5p/player/") for url in requests)
    assert not any(player_cookies), "the player origin receives no cookies"
    assert errors == []
