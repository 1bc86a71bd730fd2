from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The project package as an app: management commands (serve, seed_demo) and system checks."""

    name = "comfyweb"
    label = "core"
    verbose_name = "comfyweb"
