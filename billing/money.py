"""The only module that converts money. Everything else holds integer micro-USD.

Users see credits (USD times CREDITS_PER_USD, as ComfyUI shows them) and USD with two decimals; the stock
ComfyUI frontend reads balances in integer cents. Decimal appears only here, at the display boundary.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.conf import settings

MICROS_PER_USD = 1_000_000
MICROS_PER_CENT = 10_000
_CENT = Decimal("0.01")
_TENTH = Decimal("0.1")


def usd_to_micros(value: Decimal | str | int) -> int:
    """Exact conversion; refuses floats, non-finite values and anything finer than a micro-dollar."""
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise TypeError("USD amounts are Decimal, str or int, never float.")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise ValueError(f"Not a USD amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("USD amounts must be finite.")
    micros = amount * MICROS_PER_USD
    if micros != micros.to_integral_value():
        raise ValueError("USD amounts have at most six decimal places.")
    return int(micros)


def micros_to_usd(micros: int) -> Decimal:
    """Exact value in USD (up to six decimals); round for display with `format_usd`."""
    return Decimal(micros) / MICROS_PER_USD


def micros_to_credits(micros: int) -> Decimal:
    return Decimal(micros) * int(settings.CREDITS_PER_USD) / MICROS_PER_USD


def micros_to_cents_floor(micros: int) -> int:
    """Whole cents, rounded down (toward negative infinity): a balance is never shown as more than it is."""
    return micros // MICROS_PER_CENT


def cents_to_micros(cents: int) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError("Cents are integers.")
    return cents * MICROS_PER_CENT


def format_usd(micros: int) -> str:
    """'$12.34' (banker's rounding to the cent; a negative amount as '-$1.00')."""
    value = micros_to_usd(micros).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def usd_field_value(micros: int) -> str:
    """'1234.50': a USD amount as a form field's value (two decimals, no '$', no thousands separators)."""
    return str(micros_to_usd(micros).quantize(_CENT, rounding=ROUND_HALF_EVEN))


def format_credits(micros: int) -> str:
    """'2,110' or '12.7' credits, as ComfyUI shows them: at most one decimal, none when it would be 0.

    Rounded down, so the shown figure is always covered. A non-zero amount below 0.1 credits (a per-token
    price on the pricing page) keeps one significant digit instead ('0.0002'): it must never read as 0,
    and '<0.1' would make every small price look the same.
    """
    value = micros_to_credits(micros)
    magnitude = abs(value)
    shown = magnitude.quantize(_TENTH, rounding=ROUND_DOWN)
    if shown == 0 and magnitude != 0:
        first_digit = Decimal(1).scaleb(magnitude.adjusted())
        text = f"{magnitude.quantize(first_digit, rounding=ROUND_DOWN):f}"
    else:
        text = f"{shown:,.1f}".removesuffix(".0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text}"
