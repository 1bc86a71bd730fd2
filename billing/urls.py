from django.urls import URLPattern, URLResolver, path

from billing import views

app_name = "billing"

urlpatterns: list[URLPattern | URLResolver] = [
    path("credits", views.credits_page, name="credits"),
]
