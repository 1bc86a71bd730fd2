"""An upgrade that declares new price keys: `manage.py check` warns, and `manage.py migrate` (with its
system checks, as an operator runs it) is not stopped by that and adds the keys at their defaults."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from nodes.checks import check_routes_priced
from nodes.models import Price, PriceVersion


@pytest.mark.django_db(transaction=True)
def test_migrate_adds_a_price_the_version_in_effect_lacks() -> None:
    from nodes.services import prices_seed

    prices_seed()  # a transactional test starts from an empty table
    version = PriceVersion.objects.order_by("-effective_from", "-id").first()
    assert version is not None
    dropped = Price.objects.filter(version=version).order_by("id").first()
    assert dropped is not None
    dropped.delete()
    warnings = [message.id for message in check_routes_priced(None)]
    assert warnings == ["nodes.W003"]
    try:
        call_command("migrate", interactive=False, verbosity=0, skip_checks=False)
    except SystemCheckError as exc:  # pragma: no cover - the failure this test guards against
        raise AssertionError(f"migrate stopped by a system check: {exc}") from exc
    current = PriceVersion.objects.order_by("-effective_from", "-id").first()
    assert current is not None
    assert current.pk != version.pk
    assert Price.objects.filter(version=current, vendor=dropped.vendor, key=dropped.key).exists()
    assert check_routes_priced(None) == []
