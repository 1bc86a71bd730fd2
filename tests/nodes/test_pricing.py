"""Prices as data: one pricing function, every multiplier, markup, versions, and refusing unpriced calls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from comfyweb.errors import ApiError
from nodes.engine.pricing import PriceTable, quote_compute, with_markup
from nodes.engine.types import Body, Call, LineItem
from nodes.vendors import VENDORS


def _table(markup: int = 0) -> PriceTable:
    prices = {
        (vendor.name, key): micros
        for vendor in VENDORS.values()
        for key, (_u, micros, _s) in vendor.prices.items()
    }
    return PriceTable(1, markup, prices)


def quote(
    vendor: str,
    path: str,
    *,
    json: Any = None,
    fields: dict[str, Any] | None = None,
    files: tuple[str, ...] = (),
    markup: int = 0,
    query: dict[str, str] | None = None,
) -> int:
    """Price a request as the engine does: match the route, run its price function, apply the table."""
    from django.test import RequestFactory

    from nodes.engine import routing

    request = RequestFactory().post(f"/proxy/{vendor}/{path}")
    found = routing.match(request, f"{vendor}/{path}", VENDORS)
    if json is not None:
        body = Body(format="json", raw=b"", json=json)
    else:
        body = Body(
            format="multipart", raw=b"", fields={k: (str(v),) for k, v in (fields or {}).items()}, files=files
        )
    assert found.route.price is not None
    items = found.route.price(Call(found.params, query or {}, body))
    return quote_compute(vendor=vendor, items=items, table=_table(markup)).total_micros


@pytest.mark.parametrize(("n", "expected"), [(1, 20_000), (2, 40_000), (8, 160_000), (10, 200_000)])
def test_it_bills_n_images_n_times(n: int, expected: int) -> None:
    assert quote("openai", "images/generations", json={"model": "dall-e-2", "n": n}) == expected


@given(st.integers(min_value=1, max_value=10), st.sampled_from(["256x256", "512x512", "1024x1024"]))
@hsettings(max_examples=60, deadline=None)
def test_it_prices_dalle2_as_the_table_oracle(n: int, size: str) -> None:
    oracle = {"256x256": 16_000, "512x512": 18_000, "1024x1024": 20_000}[size] * n
    assert quote("openai", "images/generations", json={"model": "dall-e-2", "n": n, "size": size}) == oracle


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "dall-e-3", "quality": "standard", "size": "1024x1024"}, 40_000),
        ({"model": "dall-e-3", "quality": "standard", "size": "1792x1024"}, 80_000),
        ({"model": "dall-e-3", "quality": "hd", "size": "1024x1024"}, 80_000),
        ({"model": "dall-e-3", "quality": "hd", "size": "1024x1792"}, 120_000),
        ({"model": "gpt-image-1", "quality": "low", "size": "1024x1024"}, 31_000),
        ({"model": "gpt-image-1", "quality": "medium", "size": "1536x1024", "n": 3}, 209_000),
        ({"model": "gpt-image-1", "quality": "auto", "size": "auto"}, 270_000),  # the maximum tier
        ({"model": "gpt-image-1.5", "quality": "high", "size": "1024x1024", "n": 8}, 1_356_000),
    ],
)
def test_it_prices_openai_quality_and_size(body: dict[str, Any], expected: int) -> None:
    assert quote("openai", "images/generations", json={"prompt": "x", **body}) == expected


def test_it_adds_an_allowance_per_edited_input_image() -> None:
    fields = {"model": "gpt-image-1", "quality": "low", "size": "1024x1024", "n": 2}
    assert quote("openai", "images/edits", fields=fields, files=("image[]", "image[]", "image[]")) == (
        2 * 11_000 + 20_000 + 3 * 30_000
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model_name": "kling-v1-6", "mode": "std", "duration": "5"}, 280_000),
        ({"model_name": "kling-v1-6", "mode": "pro", "duration": "5"}, 490_000),
        ({"model_name": "kling-v1-6", "mode": "pro", "duration": "10"}, 980_000),
        ({"model_name": "kling-v2-master", "duration": 10}, 2_800_000),
        ({}, 140_000),  # the API's defaults: kling-v1, std, 5 s
    ],
)
def test_it_prices_kling_by_model_mode_and_duration(body: dict[str, Any], expected: int) -> None:
    assert quote("kling", "v1/videos/text2video", json={"prompt": "x", **body}) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "ray-2", "resolution": "540p", "duration": "5s"}, 400_000),
        ({"model": "ray-2", "resolution": "1080p", "duration": "9s"}, 2_862_000),
        ({"model": "ray-flash-2", "resolution": "720p", "duration": "5s"}, 240_000),
        ({"model": "ray-2"}, 11_466_000),  # unspecified: the most it can cost (4k, 9 s)
    ],
)
def test_it_prices_luma_by_resolution_and_duration(body: dict[str, Any], expected: int) -> None:
    assert quote("luma", "generations", json={"prompt": "x", **body}) == expected


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({"durationSeconds": 8, "generateAudio": True}, 3_200_000),
        ({"durationSeconds": 8, "generateAudio": False}, 1_600_000),
        ({"durationSeconds": 4, "sampleCount": 4}, 6_400_000),
        ({}, 3_200_000),  # audio defaults on
    ],
)
def test_it_prices_veo_by_duration_samples_and_audio(parameters: dict[str, Any], expected: int) -> None:
    body = {"instances": [{"prompt": "x"}], "parameters": parameters}
    assert quote("veo", "veo-3.0-generate-001/generate", json=body) == expected


@pytest.mark.parametrize(
    ("fields", "files", "expected"),
    [
        ({"rendering_speed": "TURBO"}, (), 30_000),
        ({"rendering_speed": "QUALITY", "num_images": 4}, (), 360_000),
        ({"rendering_speed": "DEFAULT"}, ("character_reference_images",), 150_000),
    ],
)
def test_it_prices_ideogram_v3_by_speed_count_and_character(
    fields: dict[str, Any], files: tuple[str, ...], expected: int
) -> None:
    assert (
        quote("ideogram", "ideogram-v3/generate", fields={"prompt": "x", **fields}, files=files) == expected
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"quality": "720p", "duration": 5}, 600_000),
        ({"quality": "720p", "duration": 8}, 1_200_000),
        ({"quality": "540p", "duration": 5, "motion_mode": "fast"}, 900_000),
    ],
)
def test_it_prices_pixverse_by_quality_duration_and_mode(body: dict[str, Any], expected: int) -> None:
    assert quote("pixverse", "video/text/generate", json={"prompt": "x", **body}) == expected


def test_it_refuses_combinations_without_a_price() -> None:
    with pytest.raises(ApiError) as error:
        quote("pixverse", "video/text/generate", json={"quality": "1080p", "duration": 8})
    assert (error.value.status, error.value.error_type) == (422, "price_unavailable")


def test_it_prices_minimax_and_bfl_megapixels() -> None:
    hailuo = {"model": "MiniMax-Hailuo-02", "resolution": "1080P", "duration": 6}
    assert quote("minimax", "video_generation", json=hailuo) == 490_000
    flux2 = {"prompt": "x", "width": 2048, "height": 2048, "input_image": "aGk="}
    assert quote("bfl", "flux-2-pro/generate", json=flux2) == 30_000 + (3 + 4) * 15_000


@pytest.mark.parametrize(
    ("markup", "expected"), [(0, 20_000), (2_500, 25_000), (10_000, 40_000), (1, 20_002)]
)
def test_it_applies_the_markup_rounding_up(markup: int, expected: int) -> None:
    assert quote("openai", "images/generations", json={"model": "dall-e-2"}, markup=markup) == expected
    assert with_markup(1, 1) == 2  # never sells below list + markup


def test_it_refuses_an_empty_or_zero_quote() -> None:
    with pytest.raises(ApiError) as error:
        quote_compute(vendor="openai", items=[], table=_table())
    assert error.value.status == 422
    with pytest.raises(ApiError):
        quote_compute(vendor="openai", items=[LineItem("dall-e-2/1024x1024", 0)], table=_table())


def test_it_declares_a_price_for_every_key_the_routes_use() -> None:
    for vendor in VENDORS.values():
        for key, (_unit, micros, source) in vendor.prices.items():
            assert micros > 0, key
            assert source, key


@pytest.mark.django_db
def test_it_stores_the_price_version_in_effect_at_admission(proxy_comfy: Any, owner: Any) -> None:
    from nodes.models import Price, PriceVersion, UsageRecord
    from nodes.services import price_version_copy

    first = PriceVersion.objects.get()
    later = price_version_copy(source=first, label="Later", effective_from=timezone.now() + timedelta(days=1))
    Price.objects.filter(version=later, vendor="openai", key="dall-e-2/1024x1024").update(unit_micros=99_000)
    body = {"prompt": "x", "model": "dall-e-2"}
    assert proxy_comfy.post_json("/proxy/openai/images/generations", body).status_code == 200
    PriceVersion.objects.filter(pk=later.pk).update(effective_from=timezone.now())
    assert proxy_comfy.post_json("/proxy/openai/images/generations", body).status_code == 200
    rows = list(
        UsageRecord.objects.order_by("id").values_list("price_version_id", "quoted_micros", "charged_micros")
    )
    assert rows == [(first.pk, 20_000, 20_000), (later.pk, 99_000, 99_000)]


@pytest.mark.django_db
def test_it_refuses_zero_prices_unless_flagged_free(proxy_prices: Any) -> None:
    from django.db import IntegrityError, transaction

    from nodes.models import Price

    with pytest.raises(IntegrityError), transaction.atomic():
        Price.objects.create(
            version=proxy_prices, vendor="x", key="y", unit="image", unit_micros=0, source="s"
        )
    Price.objects.create(
        version=proxy_prices, vendor="x", key="z", unit="call", unit_micros=0, free=True, source="s"
    )


@pytest.mark.django_db
def test_it_seeds_prices_once(proxy_prices: Any) -> None:
    from nodes.models import PriceVersion

    call_command("seed_prices", stdout=None)
    assert PriceVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_deploy_check_fails_for_a_route_without_a_price(proxy_prices: Any) -> None:
    from nodes.checks import check_routes_priced
    from nodes.models import Price

    call_command("check", deploy=True)
    Price.objects.filter(vendor="kling", key="image/kling-v1").delete()
    with pytest.raises(SystemCheckError, match="kling:image/kling-v1"):
        call_command("check", deploy=True)
    # Plain `check` (and `migrate`, which adds the price) only warns.
    assert [message.id for message in check_routes_priced(None)] == ["nodes.W003"]


@pytest.mark.django_db
def test_staff_can_edit_prices_and_the_markup_in_the_admin(proxy_prices: Any) -> None:
    from django.test import Client

    from nodes.models import Price, PricingSettings
    from tests.conftest import make_user, staff_login

    admin_user = make_user("root@example.com", is_staff=True, is_superuser=True)
    client = Client()
    staff_login(client, admin_user)
    price = Price.objects.get(vendor="openai", key="dall-e-2/1024x1024")
    assert client.get(f"/admin/nodes/price/{price.pk}/change/").status_code == 200
    assert client.get(f"/admin/nodes/priceversion/{proxy_prices.pk}/change/").status_code == 200
    assert client.get("/admin/nodes/pricingsettings/").status_code == 200
    assert client.get("/admin/nodes/usagerecord/").status_code == 200
    reply = client.post(
        f"/admin/nodes/price/{price.pk}/change/",
        {
            "version": proxy_prices.pk,
            "vendor": "openai",
            "key": price.key,
            "unit": "image",
            "unit_micros": 0,
            "source": "x",
        },
    )
    assert reply.status_code == 200  # refused: a zero price must be flagged free
    price.refresh_from_db()
    assert price.unit_micros == 20_000
    reply = client.post("/admin/nodes/pricingsettings/1/change/", {"markup_bps": 1500})
    assert reply.status_code == 302
    assert PricingSettings.objects.get(pk=1).markup_bps == 1500


@pytest.mark.django_db
def test_outsiders_cannot_reach_the_price_admin(outsider: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    assert client.get("/admin/nodes/price/").status_code == 302


KLING_PER_5S = {
    ("kling-v1", "std"): 140_000,
    ("kling-v1", "pro"): 490_000,
    ("kling-v2-1", "pro"): 490_000,
    ("kling-v2-master", "std"): 1_400_000,
    ("kling-v2-5-turbo", "pro"): 350_000,
}


@given(
    st.sampled_from(sorted(KLING_PER_5S)),
    st.sampled_from(["5", "10", 5, 10]),
)
@hsettings(max_examples=40, deadline=None)
def test_it_prices_kling_as_the_table_oracle(model_mode: tuple[str, str], duration: Any) -> None:
    model, mode = model_mode
    body = {"prompt": "x", "model_name": model, "mode": mode, "duration": duration}
    assert quote("kling", "v1/videos/text2video", json=body) == KLING_PER_5S[model_mode] * (
        int(duration) // 5
    )


@given(
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=4),
    st.booleans(),
    st.sampled_from(["veo-3.0-generate-001", "veo-3.0-fast-generate-001", "veo-2.0-generate-001"]),
)
@hsettings(max_examples=60, deadline=None)
def test_it_prices_veo_as_the_table_oracle(duration: int, samples: int, audio: bool, model: str) -> None:
    per_second = {
        ("veo-3.0-generate-001", True): 400_000,
        ("veo-3.0-generate-001", False): 200_000,
        ("veo-3.0-fast-generate-001", True): 150_000,
        ("veo-3.0-fast-generate-001", False): 100_000,
        ("veo-2.0-generate-001", True): 500_000,
        ("veo-2.0-generate-001", False): 500_000,
    }[(model, audio)]
    body = {
        "instances": [{"prompt": "x"}],
        "parameters": {"durationSeconds": duration, "sampleCount": samples, "generateAudio": audio},
    }
    assert quote("veo", f"{model}/generate", json=body) == per_second * duration * samples


@given(st.integers(min_value=1, max_value=8), st.sampled_from(["V_1", "V_1_TURBO", "V_2", "V_2_TURBO"]))
@hsettings(max_examples=40, deadline=None)
def test_it_prices_nested_num_images_once(count: int, model: str) -> None:
    unit = {"V_1": 60_000, "V_1_TURBO": 20_000, "V_2": 80_000, "V_2_TURBO": 50_000}[model]
    body = {"image_request": {"prompt": "x", "model": model, "num_images": count}}
    assert quote("ideogram", "generate", json=body) == unit * count  # n nested: counted once, not n²


@pytest.mark.django_db
def test_the_admin_copies_a_version_to_edit_before_it_takes_effect(proxy_prices: Any) -> None:
    from django.test import Client

    from nodes.engine.pricing import price_table_current
    from nodes.models import Price, PriceVersion
    from tests.conftest import make_user, staff_login

    admin_user = make_user("root2@example.com", is_staff=True, is_superuser=True)
    client = Client()
    staff_login(client, admin_user)
    reply = client.post(
        "/admin/nodes/priceversion/",
        {"action": "copy_version", "_selected_action": [proxy_prices.pk]},
    )
    assert reply.status_code == 302
    copy = PriceVersion.objects.exclude(pk=proxy_prices.pk).get()
    assert copy.effective_from > timezone.now()  # not in effect yet: edit it first
    assert copy.prices.count() == proxy_prices.prices.count()
    Price.objects.filter(version=copy, vendor="openai", key="dall-e-2/1024x1024").update(unit_micros=1)
    assert price_table_current().version_id == proxy_prices.pk


def test_an_upgrade_adds_new_price_keys_without_touching_the_operators_prices(proxy_prices: Any) -> None:
    from nodes.models import Price, PriceVersion
    from nodes.services import prices_add_missing

    current = proxy_prices
    Price.objects.filter(version=current, vendor="recraft").update(unit_micros=777)  # operator's own prices
    dropped = Price.objects.filter(version=current, vendor="kling").order_by("key").first()
    assert dropped is not None
    dropped.delete()  # as if this key were new in the release being installed
    assert prices_add_missing() is not None
    newest = PriceVersion.objects.order_by("-effective_from", "-id").first()
    assert newest is not None
    assert newest.pk != current.pk
    rows = {(p.vendor, p.key): p.unit_micros for p in newest.prices.all()}
    assert rows[("kling", dropped.key)] == dropped.unit_micros
    assert {v for (vendor, _k), v in rows.items() if vendor == "recraft"} == {777}
    assert dropped.key in newest.note
    assert prices_add_missing() is None  # nothing missing any more
