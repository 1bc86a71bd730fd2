"""The sandbox upstream's HTTP face: one generic view runs every vendor's route table, one serves files.

The views are async although their work is plain CPU (no database, no I/O): under ASGI a sync view would
queue on Django's one thread-sensitive executor, and the sandbox stands in for many independent vendors.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from comfyweb.errors import ApiError, error_response, not_found
from nodes.sandbox.files import file_from_token
from nodes.sandbox.jobs import Outcome, markers_in
from nodes.sandbox.params import MAX_JSON_BYTES, BadVendorRequestError, VendorRequest, read_vendor_request
from nodes.sandbox.vendors import VENDORS, sandbox_key
from nodes.sandbox.vendors.base import Call, Reply, Route, Vendor

SANDBOX_HEADER = "X-Comfyweb-Sandbox"


def _mark(response: HttpResponse) -> HttpResponse:
    response[SANDBOX_HEADER] = "1"
    return response


def _respond(reply: Reply) -> HttpResponse:
    if reply.content is not None:
        response = HttpResponse(reply.content, status=reply.status, content_type=reply.content_type)
    else:
        response = JsonResponse(reply.body, status=reply.status, safe=False)
    for name, value in reply.headers.items():
        response[name] = value
    return _mark(response)


def _find_route(vendor: Vendor, method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = set()
    for route in vendor.routes:
        match = route.match(path)
        if match is None:
            continue
        if route.method == method:
            return route, {name: value for name, value in match.groupdict().items() if value is not None}
        allowed.add(route.method)
    if allowed:
        raise ApiError(
            405, "method_not_allowed", "Method not allowed.", headers={"Allow": ", ".join(allowed)}
        )
    raise ApiError(404, "unknown_route", f"The sandbox has no {vendor.name} route {path!r}.")


def _vendor(name: str) -> Vendor:
    spec = VENDORS.get(name)
    if spec is None:
        raise ApiError(404, "unknown_route", f"The sandbox has no vendor {name!r}.")
    return spec


def _header(request: HttpRequest, name: str) -> str:
    """A request header; one whose name has an underscore (Bria's `api_token`), which Django drops from
    `headers` against hyphen/underscore spoofing, is read from the raw ASGI headers by its exact name."""
    if "_" not in name:
        return str(request.headers.get(name, ""))
    wanted = name.lower().encode("latin-1")
    raw: list[tuple[bytes, bytes]] = getattr(request, "scope", {}).get("headers", [])
    return next((value.decode("latin-1") for key, value in raw if key.lower() == wanted), "")


def _key_ok(request: HttpRequest, vendor: Vendor) -> bool:
    sent = _header(request, vendor.key_header)
    expected = vendor.key_prefix + sandbox_key(vendor.name)
    return hmac.compare_digest(sent.encode(), expected.encode())


def _handle(request: HttpRequest, vendor: Vendor, path: str) -> Reply:
    route, args = _find_route(vendor, request.method or "GET", path)
    if route.public:
        return route.handler(_public_call(request, vendor, route, args))
    if not _key_ok(request, vendor):
        return vendor.error_reply(401, "unauthorized", f"Missing or invalid {vendor.key_header} header.")
    try:
        vendor_request = read_vendor_request(request)
    except BadVendorRequestError as exc:
        return vendor.error_reply(400, "invalid_request", str(exc))
    markers = markers_in(vendor_request.prompt)
    starts_work = route.kind in {"submit", "sync"}
    if starts_work and markers.http500:
        return vendor.error_reply(500, "internal_error", "Internal server error (sandbox [http500] marker).")
    if route.kind == "sync" and markers.outcome is Outcome.FAILED:
        return vendor.error_reply(400, "generation_failed", "The generation failed (sandbox [fail] marker).")
    call = Call(
        vendor=vendor.name,
        route=route,
        args=args,
        query={name: request.GET.get(name, "") for name in request.GET},
        request=vendor_request,
        markers=markers,
        base_url=request.build_absolute_uri(f"/sandbox/{vendor.name}"),
    )
    return route.handler(call)


def _public_call(request: HttpRequest, vendor: Vendor, route: Route, args: dict[str, str]) -> Call:
    """A vendor-signed URL (an upload target): no key, no markers, the body unparsed and bounded."""
    raw = request.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "The upload is too large for the sandbox.")
    return Call(
        vendor=vendor.name,
        route=route,
        args=args,
        query={name: request.GET.get(name, "") for name in request.GET},
        request=VendorRequest(),
        markers=markers_in(""),
        base_url=request.build_absolute_uri(f"/sandbox/{vendor.name}"),
        raw=raw,
    )


@csrf_exempt
async def vendor_api(request: HttpRequest, vendor: str, path: str) -> HttpResponse:
    try:
        return _respond(_handle(request, _vendor(vendor), path))
    except ApiError as exc:
        return _mark(exc.response())


async def result_file(request: HttpRequest, token: str, ext: str) -> HttpResponse:
    """Signed result files: no credentials, like a vendor CDN; forged or expired tokens → 404."""
    if request.method not in {"GET", "HEAD"}:
        return _mark(
            error_response(405, "method_not_allowed", "Method not allowed.", headers={"Allow": "GET"})
        )
    output = file_from_token(token, ext)
    if output is None:
        return _mark(not_found("This file link is invalid or has expired.").response())
    response = HttpResponse(output.content(), content_type=output.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = f'inline; filename="sandbox.{ext}"'
    return _mark(response)
