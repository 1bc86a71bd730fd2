from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.home, name="home"),
    path("verify", views.verify, name="verify"),
    path("users/<uuid:public_id>", views.user_page, name="user"),
    path("usage/<uuid:public_id>", views.explain, name="explain"),
    path("usage/<uuid:public_id>/summary.txt", views.explain_text, name="explain_text"),
    path("grants", views.grants, name="grants"),
    path("audit", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    # Actions (POST, each with a required reason, each audited).
    path("users/<uuid:public_id>/grant", views.grant_create, name="grant"),
    path("grants/<int:grant_id>/approve", views.grant_approve, name="grant_approve"),
    path("purchases/<uuid:public_id>/refund", views.refund, name="refund"),
    path("users/<uuid:public_id>/freeze", views.freeze, name="freeze"),
    path("users/<uuid:public_id>/unfreeze", views.unfreeze, name="unfreeze"),
    path("users/<uuid:public_id>/keys/<uuid:key_id>/revoke", views.key_revoke, name="key_revoke"),
    path("users/<uuid:public_id>/devices/sign-out", views.devices_sign_out, name="devices_sign_out"),
    path("users/<uuid:public_id>/sessions/<str:session_id>/end", views.session_end, name="session_end"),
    path("users/<uuid:public_id>/deletion/hold", views.deletion_hold, name="deletion_hold"),
    path("users/<uuid:public_id>/deletion/release", views.deletion_release, name="deletion_release"),
]
