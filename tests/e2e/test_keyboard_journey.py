"""Keyboard only: sign in, finish the adult course and pass its quiz with Tab, Shift+Tab, Enter,
Space, digits and the arrow keys — no clicks — and every focused control shows where focus is."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.factories import LearnerProfileFactory
from quizzes.models import Question

FOCUS_INFO = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {tag: 'BODY', id: '', text: '', name: '', type: '', visible: true};
    const style = getComputedStyle(el);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const ringed = style.boxShadow && style.boxShadow !== 'none';
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName,
        id: el.id || '',
        name: el.getAttribute('name') || '',
        type: el.getAttribute('type') || '',
        checked: !!el.checked,
        text: (el.innerText || el.value || el.getAttribute('aria-label') || '')
            .trim().replace(/\\s+/g, ' ').slice(0, 80),
        visible: el.tagName === 'IFRAME' || (el.matches(':focus-visible') && (outlined || ringed)),
        onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < window.innerHeight,
    };
}"""


@pytest.fixture
def site(transactional_db):
    call_command("seed_content", verbosity=0)
    return LearnerProfileFactory(user__email="keyboard@example.jp").user


def focus(page):
    return page.evaluate(FOCUS_INFO)


def tab_until(page, wanted, limit=400, key="Tab"):
    """Press Tab until `wanted(focus)` holds; every stop on the way must show a visible focus
    indicator and be scrolled into view."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focus(page)
        seen.append(f"{info['tag']}#{info['id']} {info['text'][:30]}")
        if info["tag"] not in ("BODY", "IFRAME"):
            assert info["visible"], f"focus is not visible on {info}"
            assert info["onScreen"], f"the focused control is off screen: {info}"
        if wanted(info):
            return info
    raise AssertionError(f"never reached the wanted control; focus went through: {seen[-40:]}")


def text_starts(prefix):
    return lambda info: info["text"].startswith(prefix)


def press_and_wait(page, key="Enter"):
    with page.expect_navigation():
        page.keyboard.press(key)


def answer_by_keyboard(page):
    """Walk the quiz form with Tab and answer each question right with the keys a keyboard user has."""
    correct = {}
    for fieldset in page.locator("fieldset.question").all():
        question = Question.objects.get(pk=int(fieldset.get_attribute("id").split("-")[1]))
        choices = list(question.choices.order_by("sort_order"))
        correct[question.pk] = (question.kind, choices)
    answered = set()
    while True:
        info = tab_until(
            page,
            lambda i: i["text"] == "提出する" or (i["id"].startswith("q") and i["tag"] in ("INPUT", "SELECT")),
        )
        if info["text"] == "提出する":
            break
        question_id = int(info["id"][1:].replace("_", "-").split("-")[0])
        choice_id = int(info["id"][1:].replace("_", "-").split("-")[1])
        _kind, choices = correct[question_id]
        right_ids = [c.pk for c in choices if c.is_correct]
        if info["tag"] == "SELECT":  # ordering: type the position of this item
            position = [c.pk for c in choices].index(choice_id) + 1
            page.keyboard.press(str(position))
            assert page.evaluate("() => document.activeElement.value") == str(position)
        elif info["type"] == "radio":
            # Entering a radio group focuses one radio; arrows move (and check) within the group.
            for _ in range(len(choices) + 1):
                current = focus(page)
                if int(current["id"].split("-")[1]) == right_ids[0]:
                    page.keyboard.press("Space")
                    break
                page.keyboard.press("ArrowDown")
            assert page.locator(f"#q{question_id}-{right_ids[0]}").is_checked()
        elif info["type"] == "checkbox" and choice_id in right_ids:
            page.keyboard.press("Space")
            assert page.locator(f"#q{question_id}-{choice_id}").is_checked()
        answered.add(question_id)
    assert answered == set(correct), "every question was reached with Tab"


def test_a_keyboard_user_signs_in_finishes_the_adult_course_and_passes_the_quiz(page, site):
    page.goto("/accounts/login/")
    tab_until(page, lambda i: i["id"] == "id_login")
    page.keyboard.type("keyboard@example.jp")
    tab_until(page, lambda i: i["id"] == "id_password")
    page.keyboard.type("correct-horse-battery-9")
    press_and_wait(page)
    expect(page.locator("h1")).not_to_have_text("ログイン")

    page.goto("/courses/adult/")
    tab_until(page, text_starts("受講を始める"))
    press_and_wait(page)
    for _ in range(7):
        title = page.locator("h1").inner_text()
        tab_until(page, text_starts("このレッスンを終え"))
        press_and_wait(page)
        expect(page.locator("h1")).not_to_have_text(title)

    tab_until(page, text_starts("確認テストへ進む"))
    press_and_wait(page)
    tab_until(page, text_starts("確認テストを始める"))
    press_and_wait(page)
    expect(page.locator("fieldset.question")).to_have_count(8)

    answer_by_keyboard(page)
    # Shift+Tab goes back into the form and Tab returns to the submit button.
    page.keyboard.press("Shift+Tab")
    assert focus(page)["text"] != "提出する"
    tab_until(page, lambda i: i["text"] == "提出する")
    press_and_wait(page)

    expect(page.locator(".quiz-verdict")).to_contain_text("合格です")
    tab_until(page, text_starts("講座のページへ"))
    press_and_wait(page)
    expect(page.locator(".course-status--complete")).to_contain_text("この講座を修了しました")
    assert page.console_errors == []


def test_the_stylesheet_turns_off_motion_for_readers_who_ask_for_less(page, site):
    page.emulate_media(reduced_motion="reduce")
    page.goto("/")

    assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
    rules = page.evaluate(
        """() => [...document.styleSheets]
              .flatMap(sheet => { try { return [...sheet.cssRules]; } catch { return []; } })
              .filter(rule => rule.media && rule.media.mediaText.includes('prefers-reduced-motion'))
              .map(rule => rule.cssText)"""
    )
    moving = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter(el => {
              const s = getComputedStyle(el);
              return s.animationName !== 'none' || s.transitionDuration.split(',').some(d => parseFloat(d) > 0);
          }).map(el => el.tagName + '.' + el.className)"""
    )

    assert rules, "the stylesheets have a prefers-reduced-motion rule"
    assert moving == []
