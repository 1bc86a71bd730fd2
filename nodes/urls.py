from django.urls import URLPattern, URLResolver, path, re_path

from nodes import storage

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
