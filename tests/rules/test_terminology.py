"""rules/terminology.py: normalisation, name matching and RxNorm look-up (CLINICAL.md §5, §13)."""

from __future__ import annotations

import pytest

from rules.data.rxnorm import INGREDIENT_CODES
from rules.terminology import has_readable_name, lookup_rxnorm, normalise, read_rxnorm, read_text


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("CIPROFLOXACIN HCL 500MG TAB", "ciprofloxacin hcl 500 mg tab"),
        (" LaSiX ", "lasix"),
        ("\uff2c\uff21\uff33\uff29\uff38", "lasix"),  # fullwidth: NFKC
        ("L\u0435vothyroxine", "levothyroxine"),  # Cyrillic е folded to Latin e
        ("\u0441ipro", "cipro"),  # Cyrillic с
        ("Lévothyrox", "levothyrox"),  # accent dropped
        ("lisinopril-HCTZ 20-12.5", "lisinopril hctz 20 12 5"),
        ("levothyroxine 50µg", "levothyroxine 50 mcg"),  # micro sign is "mc", never dropped
        ("Prilosec OTC (omeprazole)", "prilosec otc omeprazole"),
        ("Ci\u200bpro 500", "cipro 500"),  # zero-width space
        ("Lasi\u00adx", "lasix"),  # soft hyphen
    ],
)
def test_normalise(text, normalised):
    assert normalise(text) == normalised


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gabapentim 300", [("gabapentin", True)]),  # ratio exactly 90: matched
        ("gabapantim 300", []),  # ratio 80
        ("hydroxychloroquime", [("hydroxychloroquine", True)]),  # 94.4
        ("hydroxychlorequime", []),  # 88.9: just under
        ("Lasix", [("furosemide", False)]),
        ("Lasixx", []),  # lasix has 5 letters: never matched approximately
        ("Dyazide", [("triamterene", False), ("hydrochlorothiazide", False)]),
        ("Diovan HCT", [("hydrochlorothiazide", False)]),  # the product, not valsartan alone
        ("cipro and doxycycline", [("ciprofloxacin", False), ("doxycycline", False)]),
    ],
)
def test_read_text_finds_drugs_exactly_or_approximately(text, expected):
    assert [(m.drug.generic, m.approximate) for m in read_text(text).drugs] == expected


@pytest.mark.parametrize(
    ("text", "common"),
    [("Diovan 160 mg", True), ("atorvastatin", True), ("atorvastatn", True), ("Xyzzoprin", False)],
)
def test_common_drugs_are_recognised(text, common):
    reading = read_text(text)
    assert (reading.common, reading.drugs) == (common, ())


@pytest.mark.parametrize(
    ("text", "readable"),
    [("Zyrtec", True), ("40 mg", False), ("", False), ("x 10", False), ("1 tab bid", False)],
)
def test_has_readable_name(text, readable):
    assert has_readable_name(text) is readable


@pytest.mark.parametrize(
    ("code", "tty", "name"),
    [
        ("313988", "SCD", "Furosemide 40 MG Oral Tablet"),
        ("199026", "SCD", "Doxycycline 100 MG Oral Capsule"),
        ("252430", "SCD", "Magnesium Oxide 400 MG Oral Capsule"),
        ("311429", "SCD", "Magnesium Oxide 250 MG Oral Tablet"),
        ("10582", "IN", "levothyroxine"),
        ("3640", "IN", "doxycycline"),
        (" 2551 ", "IN", "ciprofloxacin"),
        ("91217", "PIN", "chlorothiazide sodium"),
    ],
)
def test_lookup_rxnorm(code, tty, name):
    concept = lookup_rxnorm(code)
    assert concept is not None
    assert (concept.tty, concept.name) == (tty, name)
    assert concept.source


@pytest.mark.parametrize("code", ["99999999", "", None, "abc"])
def test_unknown_codes_are_none(code):
    assert lookup_rxnorm(code) is None


def test_a_product_code_is_read_through_its_name():
    [match] = read_rxnorm("313988") or ()
    assert match.drug.generic == "furosemide"
    assert read_rxnorm("252430") == ()  # magnesium oxide: no interacting drug
    assert read_rxnorm("99999999") is None


def test_every_ingredient_row_says_where_it_was_read_and_if_unverified():
    for row in INGREDIENT_CODES:
        assert row.source, row.code
        assert row.verified is (not row.source.startswith("unverified")), row.code
    assert {r.code for r in INGREDIENT_CODES if r.verified} >= {
        "2551",
        "82122",
        "139462",
        "4603",
        "5487",
        "9997",
        "7646",
        "40790",
        "283742",
        "10582",
        "3640",
    }
