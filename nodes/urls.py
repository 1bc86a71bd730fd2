from django.urls import URLPattern, URLResolver, path, re_path

from nodes import pages, storage
from nodes.engine import lifecycle as proxy_lifecycle

urlpatterns: list[URLPattern | URLResolver] = []

# --- storage (H4a: nodes/storage.py) — POST /customers/storage and its two capability URLs -------------
urlpatterns += [
    path("customers/storage", storage.storage_create, name="customers-storage"),
    re_path(
        r"^storage/upload/(?P<token>[A-Za-z0-9_.\-]{1,1024})$", storage.storage_upload, name="storage-upload"
    ),
    re_path(
        r"^storage/files/(?P<token>[A-Za-z0-9_.\-]{1,1024})(?:/(?P<name>[A-Za-z0-9_.\-]{1,128}))?$",
        storage.storage_download,
        name="storage-file",
    ),
]
# --- end storage ---------------------------------------------------------------------------------------

# --- proxy, pricing and usage (H4b: nodes/engine, nodes/pages.py) ------------------------------------------
urlpatterns += [
    path("proxy/<path:rest>", proxy_lifecycle.proxy, name="proxy"),
    path("pricing", pages.pricing, name="pricing"),
    path("usage", pages.usage, name="usage"),
    path("usage.csv", pages.usage_csv, name="usage-csv"),
]
# --- end proxy -------------------------------------------------------------------------------------------
