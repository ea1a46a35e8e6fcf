"""Personal-data services: what we hold about a learner, its export, and erasure.

Other apps (courses, certificates …) register an exporter so that "my data" shows everything
stored about a person, without accounts importing them.
"""

from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from accounts.models import AnalystScope, LearnerProfile, User
from core import reference

Exporter = Callable[[User], Any]
_EXPORTERS: dict[str, Exporter] = {}


def register_exporter(key: str, exporter: Exporter) -> None:
    """Add a section to the learner's data export (called from another app's `ready()`)."""
    _EXPORTERS[key] = exporter


def _iso(value):
    return value.isoformat() if value else None


def get_or_create_profile(user: User) -> LearnerProfile:
    profile, _created = LearnerProfile.objects.get_or_create(user=user)
    return profile


def export_user_data(user: User) -> dict[str, Any]:
    """Everything stored about this person, as plain JSON-ready values (codes with labels)."""
    profile = LearnerProfile.objects.filter(user=user).first()
    scope = AnalystScope.objects.filter(user=user).first()
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
            "is_active": user.is_active,
            "is_demo": user.is_demo,
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "two_factor": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in user.authenticator_set.order_by("pk")
        ],
        "profile": None,
        "analyst_scope": None,
    }
    if profile is not None:
        data["profile"] = {
            "display_name": profile.display_name,
            "prefecture": {"code": profile.prefecture, "label": reference.prefecture_label(profile.prefecture)},
            "municipality": profile.municipality,
            "sector": {"code": profile.sector, "label": str(profile.get_sector_display())},
            "age_band": {"code": profile.age_band, "label": str(profile.get_age_band_display())},
            "sex": {"code": profile.sex, "label": str(profile.get_sex_display())},
            "purpose_agreed_at": _iso(profile.purpose_agreed_at),
            "created_at": _iso(profile.created_at),
            "updated_at": _iso(profile.updated_at),
        }
    if scope is not None:
        data["analyst_scope"] = {"is_national": scope.is_national, "prefectures": list(scope.prefectures)}
    for key, exporter in _EXPORTERS.items():
        data[key] = exporter(user)
    return data


@transaction.atomic
def delete_account(request, user: User) -> None:
    """Erase the person: the account, profile, email addresses and everything that cascades.

    Aggregate counts (analytics) never point at a user, so they stay, anonymous.
    """
    User.objects.filter(pk=user.pk).delete()
    logout(request)
