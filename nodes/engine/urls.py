"""The lean /proxy path's URLconf (nodes.engine.asgi): one pattern, instead of the whole site's list."""

from django.urls import path

from nodes.engine import lifecycle

urlpatterns = [path("proxy/<path:rest>", lifecycle.proxy, name="proxy")]
