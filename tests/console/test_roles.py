"""The two roles exist as Django groups with exactly their permissions (data migration 0002)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from console import roles

pytestmark = pytest.mark.django_db


def _perms(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_support_reads_and_grants_only() -> None:
    assert _perms(roles.SUPPORT_GROUP) == {roles.VIEW, roles.GRANT}


def test_admin_has_every_console_permission() -> None:
    assert _perms(roles.ADMIN_GROUP) == set(roles.ADMIN_PERMISSIONS)
    assert len(roles.ADMIN_PERMISSIONS) == 10


def test_ensuring_the_groups_again_changes_nothing() -> None:
    roles.groups_ensure()
    assert Group.objects.filter(name__in=[roles.SUPPORT_GROUP, roles.ADMIN_GROUP]).count() == 2
    assert _perms(roles.SUPPORT_GROUP) == {roles.VIEW, roles.GRANT}
