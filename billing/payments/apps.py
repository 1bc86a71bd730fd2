from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Purchases through Stripe and the sandbox gateway, webhooks, refunds and disputes, auto top-up."""

    name = "billing.payments"
    label = "payments"
    verbose_name = "Payments"
