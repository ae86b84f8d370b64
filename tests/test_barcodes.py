"""Classifying scanned codes: GTIN check digits (via python-stdnum), equivalent spellings, label codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from reseller_desktop.domain.barcodes import (
    CodeKind,
    EmptyScanError,
    MisreadBarcodeError,
    NotABarcodeError,
    bin_label_code,
    classify,
    clean_scan,
    gtin_spellings,
    is_valid_gtin,
    parse_label_code,
    same_gtin,
    section_label_code,
    to_gtin14,
    uuid_spellings,
)
from reseller_desktop.domain.errors import UserError

UPC_A = "012345678905"
EAN_13 = "4006381333931"
EAN_8 = "73513537"
GTIN_14 = "98412345678908"


@pytest.mark.parametrize(
    ("code", "symbology", "gtin14"),
    [
        (UPC_A, "UPC-A", "00012345678905"),
        (EAN_13, "EAN-13", "04006381333931"),
        (EAN_8, "EAN-8", "00000073513537"),
        (GTIN_14, "GTIN-14", GTIN_14),
    ],
)
def test_valid_gtins_are_recognised_with_their_14_digit_form(code: str, symbology: str, gtin14: str) -> None:
    scanned = classify(code)
    assert scanned.kind is CodeKind.GTIN
    assert scanned.symbology == symbology
    assert scanned.gtin14 == gtin14 == to_gtin14(code)
    assert scanned.misread_error() is None


@pytest.mark.parametrize(
    ("code", "symbology"), [("012345678906", "UPC-A"), ("4006381333932", "EAN-13"), ("73513538", "EAN-8")]
)
def test_a_wrong_check_digit_is_a_misread_with_a_clear_message(code: str, symbology: str) -> None:
    scanned = classify(code)
    assert scanned.kind is CodeKind.MISREAD_GTIN
    assert scanned.symbology == symbology
    assert scanned.gtin14 is None
    assert scanned.gtin_spellings() == ()
    error = scanned.misread_error()
    assert isinstance(error, UserError)
    assert error.message == f"{symbology} {code}: check digit is wrong: probably a misread, scan again."
    assert error.hint
    with pytest.raises(MisreadBarcodeError, match="check digit is wrong"):
        to_gtin14(code)
    assert not is_valid_gtin(code)


@pytest.mark.parametrize("code", ["12345", "1234567", "12345678901", "123456789012345", "LV-501", "0-12345-67890-5"])
def test_codes_that_are_not_gtin_shaped_are_text_not_misreads(code: str) -> None:
    assert classify(code).kind is CodeKind.TEXT
    with pytest.raises(NotABarcodeError):
        to_gtin14(code)


def test_only_ascii_digits_make_a_gtin() -> None:
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in UPC_A)  # str.isdigit() says True for these
    assert arabic_indic.isdigit()
    assert classify(arabic_indic).kind is CodeKind.TEXT
    assert not is_valid_gtin(arabic_indic)


def test_upc_a_ean_13_and_gtin_14_spellings_are_the_same_product() -> None:
    assert same_gtin(UPC_A, "0" + UPC_A)
    assert same_gtin(UPC_A, "00" + UPC_A)
    assert not same_gtin(UPC_A, EAN_13)
    assert not same_gtin(UPC_A, "012345678906")  # a misread is nobody's spelling
    assert gtin_spellings(UPC_A) == (UPC_A, "0" + UPC_A, "00" + UPC_A)
    assert gtin_spellings("00" + UPC_A) == gtin_spellings(UPC_A)
    assert gtin_spellings(EAN_13) == (EAN_13, "0" + EAN_13)
    assert gtin_spellings(EAN_8) == (EAN_8, "0000" + EAN_8, "00000" + EAN_8, "000000" + EAN_8)
    assert gtin_spellings(GTIN_14) == (GTIN_14,)  # a packaging indicator digit has no shorter form


@given(
    body=st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_every_spelling_is_valid_and_equal_and_any_other_check_digit_is_a_misread(body: str, wrong: int) -> None:
    code = body + ean.calc_check_digit(body)
    spellings = gtin_spellings(code)
    assert code in spellings
    assert all(len(s) in (8, 12, 13, 14) and to_gtin14(s) == to_gtin14(code) for s in spellings)
    misread = body + str((int(code[-1]) + wrong) % 10)
    assert classify(misread).kind is CodeKind.MISREAD_GTIN


def test_scanner_prefixes_suffixes_and_blanks_are_cleaned() -> None:
    assert clean_scan(f"\x02 {UPC_A}\r\n") == UPC_A
    assert classify(f"\t{UPC_A}\r").kind is CodeKind.GTIN
    with pytest.raises(EmptyScanError):
        classify(" \r\n")


def test_bin_and_section_labels_round_trip() -> None:
    assert bin_label_code(7) == "BIN-7"
    assert section_label_code(12) == "SEC-12"
    assert parse_label_code(bin_label_code(7)) == (CodeKind.BIN_LABEL, 7)
    assert parse_label_code(section_label_code(12)) == (CodeKind.SECTION_LABEL, 12)
    assert parse_label_code("bin-7") == (CodeKind.BIN_LABEL, 7)  # Caps Lock on the scanner's keyboard
    scanned = classify("SEC-12")
    assert (scanned.kind, scanned.label_id) == (CodeKind.SECTION_LABEL, 12)


@pytest.mark.parametrize("code", ["BIN-", "BIN-0", "BIN-7x", "XBIN-7", "BIN-2147483648", "SEC--1", "BIN 7"])
def test_what_is_not_a_label(code: str) -> None:
    assert parse_label_code(code) is None
    assert classify(code).kind is CodeKind.TEXT


@pytest.mark.parametrize("bad", [0, -1, 2**31, True])
def test_label_codes_are_only_made_for_row_ids(bad: int) -> None:
    with pytest.raises(ValueError):
        bin_label_code(bad)
    with pytest.raises(ValueError):
        section_label_code(bad)


def test_uuid_spellings_add_the_canonical_form() -> None:
    lower = "5f1c9a8e-3b2d-4c1e-9f00-0a1b2c3d4e5f"
    assert uuid_spellings(lower) == (lower,)
    assert uuid_spellings(lower.upper()) == (lower.upper(), lower)
    assert uuid_spellings("LV-501") == ("LV-501",)


def test_the_domain_module_imports_neither_qt_nor_sqlalchemy() -> None:
    probe = (
        "import sys, reseller_desktop.domain.barcodes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy', 'psycopg')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
