"""Authentication backends that keep the signed-in user in the cache.

Every page a learner opens needs their user row (Django checks the session against the password
hash on each request). Reading it from the cache (Redis in production) instead of the database
takes the query off every request. The cached copy is taken straight from the database, before
any permission is computed on it, and is dropped whenever the user, their groups or their
permissions change (accounts/signals.py), so what Django checks is always current.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

TIMEOUT = 60 * 60


def user_cache_key(user_id) -> str:
    return f"accounts:user:{user_id}"


def forget_user(user_id) -> None:
    cache.delete(user_cache_key(user_id))


class CachedUserMixin:
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = get_user_model().objects.filter(pk=user_id).first()
            if user is None:
                return None
            cache.set(key, user, TIMEOUT)
        return user if self.user_can_authenticate(user) else None


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAuthenticationBackend(CachedUserMixin, AuthenticationBackend):
    """django-allauth's backend (login by email), with the cached user."""
