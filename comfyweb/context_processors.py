from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        "CREDITS_PER_USD": settings.CREDITS_PER_USD,
        "ENVIRONMENT": settings.ENVIRONMENT,
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
    }
