"""What a scanned string is: a product barcode (GTIN), a misread one, a bin or section label, or other text.

Product barcodes are GTINs: UPC-A (12 digits), EAN-13, EAN-8 and GTIN-14. They share one check-digit
scheme, which python-stdnum validates. A GTIN keeps its identity when zero-padded on the left, so a
UPC-A 012345678905, the EAN-13 0012345678905 and the GTIN-14 00012345678905 are one product; the
`upc` column holds whichever spelling the seller (or the web app) typed, so a lookup asks for every
equivalent spelling instead of normalising the column.

Bins and sections get printed labels that scan back to them: BIN-<id> and SEC-<id>. The row id is
used, not the name, because names can be renamed and a bin name is only unique together with its
type; an id never changes.

Pure: no Qt, no database.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum

from stdnum import ean
from stdnum.exceptions import InvalidChecksum

from reseller_desktop.domain.errors import UserError

GTIN_SYMBOLOGIES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}
GTIN14_LENGTH = 14
BIN_LABEL_PREFIX = "BIN-"
SECTION_LABEL_PREFIX = "SEC-"
_LABEL_PATTERN = re.compile(r"(BIN|SEC)-(\d{1,10})", re.IGNORECASE)
_MAX_ROW_ID = 2**31 - 1  # SERIAL ids are int4; a larger number cannot be a row and must not reach SQL


class MisreadBarcodeError(UserError):
    """Digits of a barcode length whose check digit does not add up: the scanner misread the bars."""

    def __init__(self, code: str, symbology: str) -> None:
        super().__init__(
            f"{symbology} {code}: check digit is wrong: probably a misread, scan again.",
            "If it keeps failing, the label may be damaged; find the item by its SKU or title instead.",
        )
        self.code = code
        self.symbology = symbology


class NotABarcodeError(UserError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"{code!r} is not a UPC, EAN or GTIN.",
            "A product barcode has 8, 12, 13 or 14 digits and nothing else.",
        )
        self.code = code


class EmptyScanError(UserError):
    def __init__(self) -> None:
        super().__init__("Nothing was scanned.", "Scan the barcode again, or type the code into the scan field.")


class CodeKind(StrEnum):
    GTIN = "gtin"  # a valid UPC-A, EAN-13, EAN-8 or GTIN-14
    MISREAD_GTIN = "misread_gtin"  # digits of a GTIN length with a wrong check digit
    BIN_LABEL = "bin_label"
    SECTION_LABEL = "section_label"
    TEXT = "text"  # anything else: a SKU, a listing or card UUID, a storage id, a bin name


class HitKind(StrEnum):
    """What a scan found. Ordered the way a chooser lists them: the likeliest target first."""

    LISTING = "listing"
    CARD = "card"
    STORAGE_ITEM = "storage_item"
    BIN = "bin"
    SECTION = "section"


HIT_KIND_ORDER = {kind: rank for rank, kind in enumerate(HitKind)}
HIT_KIND_LABELS = {
    HitKind.LISTING: "Listing",
    HitKind.CARD: "Card",
    HitKind.STORAGE_ITEM: "Storage item",
    HitKind.BIN: "Bin",
    HitKind.SECTION: "Section",
}


@dataclass(frozen=True)
class ScanHit:
    """One record a scan matched: enough to list it in a chooser and to open it by id."""

    kind: HitKind
    id: int
    title: str
    detail: str


@dataclass(frozen=True)
class ScannedCode:
    """A scan, cleaned and classified."""

    text: str
    kind: CodeKind
    symbology: str | None = None  # for digit codes of a GTIN length
    gtin14: str | None = None  # for a valid GTIN
    label_id: int | None = None  # for a bin or section label

    @property
    def is_gtin(self) -> bool:
        return self.kind is CodeKind.GTIN

    def gtin_spellings(self) -> tuple[str, ...]:
        return gtin_spellings(self.text) if self.is_gtin else ()

    def misread_error(self) -> MisreadBarcodeError | None:
        if self.kind is CodeKind.MISREAD_GTIN and self.symbology is not None:
            return MisreadBarcodeError(self.text, self.symbology)
        return None


def clean_scan(raw: str) -> str:
    """The code without surrounding blanks or control characters some scanners add as prefix or suffix."""
    return "".join(ch for ch in raw if ch.isprintable()).strip()


def _is_ascii_digits(text: str) -> bool:
    # str.isdigit alone accepts other scripts' digits and superscripts, which no barcode contains.
    return text.isascii() and text.isdigit()


def to_gtin14(code: str) -> str:
    """The 14-digit form of a UPC-A, EAN-13, EAN-8 or GTIN-14 (zero-padded on the left).

    Raises MisreadBarcodeError for a wrong check digit and NotABarcodeError for anything else.
    """
    text = clean_scan(code)
    if not _is_ascii_digits(text) or len(text) not in GTIN_SYMBOLOGIES:
        raise NotABarcodeError(text)
    try:
        ean.validate(text)
    except InvalidChecksum:
        raise MisreadBarcodeError(text, GTIN_SYMBOLOGIES[len(text)]) from None
    return text.zfill(GTIN14_LENGTH)


def is_valid_gtin(code: str) -> bool:
    try:
        to_gtin14(code)
    except UserError:
        return False
    return True


def same_gtin(a: str, b: str) -> bool:
    """True when both are valid GTINs of the same product (e.g. a UPC-A and its EAN-13 spelling)."""
    return is_valid_gtin(a) and is_valid_gtin(b) and to_gtin14(a) == to_gtin14(b)


def gtin_spellings(code: str) -> tuple[str, ...]:
    """Every spelling of this GTIN a `upc` column may hold: the 14-digit form with leading zeros dropped
    to 13, 12 and (where the zeros allow) 8 digits. Use it as `upc = ANY(...)`.

    Raises like `to_gtin14`.
    """
    gtin = to_gtin14(code)
    spellings = []
    for length in sorted(GTIN_SYMBOLOGIES):
        dropped = GTIN14_LENGTH - length
        if gtin[:dropped] == "0" * dropped:
            spellings.append(gtin[dropped:])
    return tuple(spellings)


def bin_label_code(bin_id: int) -> str:
    """The code printed on a bin's label; scanning it finds the bin."""
    return f"{BIN_LABEL_PREFIX}{_checked_id(bin_id)}"


