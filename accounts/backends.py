"""Authentication backends that keep the signed-in user in the cache.

Every page a learner opens needs their user row (Django checks the session against the password
hash on each request). Reading it from the cache (Redis in production) instead of the database
takes the query off every request. The cached copy is taken straight from the database, before
any permission is computed on it, and is dropped whenever the user, their groups or their
permissions change (accounts/signals.py), so what Django checks is always current.
"""

from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

TIMEOUT = 60 * 60
# A user already read from the cache earlier in this request (with other keys, in one round trip).
_prefetched: ContextVar[dict | None] = ContextVar("prefetched_users", default=None)


def user_cache_key(user_id) -> str:
    return f"accounts:user:{user_id}"


def forget_user(user_id) -> None:
    cache.delete(user_cache_key(user_id))


def prefetch(user_id, user) -> object:
    """Offer a user read from the cache for this request; returns a token for `end_prefetch`."""
    return _prefetched.set({str(user_id): user})


def end_prefetch(token) -> None:
    _prefetched.reset(token)


class CachedUserMixin:
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        offered = _prefetched.get()
        user = offered.get(str(user_id)) if offered else None
        if user is None:
            user = cache.get(key)
        if user is None:
            model = get_user_model()
            try:
                user = model._default_manager.get(pk=user_id)
            except model.DoesNotExist:
                return None
            cache.set(key, user, TIMEOUT)
        return user if self.user_can_authenticate(user) else None


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAuthenticationBackend(CachedUserMixin, AuthenticationBackend):
    """django-allauth's backend (login by email), with the cached user."""
