from django.urls import URLPattern, URLResolver, path, re_path

from nodes.sandbox import views

# Mounted at /sandbox/ (comfyweb/urls.py). Vendor paths are the vendors' own, below /sandbox/<vendor>/;
# the route tables in nodes/sandbox/vendors/ decide what exists (see nodes/sandbox/README.md).
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(
        r"^files/(?P<token>[A-Za-z0-9_.\-]{1,2048})\.(?P<ext>png|mp4|wav|svg|glb|obj|fbx|zip)$",
        views.result_file,
    ),
    path("<slug:vendor>/<path:path>", views.vendor_api),
]
