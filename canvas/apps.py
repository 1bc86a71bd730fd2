from django.apps import AppConfig


class CanvasConfig(AppConfig):
    name = "canvas"
    verbose_name = "Hosted ComfyUI"

    def ready(self) -> None:
        from accounts.dashboard import dashboard_panel_register
        from canvas.privacy import PROVIDER
        from nodes.pages import usage_panel_register
        from privacy.hooks import hosted_sessions_register

        dashboard_panel_register("canvas/_dashboard_panel.html")
        usage_panel_register("canvas/_usage_hosted.html")  # hosted time as rows of its own
        hosted_sessions_register(PROVIDER)  # exports list sessions; deletions end them and delete files
