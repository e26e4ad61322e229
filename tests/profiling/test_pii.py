"""PII detection: checksums keep random digits from passing as IBANs or card numbers."""
import pytest

from profiling import pii


@pytest.mark.parametrize(
    ("value", "valid"),
    [("DE89 3704 0044 0532 0130 00", True), ("GB82WEST12345698765432", True), ("DE89 3704 0044 0532 0130 01", False),
     ("NL00ABNA0123456789", False), ("hello", False)],
)
def test_iban_checksum(value, valid):
    assert pii.iban_valid(value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("4111 1111 1111 1111", True), ("5500-0000-0000-0004", True), ("4111111111111112", False),
     ("1234567812345670", False), ("411111", False)],
)
def test_card_numbers_need_luhn_and_a_card_prefix(value, valid):
    assert pii.luhn_valid(value) is valid


def test_detects_kinds_by_values():
    assert pii.detect("contact", ["ann@example.org", "bob@example.com", "x"]).kind == "email"
    assert pii.detect("c1", ["+49 30 1234567", "030 98765432", "+31 20 555 0101"]).kind == "phone"
    assert pii.detect("c2", ["10.0.0.1", "192.168.1.20", "2001:db8::1"]).kind == "ip"
    assert pii.detect("c3", ["Maria Lopez", "Peter Jansen", "Fatima Khan", "Zed Unknown"]).kind == "person_name"
    found = pii.detect("c4", ["4111 1111 1111 1111", "5500 0000 0000 0004"])
    assert found.kind == "card"
    assert found.evidence_count == 2
    assert found.confidence == 1.0


def test_random_numbers_and_product_names_are_not_pii():
    assert pii.detect("amount", ["12345678", "87654321", "11112222"]) is None
    assert pii.detect("product", ["Blue Chair", "Oak Table", "Lamp"]) is None
    assert pii.detect("version", ["1.2.3", "2.0.0"]) is None


def test_a_telling_name_alone_is_a_weak_suggestion():
    found = pii.detect("customer_email", [])
    assert found.kind == "email"
    assert found.by_name
    assert found.confidence == pii.NAME_ONLY_CONFIDENCE
    assert pii.detect("date_of_birth", ["1990-01-01"]).kind == "birth_date"
