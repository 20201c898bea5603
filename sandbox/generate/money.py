"""Money, randomness and time helpers every other module shares.

Amounts are `Decimal` quantised to cents (never float) so both systems tie out to
the cent. Randomness comes from `random.Random` instances seeded through SHA-256
of named parts, so a project's data depends only on (seed, project) and never on
the order other projects were generated in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def money(value: Decimal | int | str) -> Decimal:
    """Quantise to cents, rounding half up as accounting does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """Exactly two decimals, no exponent, no thousands separator."""
    return f"{value:.2f}"


def pct_of(amount: Decimal, pct: Decimal) -> Decimal:
    """`pct` percent of `amount`, in cents."""
    return money(amount * pct / HUNDRED)


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from named parts; stable across Python versions and processes."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def sub_rng(*parts: object) -> random.Random:
    return random.Random(derive_seed(*parts))


def rand_money(rng: random.Random, lo: int, hi: int) -> Decimal:
    """A random amount in [lo, hi] dollars with random cents."""
    return Decimal(rng.randint(lo * 100, hi * 100)).scaleb(-2)


def rand_round(rng: random.Random, lo: int, hi: int, step: int) -> Decimal:
    """A random amount in [lo, hi] that is a multiple of `step` dollars (contract values)."""
    return Decimal(rng.randint(lo // step, hi // step) * step).quantize(CENT)


def row_uuid(rng: random.Random) -> str:
    """A UUID-shaped Sage Row_ID drawn from the caller's RNG (deterministic)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stamp(day: dt.date, rng: random.Random, lo_hour: int = 7, hi_hour: int = 18) -> str:
    """A Procore UTC timestamp on `day` at a random office-hours time."""
    return (
        f"{day.isoformat()}T{rng.randint(lo_hour, hi_hour):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z"
    )


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Monday–Friday dates in [start, end]."""
    out, day = [], start
    while day <= end:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out
