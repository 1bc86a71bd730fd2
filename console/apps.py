from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Support console"

    def ready(self) -> None:
        from console.roles import groups_ensure

        # After auth's own post_migrate handler has created the permissions (apps run in INSTALLED_APPS
        # order, and console comes after django.contrib.auth).
        post_migrate.connect(groups_ensure, sender=self, dispatch_uid="console.groups_ensure")