def section_label_code(section_id: int) -> str:
    """The code printed on a section's label; scanning it finds the section."""
    return f"{SECTION_LABEL_PREFIX}{_checked_id(section_id)}"


def _checked_id(row_id: int) -> int:
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 < row_id <= _MAX_ROW_ID:
        raise ValueError(f"not a row id: {row_id!r}")
    return row_id


def parse_label_code(code: str) -> tuple[CodeKind, int] | None:
    """(BIN_LABEL or SECTION_LABEL, id) for a label code, else None.

    Case-insensitive: a keyboard-wedge scanner types what the keyboard's Caps Lock makes of it.
    """
    match = _LABEL_PATTERN.fullmatch(clean_scan(code))
    if match is None:
        return None
    row_id = int(match.group(2))
    if not 0 < row_id <= _MAX_ROW_ID:
        return None
    kind = CodeKind.BIN_LABEL if match.group(1).upper() == "BIN" else CodeKind.SECTION_LABEL
    return kind, row_id


def uuid_spellings(code: str) -> tuple[str, ...]:
    """The code, and also its canonical lower-case form when it is a UUID spelled otherwise (a
    scanner with Caps Lock on types it in upper case)."""
    text = clean_scan(code)
    try:
        canonical = str(uuid.UUID(text))
    except ValueError:
        return (text,)
    return (text,) if canonical == text else (text, canonical)


def classify(raw: str) -> ScannedCode:
    """What the scanned string is. Raises EmptyScanError when nothing is left after cleaning."""
    text = clean_scan(raw)
    if not text:
        raise EmptyScanError()
    if _is_ascii_digits(text) and len(text) in GTIN_SYMBOLOGIES:
        symbology = GTIN_SYMBOLOGIES[len(text)]
        try:
            gtin = to_gtin14(text)
        except MisreadBarcodeError:
            return ScannedCode(text, CodeKind.MISREAD_GTIN, symbology=symbology)
        return ScannedCode(text, CodeKind.GTIN, symbology=symbology, gtin14=gtin)
    label = parse_label_code(text)
    if label is not None:
        kind, row_id = label
        return ScannedCode(text, kind, label_id=row_id)
    return ScannedCode(text, CodeKind.TEXT)
