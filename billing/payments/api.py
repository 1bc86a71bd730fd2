"""The `/customers` payment endpoints ComfyUI calls (comfy-contract.md §8.1 #2 to #5) and the Stripe webhook.

Credentials are headers only (X-API-KEY or our Bearer token), never cookies, so these views are exempt
from CSRF by design.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing.payments.gateway import PaymentGatewayError, gateway_get
from billing.payments.selectors import customer_balance_body, customer_events_page
from billing.payments.services.purchases import checkout_start, stripe_customer_ensure
from billing.payments.services.webhooks import webhook_event_process, webhook_event_verify
from comfyweb.auth import authenticate_request
from comfyweb.errors import ApiError, invalid_request, not_found
from comfyweb.jsonio import request_json_object

MAX_EVENTS_LIMIT = 100


def site_base_url(request: HttpRequest) -> str:
    """Where the user's browser reaches us: the configured public URL in production, else this request's
    host (already checked against ALLOWED_HOSTS), so local and test servers on any port work."""
    if settings.PRODUCTION:
        return str(settings.PUBLIC_BASE_URL)
    return request.build_absolute_uri("/").rstrip("/")


def _reject_unknown(body: dict[str, object], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid_request(f"Unknown field(s): {', '.join(unknown)[:200]}.")


@csrf_exempt
@require_POST
def customers_credit(request: HttpRequest) -> JsonResponse:
    principal = authenticate_request(request)
    body = request_json_object(request)
    _reject_unknown(body, {"amount_micros", "currency"})
    if body.get("currency", "usd") != "usd":
        raise invalid_request('currency must be "usd".')
    if "amount_micros" not in body:
        raise ApiError(400, "invalid_amount", "amount_micros is required (real micro-USD, $5 to $10,000).")
    try:
        purchase = checkout_start(
            user=principal.user, amount_micros=body["amount_micros"], base_url=site_base_url(request)
        )
    except PaymentGatewayError as exc:
        raise exc.to_api_error() from exc
    return JsonResponse({"checkout_url": purchase.checkout_url}, status=201)


def _own_return_url(request: HttpRequest, value: object) -> str | None:
    """An optional return_url is honoured only when it points back at this platform."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        return None
    base = site_base_url(request)
    host = urlsplit(base).netloc
    if not urlsplit(value).netloc or not url_has_allowed_host_and_scheme(
        value, allowed_hosts={host}, require_https=base.startswith("https://")
    ):
        return None
    return value


@csrf_exempt
@require_POST
def customers_billing(request: HttpRequest) -> JsonResponse:
    principal = authenticate_request(request)
    # Usually sent with no body at all; only a JSON body is read (the optional return_url).
    body = (
        request_json_object(request, allow_empty=True) if request.content_type == "application/json" else {}
    )
    _reject_unknown(body, {"return_url", "target_tier", "cancel_subscription"})
    return_url = _own_return_url(request, body.get("return_url")) or f"{site_base_url(request)}/credits"
    gateway = gateway_get()
    try:
        customer_id = stripe_customer_ensure(user=principal.user, gateway=gateway)
        url = gateway.create_portal(customer_id=customer_id, return_url=return_url)
    except PaymentGatewayError as exc:
        raise exc.to_api_error() from exc
    return JsonResponse({"billing_portal_url": url})


@require_GET
def customers_balance(request: HttpRequest) -> JsonResponse:
    principal = authenticate_request(request)
    body = customer_balance_body(user=principal.user)
    if body is None:
        # 404 is "no customer yet" for the stock frontend (an empty balance, comfy-contract.md §8.2).
        raise not_found("No balance yet for this customer.")
    return JsonResponse(body)


def _positive_int_param(request: HttpRequest, name: str, *, default: int, maximum: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not 1 <= int(raw) <= maximum:
        raise invalid_request(f"{name} must be an integer from 1 to {maximum}.")
    return int(raw)


def _datetime_param(request: HttpRequest, name: str) -> datetime | None:
    """An optional RFC 3339 timestamp with a time zone (the contract's start_date / end_date)."""
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw[:64])
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise invalid_request(f"{name} must be an RFC 3339 date-time with a time zone.")
    return value


@require_GET
def customers_events(request: HttpRequest) -> JsonResponse:
    principal = authenticate_request(request)
    page = _positive_int_param(request, "page", default=1, maximum=10_000_000)
    limit = _positive_int_param(request, "limit", default=10, maximum=MAX_EVENTS_LIMIT)
    event_type = request.GET.get("filter") or None
    if event_type is not None and (len(event_type) > 64 or not event_type.replace("_", "").isalnum()):
        raise invalid_request("filter must be an event type such as credit_added.")
    page_body = customer_events_page(
        user=principal.user,
        page=page,
        limit=limit,
        start=_datetime_param(request, "start_date"),
        end=_datetime_param(request, "end_date"),
        event_type=event_type,
    )
    return JsonResponse(page_body.body())


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Stripe's deliveries. 400 for anything not validly signed (nothing written); 200 once stored."""
    event = webhook_event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    result = webhook_event_process(event=event)
    return JsonResponse({"received": True, "result": result})
