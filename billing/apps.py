from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # `tasks` is imported here, not only by Celery's autodiscovery (which runs in a worker): the
        # embedded in-process scheduler looks the hold-expiry task up by name in the web process.
        from billing import signals, tasks  # noqa: F401

        signals.connect(self)
        from accounts.dashboard import dashboard_panel_register

        dashboard_panel_register("billing/_dashboard_balance.html")
