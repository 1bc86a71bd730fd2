"""Browser pages of the accounts app (the JSON APIs are in accounts.api_urls)."""

from django.urls import URLPattern, URLResolver, path

from accounts.views import auth, password, settings, verify

app_name = "accounts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("signup", auth.signup_view, name="signup"),
    path("signup/sent", auth.signup_sent_view, name="signup_sent"),
    path("login", auth.login_view, name="login"),
    path("logout", auth.logout_view, name="logout"),
    path("verify-email/resend", verify.verify_resend_view, name="verify_email_resend"),
    path("verify-email/<str:token>", verify.verify_email_view, name="verify_email"),
    path("password-reset", password.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent", password.PasswordResetSentView.as_view(), name="password_reset_sent"),
    path("password-reset/done", password.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "password-reset/<uidb64>/<token>",
        password.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("dashboard", settings.dashboard_view, name="dashboard"),
    path("settings", settings.settings_view, name="settings"),
    path("settings/password", password.password_change_view, name="password_change"),
    path("settings/devices", settings.devices_view, name="devices"),
    path(
        "settings/devices/sign-out-others", settings.devices_revoke_others_view, name="devices_revoke_others"
    ),
    path("settings/devices/<uuid:device_id>/sign-out", settings.device_revoke_view, name="device_revoke"),
]
