from django.apps import AppConfig


class CanvasConfig(AppConfig):
    name = "canvas"
    verbose_name = "Hosted ComfyUI"

    def ready(self) -> None:
        from accounts.dashboard import dashboard_panel_register

        dashboard_panel_register("canvas/_dashboard_panel.html")
