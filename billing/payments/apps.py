from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Purchases through Stripe and the sandbox gateway, webhooks, refunds and disputes, auto top-up."""

    name = "billing.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from billing.payments import checks  # noqa: F401  (registers the system checks)
