from django.apps import AppConfig


class NodesConfig(AppConfig):
    name = "nodes"
    verbose_name = "API nodes"

    def ready(self) -> None:
        from nodes import checks  # noqa: F401 — registers the pricing system check
