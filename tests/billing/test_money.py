"""billing.money: the one conversion module (round trips are properties, not examples)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import money

micros = st.integers(min_value=-(10**15), max_value=10**15)


@given(micros)
def test_it_round_trips_micros_through_usd(value):
    assert money.usd_to_micros(money.micros_to_usd(value)) == value


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_it_round_trips_cents(cents):
    assert money.micros_to_cents_floor(money.cents_to_micros(cents)) == cents


@given(micros)
def test_it_never_shows_more_cents_than_there_are(value):
    cents = money.micros_to_cents_floor(value)
    assert money.cents_to_micros(cents) <= value < money.cents_to_micros(cents + 1)


@given(st.decimals(min_value=0, max_value=10**6, places=2))
def test_it_converts_usd_with_two_decimals_exactly(usd):
    assert money.micros_to_usd(money.usd_to_micros(usd)) == usd


def test_it_converts_credits_at_the_configured_rate(settings):
    settings.CREDITS_PER_USD = 211
    assert money.micros_to_credits(1_000_000) == Decimal(211)
    assert money.format_credits(10_000_000) == "2,110"


@pytest.mark.parametrize(
    ("micros", "shown"),
    [
        (10_000_000, "2,110"),  # whole credits: no decimals
        (280_000, "59.08"),  # a 28-cent call: exact, not "59" or "59.1"
        (60_150_000, "12,691.65"),  # every whole cent is an exact hundredth of a credit
        (3_317_000, "699.88"),  # 699.887 rounded down, like every balance the ledger shows
        (10_000_010, "2,110"),  # 2,110.00211: the .00 that rounding down leaves is hidden
        (10_000_237, "2,110.05"),
        (0, "0"),
        (-1_000_000, "-211"),
        (-280_000, "-59.08"),
        (48, "0.01"),
        (47, "0.009"),  # below 0.01: one significant digit, never "0"
        (1, "0.0002"),
        (-1, "-0.0002"),
    ],
)
def test_it_formats_credits_exactly_to_the_hundredth(settings, micros, shown):
    settings.CREDITS_PER_USD = 211
    assert money.format_credits(micros) == shown


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_it_never_shows_more_credits_than_there_are(value):
    shown = Decimal(money.format_credits(value).replace(",", ""))
    exact = money.micros_to_credits(value)
    assert abs(shown) <= abs(exact)
    assert (shown == 0) == (value == 0)
    if abs(exact) >= Decimal("0.01"):
        assert abs(shown) > abs(exact) - Decimal("0.01")
        assert shown.as_tuple().exponent >= -2


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_it_shows_whole_cents_exactly(cents):
    micros = money.cents_to_micros(cents)
    shown = Decimal(money.format_credits(micros).replace(",", ""))
    assert shown == money.micros_to_credits(micros)


@given(micros)
def test_it_exports_exact_credits(value):
    assert Decimal(money.credits_exact(value)) == money.micros_to_credits(value)
    assert "," not in money.credits_exact(value)


def test_it_formats_usd():
    assert money.format_usd(12_345_678) == "$12.35"
    assert money.format_usd(0) == "$0.00"
    assert money.format_usd(-1_000_000) == "-$1.00"
    assert money.format_usd(1_234_560_000) == "$1,234.56"


@pytest.mark.parametrize("bad", [1.5, True, None])
def test_it_refuses_floats_and_other_types(bad):
    with pytest.raises(TypeError):
        money.usd_to_micros(bad)


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "abc", "0.0000001", ""])
def test_it_refuses_non_amounts(bad):
    with pytest.raises(ValueError, match=r"USD amount|finite|six decimal"):
        money.usd_to_micros(bad)


def test_it_refuses_non_integer_cents():
    with pytest.raises(TypeError):
        money.cents_to_micros(1.0)  # type: ignore[arg-type]


def test_it_gives_usd_form_field_values_without_symbol_or_separators():
    assert money.usd_field_value(1_234_500_000) == "1234.50"
    assert money.usd_field_value(5_000_000) == "5.00"
    assert money.usd_field_value(12_345) == "0.01"
