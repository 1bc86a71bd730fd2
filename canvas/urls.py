from django.urls import URLPattern, URLResolver, path

from canvas import api_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "customers/canvas-sessions", api_views.CanvasSessionsView.as_view(), name="customers-canvas-sessions"
    ),
    path(
        "customers/canvas-sessions/<str:session_id>",
        api_views.CanvasSessionView.as_view(),
        name="customers-canvas-session",
    ),
    path("canvas", views.canvas_home, name="canvas-home"),
    path("canvas/start", views.canvas_start, name="canvas-start"),
    path("canvas/<uuid:session_id>", views.canvas_session, name="canvas-session"),
    path("canvas/<uuid:session_id>/status", views.canvas_status, name="canvas-status"),
    path("canvas/<uuid:session_id>/open", views.canvas_open, name="canvas-open"),
    path("canvas/<uuid:session_id>/end", views.canvas_end, name="canvas-end"),
]
