import pytest
from django.core.cache import cache

from courses.factories import CourseIndexPageFactory, build_course


def session_queries() -> int:
    """Queries a request spends reading its session: one with sessions in the database (SQLite
    runs), none with them in the cache (Redis, as in CI and production)."""
    from django.conf import settings

    return 1 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 0


def all_at_once(count: int, work) -> tuple[list, list]:
    """Run `work(n)` for n in 0..count-1, each in its own thread and database connection, all
    released at the same moment: (what the calls returned, in the order they finished; the errors
    they raised)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(n):
        try:
            barrier.wait()
            results.append(work(n))
        except Exception as error:  # collected for the caller's assertion
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """A request to /en/… leaves English active in this thread; each test starts in Japanese."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.activate("ja")


def clear_cache() -> None:
    """Empty this test run's cache. On Redis only this run's keys (its KEY_PREFIX,
    config/settings/test.py): `clear()` would empty the whole database, and with it the sessions
    of a parallel worker's tests."""
    if hasattr(cache, "delete_pattern"):  # django-redis
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached fragments live in the cache (Redis in CI): start each test clean."""
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def seeded(db):
    """The home page, policy pages and help resources, exactly as `seed_content` makes them."""
    from home import seed

    seed.seed()


@pytest.fixture
def learner(db):
    from accounts.factories import LearnerProfileFactory

    return LearnerProfileFactory().user


@pytest.fixture
def course_index(seeded):
    from courses.models import CourseIndexPage
    from home.models import HomePage

    existing = CourseIndexPage.objects.first()
    return existing or CourseIndexPageFactory(parent=HomePage.objects.get())


@pytest.fixture
def course(course_index):
    """A published course of three lessons that completes when its lessons are done."""
    return build_course(course_index, lessons=3)


def open_lesson(client, lesson_or_url, **extra):
    """What a browser shows for a lesson page: the shared page, with its personal parts filled in
    from the lesson's state view as static/js/lesson-state.js does. Returns (page response, HTML)."""
    from bs4 import BeautifulSoup

    url = lesson_or_url if isinstance(lesson_or_url, str) else lesson_or_url.url
    response = client.get(url, **extra)
    if response.status_code != 200:
        return response, response.content.decode()
    page = BeautifulSoup(response.content, "html.parser")
    holder = page.select_one("[data-lesson-state]")
    if holder is None:
        return response, response.content.decode()
    state = client.get(holder["data-lesson-state"], HTTP_ACCEPT="application/json", **extra)
    assert state.status_code == 200, state.status_code
    for name, html in state.json()["parts"].items():
        for slot in page.select(f'[data-personal="{name}"]'):
            fragment = BeautifulSoup(html, "html.parser")
            replacement = fragment.select_one(f'[data-personal="{name}"]')
            if replacement is not None:
                slot.replace_with(replacement)
            else:
                slot.clear()
                slot.append(fragment)
    for token in page.select('[data-personal] input[name="csrfmiddlewaretoken"]'):
        token["value"] = state.json()["csrf_token"]
    return response, str(page)
