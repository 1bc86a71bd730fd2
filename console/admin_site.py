"""Django's /admin/ behind the same sign-in and second factor as the console.

/admin/login/ leads to the platform's sign-in form, so its throttles hold for operators too. Before any
admin page opens, a session without a confirmed TOTP code is sent to /console/verify (one code per session
covers both areas). `CONSOLE_REQUIRE_OTP` governs both, so production (where it cannot be off) enforces it
for /admin/ too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect


def _needs_code(request: HttpRequest) -> bool:
    # Imported here: this module is loaded with INSTALLED_APPS (StaffOTPAdminConfig), before any model.
    from console.access import is_console_staff, otp_satisfied

    return is_console_staff(request.user) and not otp_satisfied(request)


def _verify_redirect(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/console/verify?next={quote(request.get_full_path())}")


class StaffOTPAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not _needs_code(request)

    def admin_view(  # type: ignore[override]
        self, view: Callable[..., Any], cacheable: bool = False
    ) -> Callable[..., Any]:
        inner = super().admin_view(view, cacheable)
        logout = csrf_protect(never_cache(view))

        def gate(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if _needs_code(request):
                # Signing out needs no code (Django's gate would bounce it to the index instead).
                return logout(request, *args, **kwargs) if view == self.logout else _verify_redirect(request)
            return inner(request, *args, **kwargs)  # type: ignore[no-any-return]

        return gate

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Signed in with a password but no code yet: the code, not a second password form.
        if _needs_code(request):
            return HttpResponseRedirect("/console/verify?next=/admin/")
        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # Django sends staff on to the index
            raise PermissionDenied("This account has no access to the admin.")
        # Signed out: the platform's one sign-in form, with its per-client lock and its account-wide
        # slow-down (accounts/services/login_throttle.py); Django's own form has neither.
        target = request.GET.get(REDIRECT_FIELD_NAME) or "/admin/"
        if not target.startswith("/admin/"):
            target = "/admin/"
        return HttpResponseRedirect(f"{reverse('accounts:login')}?next={quote(target)}")


class StaffOTPAdminConfig(AdminConfig):
    default_site = "console.admin_site.StaffOTPAdminSite"
