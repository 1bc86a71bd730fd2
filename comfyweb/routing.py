"""Websocket routes. Hosted ComfyUI sessions (canvas/) add the `/ws` relay here."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
