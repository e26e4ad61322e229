"""Detect columns that likely hold personal data, by their name and by a sample of their values.

Value checks are strict where a checksum exists (IBAN mod 97, payment cards by Luhn), so a
column of random digits is not called a card number. The result is a suggestion for the
owner to confirm; the profile of a suggested or confirmed column is stored masked.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MIN_SHARE = 0.6  # share of sampled values that must match for a value-based suggestion
NAME_ONLY_CONFIDENCE = 0.4

NAME_HINTS = {
    "email": r"e_?mail",
    "phone": r"phone|mobile|msisdn|(^|_)tel(ephone)?(_|$)|fax",
    "iban": r"iban|bank_?account",
    "card": r"(^|_)(credit_?)?card(_?(number|no|num))?$|(^|_)pan$|cc_?num",
    "ip": r"(^|_)ip(_|$)|ip_?addr|client_?ip",
    "person_name": r"^(first|last|full|given|family|middle|sur|customer|contact|person)_?name$|^name$|^surname$",
    "birth_date": r"birth|(^|_)dob(_|$)",
    "address": r"address|street|postcode|postal_?code|zip_?code",
    "national_id": r"ssn|passport|national_?id|tax_?id|social_?security|(^|_)bsn(_|$)",
}
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^(\+|00|0)[\d\s().-]{6,20}$")
IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
CARD = re.compile(r"^\d{13,19}$")


@dataclass
class Finding:
    column: str
    kind: str
    confidence: float
    evidence_count: int
    sample_size: int
    by_name: bool


@cache
def first_names() -> frozenset[str]:
    text = (Path(__file__).parent / "data" / "first_names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def iban_valid(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    if not IBAN.match(compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def luhn_valid(text: str) -> bool:
    compact = re.sub(r"[ -]", "", text)
    if not CARD.match(compact) or compact[0] not in "3456":
        return False
    total = 0
    for k, ch in enumerate(reversed(compact)):
        d = int(ch) * (2 if k % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def is_ip(text: str) -> bool:
    if "." not in text and ":" not in text:
        return False
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


def is_phone(text: str) -> bool:
    return bool(PHONE.match(text.strip())) and 8 <= sum(ch.isdigit() for ch in text) <= 15


def is_person_name(text: str) -> bool:
    words = text.strip().split()
    return 1 < len(words) <= 4 and words[0].lower().strip(",.") in first_names() and text[:1].isupper()


VALUE_CHECKS = {
    "email": lambda s: bool(EMAIL.match(s.strip())),
    "iban": iban_valid,
    "card": luhn_valid,
    "ip": is_ip,
    "phone": is_phone,
    "person_name": is_person_name,
}


def name_kind(column: str) -> str | None:
    key = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    return next((kind for kind, pattern in NAME_HINTS.items() if re.search(pattern, key)), None)


def _value_finding(column: str, values: list[str], hinted: str | None) -> Finding | None:
    best = None
    for kind, check in VALUE_CHECKS.items():
        hits = sum(1 for v in values if check(v))
        share = hits / len(values)
        threshold = MIN_SHARE / 2 if kind == hinted else MIN_SHARE
        if hits and share >= threshold and (best is None or share > best.confidence):
            best = Finding(column, kind, round(share, 3), hits, len(values), kind == hinted)
    return best


def detect(column: str, sample: list) -> Finding | None:
    """The likeliest kind of personal data in a column, or None."""
    hinted = name_kind(column)
    values = [str(v) for v in sample if v is not None and str(v).strip()]
    found = _value_finding(column, values, hinted) if values else None
    if found:
        return found
    if hinted:
        return Finding(column, hinted, NAME_ONLY_CONFIDENCE, 0, len(values), True)
    return None

