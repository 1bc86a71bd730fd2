from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _add_missing_prices(sender: AppConfig, **kwargs: Any) -> None:
    from django.db import DatabaseError

    from nodes.services import prices_add_missing

    try:
        prices_add_missing()
    except DatabaseError:  # migrated backwards past the price tables: nothing to add to
        return


class NodesConfig(AppConfig):
    name = "nodes"
    verbose_name = "API nodes"

    def ready(self) -> None:
        from nodes import checks  # noqa: F401 — registers the pricing system check

        # An upgrade that adds price keys must never leave their routes unpriced (quality.md L9).
        post_migrate.connect(_add_missing_prices, sender=self)
        from accounts.dashboard import dashboard_panel_register

        dashboard_panel_register("nodes/_dashboard_calls.html")
