"""One ASGI application: Django for HTTP, Channels for websockets (hosted ComfyUI sessions)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")

# Build the Django app first: it sets up the app registry that the websocket routing imports need.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from canvas.asgi import CanvasHostRouter  # noqa: E402
from comfyweb.bodylimit import BodyLimit  # noqa: E402
from comfyweb.routing import websocket_urlpatterns  # noqa: E402
from nodes.engine.asgi import ProxyFastPath  # noqa: E402
from nodes.storage_asgi import UploadSizeGuard  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Every body is checked against its route's limit (and a missing credential refused) before it is
        # read (comfyweb/bodylimit.py), the lean /proxy path included; the upload PUT keeps its own guard
        # (nodes/storage_asgi.py). /proxy calls with no Origin (ComfyUI backends) skip browser middleware
        # (nodes/engine/asgi.py).
        "http": BodyLimit(UploadSizeGuard(ProxyFastPath(django_asgi_app))),
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
# The canvas origin (CANVAS_BASE_URL's host) goes to the hosted-ComfyUI proxy (canvas/asgi.py).
application = CanvasHostRouter(application)
