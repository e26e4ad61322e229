"""Vectorised fake values for the demo data: names, contacts, money, cards, IBANs, times."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

FIRST_NAMES = np.array([
    "Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kemal", "Lena",
    "Mateo", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yusuf",
    "Zoe", "Amara", "Bruno", "Clara", "Diego", "Elif",
])
LAST_NAMES = np.array([
    "Almeida", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ivanova", "Jansen",
    "Kowalski", "López", "Müller", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Novak", "Varga", "Weber", "Xu", "Yilmaz", "Zimmermann",
])
COUNTRIES = np.array(["DE", "FR", "NL", "ES", "IT", "PL", "SE", "GB", "US", "PT"])
COUNTRY_WEIGHTS = np.array([0.22, 0.15, 0.1, 0.1, 0.1, 0.06, 0.05, 0.1, 0.08, 0.04])
CURRENCIES = np.array(["EUR", "GBP", "USD", "SEK", "PLN"])
CHANNELS = np.array(["web", "mobile_app", "marketplace", "phone"])


def choice(rng: np.random.Generator, values, n: int, p=None) -> np.ndarray:
    values = np.asarray(values)
    return values[rng.choice(len(values), size=n, p=p)]


def ids(n: int, start: int = 1) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int64)


def coded(prefix: str, numbers: np.ndarray, width: int = 6) -> np.ndarray:
    """Human-looking codes such as ``WH-0042``."""
    return np.char.add(prefix, np.char.zfill(numbers.astype(str), width))


def timestamps(rng: np.random.Generator, n: int, end: np.datetime64, days: float, *, sort=True) -> np.ndarray:
    """n UTC instants spread over the ``days`` before ``end`` (second precision), the newest at ``end``.

    Pinning the newest keeps a feed's age below a day all day long, even for sparse --quick data.
    """
    offsets = rng.integers(0, int(days * 86400), size=n)
    offsets[0] = 0
    values = end - offsets.astype("timedelta64[s]")
    return np.sort(values) if sort else values


def money(rng: np.random.Generator, n: int, median: float, sigma: float = 0.8) -> np.ndarray:
    """Positive amounts, log-normal around a median, rounded to cents."""
    return np.round(rng.lognormal(np.log(median), sigma, size=n), 2)


def full_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    first = choice(rng, FIRST_NAMES, n)
    last = choice(rng, LAST_NAMES, n)
    return first, last, np.char.add(np.char.add(first, " "), last)


def emails(first: np.ndarray, last: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    ascii_first = np.char.lower(_ascii(first))
    local = np.char.add(np.char.add(ascii_first, "."), np.char.lower(_ascii(last)))
    return np.char.add(np.char.add(local, numbers.astype(str)), "@example.com")


def _ascii(values: np.ndarray) -> np.ndarray:
    table = str.maketrans("éíáóüçñ", "eiaoucn")
    return np.array([v.translate(table) for v in values.tolist()])


def phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """E.164 numbers (+<country code><9 digits>)."""
    codes = choice(rng, np.array(["+49", "+33", "+31", "+34", "+39", "+44", "+1"]), n)
    return np.char.add(codes, rng.integers(100_000_000, 999_999_999, size=n).astype(str))


def luhn_check_digits(digits: np.ndarray) -> np.ndarray:
    """Check digit for each row of a (n, k) digit matrix (the payload, left to right)."""
    doubled = digits[:, ::-1].copy()
    doubled[:, 0::2] *= 2  # rightmost payload digit is doubled once the check digit is appended
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    return (10 - doubled.sum(axis=1) % 10) % 10


def card_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """16-digit Visa/Mastercard-looking numbers with valid Luhn check digits."""
    prefixes = choice(rng, np.array([4, 51, 52, 53, 54, 55]), n)
    payload = rng.integers(0, 10, size=(n, 15))
    is_visa = prefixes == 4
    payload[is_visa, 0] = 4
    payload[~is_visa, 0] = 5
    payload[~is_visa, 1] = prefixes[~is_visa] % 10
    full = np.concatenate([payload, luhn_check_digits(payload)[:, None]], axis=1)
    return np.array(["".join(map(str, row)) for row in full.tolist()])


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def ibans(rng: np.random.Generator, n: int) -> np.ndarray:
    """German IBANs (DEkk + 8-digit bank code + 10-digit account) with valid mod-97 checks."""
    banks = rng.integers(10_000_000, 99_999_999, size=n)
    accounts = rng.integers(0, 10**10, size=n)
    out = []
    for bank, account in zip(banks.tolist(), accounts.tolist(), strict=True):
        bban = f"{bank:08d}{account:010d}"
        check = 98 - int(bban + "131400") % 97  # "DE" → 13 14, then "00" as placeholder check
        out.append(f"DE{check:02d}{bban}")
    return np.array(out)


def iban_valid(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def with_nulls(values: np.ndarray, positions: np.ndarray) -> pa.Array:
    """An Arrow array of ``values`` with nulls at ``positions``."""
    mask = np.zeros(len(values), dtype=bool)
    mask[positions] = True
    return pa.array(values, mask=mask)


def pick_positions(rng: np.random.Generator, n: int, count: int) -> np.ndarray:
    """``count`` distinct row positions, sorted."""
    return np.sort(rng.choice(n, size=count, replace=False))


def replace_at(values: np.ndarray, positions: np.ndarray, replacements: np.ndarray) -> np.ndarray:
    """``values`` with some entries replaced; object dtype so longer strings are not cut short."""
    out = values.astype(object)
    out[positions] = replacements
    return out
