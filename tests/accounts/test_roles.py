import pytest

from accounts import roles

pytestmark = pytest.mark.django_db


def permissions_of(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_each_role_has_exactly_the_permissions_it_needs():
    groups = roles.ensure_groups()

    for name, expected in roles.ROLE_PERMISSIONS.items():
        assert permissions_of(groups[name]) == set(expected), name


def test_only_editors_moderators_and_analysts_may_enter_the_admin():
    groups = roles.ensure_groups()

    with_admin = {name for name, group in groups.items() if "wagtailadmin.access_admin" in permissions_of(group)}

    assert with_admin == {roles.EDITOR, roles.MODERATOR, roles.ANALYST}


def test_ensure_groups_is_idempotent_and_renames_wagtails_default_groups():
    from django.contrib.auth.models import Group

    roles.ensure_groups()
    roles.ensure_groups()

    names = set(Group.objects.values_list("name", flat=True))
    assert names == set(roles.ROLE_PERMISSIONS)
