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
_HUNDREDTH = Decimal("0.01")


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


def format_usd_short(micros: int) -> str:
    """'$5', '$10,000', '$12.50': whole dollars without cents, as the product writes its limits."""
    if micros % MICROS_PER_USD == 0:
        return format_usd(micros).removesuffix(".00")
    return format_usd(micros)


def format_usd_price(micros: int) -> str:
    """A unit price: '$0.04', or every digit it has when it is finer than a cent ('$0.0035', never
    '$0.00'). Prices are exact figures, not balances: nothing is rounded away."""
    if micros % MICROS_PER_CENT == 0:
        return format_usd(micros)
    value = micros_to_usd(abs(micros)).normalize()
    sign = "-" if micros < 0 else ""
    return f"{sign}${value:,f}"


def usd_field_value(micros: int) -> str:
    """'1234.50': a USD amount as a form field's value (two decimals, no '$', no thousands separators)."""
    return str(micros_to_usd(micros).quantize(_CENT, rounding=ROUND_HALF_EVEN))


def format_credits(micros: int) -> str:
    """'2,110' or '59.08' credits: exact to the hundredth, no decimals when the amount is whole.

    The one credits format of the site, its e-mails and exports. A whole number of cents is a whole number
    of hundredths of a credit (211 credits = $1), so every purchase and every cent-priced charge shows
    exactly and a history of them adds up to the balance. Finer amounts are rounded down, like every
    balance the ledger shows (`micros_to_cents_floor`): the shown figure is always covered. A non-zero
    amount below 0.01 credits (a per-token price) keeps one significant digit ('0.0002'): it must never
    read as 0.
    """
    value = micros_to_credits(micros)
    magnitude = abs(value)
    shown = magnitude.quantize(_HUNDREDTH, rounding=ROUND_DOWN)
    if shown == 0 and magnitude != 0:
        first_digit = Decimal(1).scaleb(magnitude.adjusted())
        text = f"{magnitude.quantize(first_digit, rounding=ROUND_DOWN):f}"
    elif shown == shown.to_integral_value():
        text = f"{shown:,.0f}"
    else:
        text = f"{shown:,.2f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{text}"


def credits_exact(micros: int) -> str:
    """'59.083122': the exact credits of an amount, no separators (the CSV export's numeric column)."""
    value = micros_to_credits(micros)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
