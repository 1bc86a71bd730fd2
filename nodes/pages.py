"""Browser pages of the nodes app: the public Pricing page and the signed-in Usage history (+ CSV)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import ApiKey
from billing.money import credits_exact, format_usd, micros_to_usd
from comfyweb.times import rfc3339
from nodes.models import UsageRecord, UsageStatus
from nodes.quotes import examples_quote
from nodes.selectors import (
    Cursor,
    DaySpend,
    UsageFilters,
    UsageLine,
    price_list_current,
    usage_daily_spend,
    usage_iter,
    usage_page,
)
from nodes.vendors import VENDORS

CHART_WIDTH = 720
CHART_HEIGHT = 160
# A fixed, colour-blind-friendly palette; vendors keep their colour across days.
PALETTE = (
    "#4c6ef5",
    "#f59f00",
    "#12b886",
    "#e64980",
    "#7950f2",
    "#15aabf",
    "#fa5252",
    "#82c91e",
    "#fd7e14",
    "#495057",
    "#be4bdb",
    "#228be6",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def pricing(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:80].strip()
    version, vendors = price_list_current(search=search)
    index = [(v.name, v.title) for v in price_list_current()[1]] if search else None
    context = {
        "version": version,
        "vendors": vendors,
        "search": search,
        "index": index if index is not None else [(v.name, v.title) for v in vendors],
        "examples": examples_quote() if version is not None else [],
    }
    return render(request, "nodes/pricing.html", context)


class UsageFilterForm(forms.Form):
    vendor = forms.ChoiceField(required=False)
    key = forms.UUIDField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *UsageStatus.choices])
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    prompt = forms.CharField(required=False, max_length=128, strip=True)

    def __init__(self, *args: Any, keys: list[ApiKey], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = keys
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ChoiceField)
        vendor_field.choices = [("", "Any vendor"), *((v.name, v.title) for v in VENDORS.values())]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                f"The start date ({start:%Y-%m-%d}) is after the end date ({end:%Y-%m-%d}): "
                "choose a start on or before the end."
            )
        return data

    def filters(self) -> UsageFilters | None:
        """The filters asked for; None when they are invalid (the page says why and lists nothing)."""
        if not self.is_bound:
            return UsageFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        key_id = next((k.pk for k in self.keys if k.public_id == data.get("key")), None)
        unknown_key = data.get("key") is not None and key_id is None
        return UsageFilters(
            vendor=data.get("vendor") or "",
            api_key_id=-1 if unknown_key else key_id,  # someone else's key id matches nothing
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            comfy_job_id=data.get("prompt") or "",
        )


def _form(request: HttpRequest) -> UsageFilterForm:
    keys = list(ApiKey.objects.filter(user=request.user).order_by("-created_at"))  # type: ignore[misc]
    return UsageFilterForm(request.GET or None, keys=keys)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


def chart_bars(days: list[DaySpend]) -> tuple[list[Bar], list[tuple[str, str]]]:
    """Stacked daily bars by vendor, scaled to the busiest day; plus the legend (title, colour)."""
    top = max((day.total_micros for day in days), default=0) or 1
    vendors = sorted({vendor for day in days for vendor in day.by_vendor})
    colours = {vendor: PALETTE[i % len(PALETTE)] for i, vendor in enumerate(vendors)}
    slot = CHART_WIDTH / max(len(days), 1)
    bars: list[Bar] = []
    for index, day in enumerate(days):
        base = float(CHART_HEIGHT)
        for vendor in vendors:
            micros = day.by_vendor.get(vendor, 0)
            if not micros:
                continue
            height = CHART_HEIGHT * micros / top
            base -= height
            name = VENDORS[vendor].title if vendor in VENDORS else vendor
            title = f"{day.day:%b %d} · {name}: {format_usd(micros)}"
            bars.append(Bar(index * slot + 2, base, slot - 4, height, colours[vendor], title))
    legend = [(VENDORS[v].title if v in VENDORS else v, colours[v]) for v in vendors]
    return bars, legend


# Panels other apps add below the calls table (the canvas app's hosted time), in registration order.
_USAGE_PANELS: list[str] = []


def usage_panel_register(template_name: str) -> None:
    if template_name not in _USAGE_PANELS:
        _USAGE_PANELS.append(template_name)


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    filters = form.filters()
    cursor = Cursor.decode(request.GET.get("before", ""))
    rows, next_cursor = (
        usage_page(user=request.user, filters=filters, cursor=cursor) if filters is not None else ([], None)
    )
    bars, legend = chart_bars(usage_daily_spend(user=request.user))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "nodes/usage.html",
        {
            "form": form,
            "rows": [UsageLine.of(row) for row in rows],
            "filtered": filters is None or filters.active,
            "next_cursor": next_cursor.encode() if next_cursor else "",
            "filter_query": query.urlencode(),
            "bars": bars,
            "legend": legend,
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
            "extra_panels": list(_USAGE_PANELS),
        },
    )


def csv_cell(value: object) -> str:
    """quality.md B-15: a cell that a spreadsheet would run as a formula is prefixed with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


# Plain numbers a spreadsheet can add up: micro-USD (exact integers, as the ledger holds them), exact
# credits and exact USD, no "$" and no thousands separators. The last columns are the internal ids.
CSV_COLUMNS = (
    "time_utc",
    "vendor",
    "model",
    "comfyui_prompt_id",
    "api_key",
    "status",
    "quoted_micros_usd",
    "charged_micros_usd",
    "charged_credits",
    "charged_usd",
    "vendor_id",
    "model_id",
    "usage_id",
)


def _csv_rows(rows: Iterator[UsageRecord]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        line = UsageLine.of(row)
        yield writer.writerow(
            [
                csv_cell(cell)
                for cell in (
                    rfc3339(row.created_at),
                    line.vendor,
                    line.what,
                    row.comfy_job_id,
                    row.api_key.name if row.api_key else "",
                    line.status.label,
                    row.quoted_micros,
                    row.charged_micros,
                    credits_exact(row.charged_micros),
                    micros_to_usd(row.charged_micros),
                    row.vendor,
                    row.model,
                    row.public_id,
                )
            ]
        )


@login_required
def usage_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filters = _form(request).filters()
    if filters is None:
        return HttpResponse("These filters are invalid; fix them on the Usage page.", status=400)
    rows = (r for r in usage_iter(user=request.user, filters=filters))
    response = StreamingHttpResponse(_csv_rows(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{timezone.localdate():%Y%m%d}.csv"'
    return response
