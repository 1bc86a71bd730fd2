"""Every user gets a wallet when the user is created; house accounts exist whenever the tables do."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate, post_save


def _create_wallet(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        from billing.services import wallet_create_for_user

        wallet_create_for_user(user=instance)


def _ensure_house_accounts(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # Also runs after a test flush (TransactionTestCase), which empties the tables and changes the ids.
    from billing.services import house_accounts_ensure
    from billing.services._common import house_ids_forget

    house_ids_forget()
    if using == "default":
        house_accounts_ensure()


def connect(app_config: AppConfig) -> None:
    post_save.connect(_create_wallet, sender=settings.AUTH_USER_MODEL, dispatch_uid="billing_wallet_create")
    post_migrate.connect(_ensure_house_accounts, sender=app_config, dispatch_uid="billing_house_accounts")
