"""Numbers as people read them: `JPY 6.6 trillion`, `EUR 75 billion`, `rank 12`, `98%`.

The one place that turns an exact figure of a payload into words, for the CLI's
tables, CSV's human columns, fact titles, the digest and the page alike; JSON
answers keep the exact values.  The words and digit grouping come from the
Unicode CLDR through babel (English), not from hand-written suffix tables (see
docs/design.md).  babel is imported on first use: it costs tens of
milliseconds that `timeline --help` need not pay.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

LOCALE = "en"

# From a million up a figure reads better in words ("6.6 trillion"); below, in
# grouped digits ("12,500"), which the compact form would round ("12.5 thousand").
_WORDS_FROM = Decimal(1_000_000)

# Units that read before the figure: "rank 12", not "12 rank".
_LEADING_UNITS = frozenset({"rank", "position", "place"})
_PERCENT_UNITS = frozenset({"percent", "%", "pct"})


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def figure(value: Any) -> str:
    """A bare figure: `6.6 trillion`, `75 billion`, `12,500`, `0.5`; what is not a
    number comes back as its text."""
    number = _decimal(value)
    if number is None:
        return str(value)
    from babel.numbers import format_compact_decimal, format_decimal

    if abs(number) >= _WORDS_FROM:
        return format_compact_decimal(number, format_type="long", locale=LOCALE, fraction_digits=2)
    return format_decimal(number, locale=LOCALE)


def money(amount: Any, currency: str | None) -> str:
    """An amount of money: `JPY 6.6 trillion`, `EUR 35 million`, `USD 1,200` (ISO code
    first, as the payloads write it; no symbol, which would be ambiguous: ¥ is also CNY)."""
    return f"{currency or ''} {figure(amount)}".strip()


def quantity(value: Any, unit: str | None) -> str:
    """A metric's value with its unit: money for a currency code, `98%` for percent,
    `rank 12` for a rank, else `1.2 million people`."""
    if not unit:
        return figure(value)
    from babel.numbers import is_currency

    if unit.isupper() and is_currency(unit, locale=LOCALE):
        return money(value, unit)
    if unit.lower() in _PERCENT_UNITS:
        return f"{figure(value)}%"
    if unit.lower() in _LEADING_UNITS:
        return f"{unit} {figure(value)}"
    return f"{figure(value)} {unit}"
