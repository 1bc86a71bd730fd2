from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data export and account deletion (design.md flow 5, quality.md D1-D2)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
