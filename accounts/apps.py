from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Device rows on sign-in / sign-out (H1).
        from accounts import signals  # noqa: F401

        # Forget the cached authorized-origins list when an admin edits it (H2).
        from accounts.origins import connect_cache_signals

        connect_cache_signals()
