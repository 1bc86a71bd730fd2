"""Dashboard panels other apps contribute (e.g. billing's balance card), without accounts importing them.

An app registers a template once, typically in its AppConfig.ready():

    from accounts.dashboard import dashboard_panel_register
    dashboard_panel_register("billing/_dashboard_balance.html")

Each panel template is included in the dashboard's grid with the page's context (`user`, `request`).

Hosted ComfyUI sessions (the canvas app) plug in the same way: `dashboard_open_comfyui_register(fn)`
with `fn(request) -> url | None`; the dashboard then shows "Open ComfyUI" (template block
`open_comfyui`, context `open_comfyui_url`) for every user `fn` gives a URL for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

_PANELS: list[str] = []
_OPEN_COMFYUI: list[Callable[[HttpRequest], str | None]] = []


def dashboard_panel_register(template_name: str) -> None:
    if template_name not in _PANELS:  # ready() may run twice under some test runners
        _PANELS.append(template_name)


def dashboard_panels(request: HttpRequest) -> list[str]:
    """Template names to include on this request's dashboard, in registration order."""
    return list(_PANELS)


def dashboard_open_comfyui_register(url_for: Callable[[HttpRequest], str | None]) -> None:
    if url_for not in _OPEN_COMFYUI:
        _OPEN_COMFYUI.append(url_for)


def dashboard_open_comfyui_url(request: HttpRequest) -> str | None:
    """Where "Open ComfyUI" leads for this user; None (no button) until hosted sessions exist."""
    return next((url for url_for in _OPEN_COMFYUI if (url := url_for(request))), None)
