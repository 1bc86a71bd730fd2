"""Dashboard panels other apps contribute (e.g. billing's balance card), without accounts importing them.

An app registers a template once, typically in its AppConfig.ready():

    from accounts.dashboard import dashboard_panel_register
    dashboard_panel_register("billing/_dashboard_balance.html")

Each panel template is included in the dashboard's grid with the page's context (`user`, `request`).
"""

from __future__ import annotations

from django.http import HttpRequest

_PANELS: list[str] = []


def dashboard_panel_register(template_name: str) -> None:
    if template_name not in _PANELS:  # ready() may run twice under some test runners
        _PANELS.append(template_name)


def dashboard_panels(request: HttpRequest) -> list[str]:
    """Template names to include on this request's dashboard, in registration order."""
    return list(_PANELS)
