from django.urls import URLPattern, URLResolver, path, re_path

from billing.payments import api, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers/credit", api.customers_credit, name="customers-credit"),
    path("customers/billing", api.customers_billing, name="customers-billing"),
    path("customers/balance", api.customers_balance, name="customers-balance"),
    path("customers/events", api.customers_events, name="customers-events"),
    # Exact path, never redirected (quality.md P2): a trailing slash is answered too, not redirected.
    re_path(r"^billing/stripe/webhook/?$", api.stripe_webhook, name="stripe-webhook"),
    path("credits/buy", views.credits_buy, name="credits-buy"),
    path("credits/return", views.credits_return, name="credits-return"),
    path("credits/billing-portal", views.billing_portal, name="credits-billing-portal"),
    path("credits/auto-topup", views.auto_topup_settings, name="credits-auto-topup"),
    path("credits/low-balance", views.low_balance_settings, name="credits-low-balance"),
    path("credits/receipts/<uuid:public_id>", views.receipt, name="credits-receipt"),
    path("credits/receipts/<uuid:public_id>/cancel", views.purchase_cancel_view, name="credits-cancel"),
    path("billing/sandbox/checkout/<str:token>", views.sandbox_checkout, name="sandbox-checkout"),
]
