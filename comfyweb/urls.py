from django.contrib import admin
from django.urls import include, path

from comfyweb import views

urlpatterns = [
    path("", views.home, name="home"),
    path("faq", views.faq, name="faq"),
    path("health", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("ready", views.ready, name="ready"),
    path("admin/", admin.site.urls),
    # The support console: staff only, TOTP-verified, separate from the operators' /admin/.
    path("console/", include("console.urls")),
    # Browser pages and the JSON APIs of each app. Contract paths (/customers…, /proxy/…) live at the origin
    # root, never under a prefix (comfy-contract.md §1.2).
    path("", include("accounts.urls")),
    path("", include("accounts.api_urls")),
    path("", include("billing.urls")),
    path("", include("billing.api_urls")),
    path("", include("billing.payments.urls")),
    path("", include("nodes.urls")),
    path("", include("canvas.urls")),
    path("", include("privacy.urls")),
    # The built-in vendor simulator (sandbox upstream), addressed over HTTP like any vendor.
    path("sandbox/", include("nodes.sandbox.urls")),
]

handler404 = "comfyweb.handlers.not_found"
handler500 = "comfyweb.handlers.server_error"
