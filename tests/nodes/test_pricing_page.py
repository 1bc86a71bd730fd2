"""The public Pricing page in words: no internal keys, one unit style, exact small prices, an index and
a search (issue 14, item 19)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from nodes.labels import price_key_label, unit_label
from nodes.vendors import VENDORS

pytestmark = pytest.mark.django_db


def _page(query: str = "") -> str:
    return Client().get("/pricing" + query).content.decode()


def test_it_shows_no_internal_price_key(proxy_prices: Any) -> None:
    html = _page()
    for key in ("flux-2-max/first-megapixel", "image/kling-v1/i2i", "video/kling-v1/std/5s", "legacy/V_2A"):
        assert key not in html
    assert "FLUX.2 [max] · first megapixel" in html
    assert "Kling v1 · image to image" in html


def test_it_writes_every_unit_one_way(proxy_prices: Any) -> None:
    html = _page()
    units = set(re.findall(r"<td>(per [^<]+)</td>", html))
    assert "per 5 s" in units
    assert "per 5 s of video" in units
    assert not [u for u in units if re.search(r"\d+s\b", u)]  # never "per 5s"


def test_it_shows_small_prices_exactly_without_micro_dollars(proxy_prices: Any) -> None:
    html = _page()
    assert "µ$" not in html
    assert ">$0.00<" not in html
    assert ">$0.0035<" in html  # Kling v1 image: 3,500 micro-USD
    assert ">$10.00<" in html  # gpt-image-1 input tokens: $0.00001 each, shown per 1M tokens
    assert "per 1M tokens" in html


def test_every_price_key_gets_a_distinct_readable_name() -> None:
    for vendor in VENDORS.values():
        shown = [
            (price_key_label(key, unit), unit_label(unit)) for key, (unit, _m, _s) in vendor.prices.items()
        ]
        assert len(set(shown)) == len(shown), vendor.name  # two rows never read the same
        for label, _unit in shown:
            assert "/" not in label, label
            assert "_" not in label, label
            assert not label[:1].islower(), label
        for (label, shown_unit), unit in zip(shown, (u for u, _m, _s in vendor.prices.values()), strict=True):
            # The unit column says what one unit is; the name never ends by saying it again.
            assert not label.lower().endswith(" · " + unit.lower()), (label, shown_unit)


def test_it_has_a_vendor_index_and_a_search(proxy_prices: Any) -> None:
    html = _page()
    index = re.search(r'data-testid="pricing-index">(.*?)</nav>', html, re.S).group(1)
    for vendor in ("bfl", "kling", "recraft", "openai"):
        assert f'href="/pricing#{vendor}"' in index
        assert f'id="{vendor}"' in html
    found = _page("?q=kling+1080p")
    assert "Kling 3.0 Turbo · 1080p" in found
    assert "Black Forest Labs</strong>" not in found
    assert 'href="/pricing#bfl"' in found  # the index still lists everything
    assert "No model matches" in _page("?q=nothing-like-this")
