"""Settings → Privacy: export and deletion pages, and the signed cancel link from the e-mail."""

from django.urls import URLPattern, URLResolver, path

from privacy import views

app_name = "privacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("settings/privacy", views.privacy_view, name="privacy"),
    path("settings/privacy/export", views.export_create_view, name="export_create"),
    path("settings/privacy/exports/<uuid:export_id>", views.export_status_view, name="export_status"),
    path(
        "settings/privacy/exports/<uuid:export_id>/download",
        views.export_download_view,
        name="export_download",
    ),
    path("settings/privacy/delete", views.deletion_view, name="delete"),
    path("settings/privacy/delete/cancel", views.deletion_cancel_view, name="delete_cancel"),
    path("privacy/cancel-deletion/<str:token>", views.cancel_link_view, name="cancel_link"),
]
