import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """A request to /en/… leaves English active in this thread; each test starts in Japanese."""
    from django.utils import translation

    translation.activate("ja")
    yield
    translation.activate("ja")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached fragments live in the cache (Redis in CI): start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seeded(db):
    """The home page, policy pages and help resources, exactly as `seed_content` makes them."""
    from home import seed

    seed.seed()


@pytest.fixture
def learner(db):
    from accounts.factories import LearnerProfileFactory

    return LearnerProfileFactory().user
