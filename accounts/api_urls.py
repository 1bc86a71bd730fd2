"""The `/customers` API, `/auth/token`, `/releases` and the browser Keys page (all at the origin root)."""

from django.urls import URLPattern, URLResolver, path

from accounts import api_views
from accounts.views import keys

urlpatterns: list[URLPattern | URLResolver] = [
    path("customers", api_views.CustomersView.as_view(), name="customers"),
    path("customers/me", api_views.CustomerMeView.as_view(), name="customers-me"),
    path("customers/quote", api_views.QuoteView.as_view(), name="customers-quote"),
    path("customers/api-keys", api_views.ApiKeysView.as_view(), name="customers-api-keys"),
    path("customers/api-keys/<str:key_id>", api_views.ApiKeyDetailView.as_view(), name="customers-api-key"),
    path("releases", api_views.releases, name="releases"),
    path("auth/token", api_views.auth_token, name="auth-token"),
    path("keys", keys.keys_page, name="keys"),
    path("keys/new", keys.key_created, name="key-created"),
    path("keys/<uuid:key_id>/revoke", keys.key_revoke, name="key-revoke"),
]
