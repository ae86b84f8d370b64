"""Card collections exported by collector apps, told apart by their header row and read row by row.

A file's format is recognised by the names in its header, never by column order; names are compared
without case or surrounding space, Collectr's "Market Price (As of 2024-06-01)" counts as
"market price" whatever the date, and columns a format does not use are ignored (apps add some).

How a row becomes a card (every app row is card_type "tcg"; text is kept verbatim, blank is NULL):
- title: ManaBox Name, Collectr Product Name, TCGplayer Name (not Simple Name: Name keeps
  "(Borderless)" and the like apart), Dragon Shield Card Name.
- set_code, set_name, card_number (ManaBox Collector number), rarity as written.
- card_subtype: ManaBox Foil, Collectr Variance, TCGplayer and Dragon Shield Printing, verbatim
  ("foil", "etched", "Cosmos Holo", "Stamped"...); "Normal" or blank is NULL. A ManaBox Misprint or
  Altered that is true is added to it ("foil, misprint"), so such a copy never merges with a plain one.
- card_condition and language verbatim ("near_mint", "NearMint", "Near Mint"; "en", "English").
- purchase_price: Purchase price, Average Cost Paid, Price Bought. estimated_value: Collectr's
  Price Override when set (blank or 0 is not set) else its Market Price; Dragon Shield MARKET
  (LOW and MID are not kept). Amounts are US dollars rounded to the cent; "$" and thousands commas
  are accepted. A ManaBox price in another currency is not put among dollar amounts: the card's
  notes say "Bought for 1.50 EUR" and the preview warns about the row.
- game_name: "Magic: The Gathering" for ManaBox and Dragon Shield, Collectr's Category, NULL for
  TCGplayer (its export does not say the game).
- Collectr Grade "PSA 10", "BGS 9.5", "CGC 10" → grading_company and grading_score; "Ungraded" or
  blank → NULL; a grade without a number ("PSA Authentic") keeps the company and notes the grade.
- Binder Name, Folder Name, Portfolio Name → a tag in custom_categories (a JSON list); a Collectr
  row on the watchlist gets the tag "Collectr watchlist" (it may not be owned: the tag finds them).
- ManaBox ID, Scryfall ID, TCGplayer Product ID and SKU → source_ids, a JSON object.
- notes: Collectr Notes; Dragon Shield "Bought 2023-04-01" and "2 for trade"; the notes above.
- Quantity: a whole number from 0; blank is 1.
Our own export has one column per card_collections column, named as the column; see OWN_* below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from reseller_desktop.domain.card_rules import check_card
from reseller_desktop.domain.csv_cells import load_json, read_time
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import CENT, parse_money
from reseller_desktop.domain.records import CardRecord, field_names

MTG = "Magic: The Gathering"
WATCHLIST_TAG = "Collectr watchlist"
MAX_QUANTITY = 1_000_000  # per row; more is a slip of the keyboard, and the sums must fit the column
# What makes two rows the same card: rows equal in all of these merge into one card.
# set_name as well as set_code: Collectr writes no set code, and a reprint (Base Set Charizard 4/102
# and its Celebrations reprint 4/102) is another card.
IDENTITY = (
    "game_name", "set_code", "set_name", "card_number", "title", "card_subtype", "card_condition", "language",
    "grading_company", "grading_score", "grading_serial",
)  # fmt: skip

# Our own export: every column of the card record. id and user_id are this database's, value_tier is
# computed by the database from estimated_value: they are written out but never read back in.
OWN_COLUMNS = field_names(CardRecord)
OWN_IGNORED = ("id", "user_id", "value_tier")
OWN_INTEGERS = ("quantity", "storage_item_id", "year", "listing_id")
OWN_NUMBERS = ("grading_score", "ai_confidence")
OWN_MONEY = ("estimated_value", "purchase_price")
OWN_FLAGS = ("is_rookie_card", "ai_identified")
OWN_JSON = ("custom_categories", "format_legality", "photos", "source_ids")
OWN_TIMES = ("created_at", "updated_at")
# The card fields an import writes (card_uuid, created_at and updated_at are handled on their own).
CARD_FIELDS = tuple(n for n in OWN_COLUMNS if n not in {*OWN_IGNORED, "card_uuid", *OWN_TIMES})

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}
_GRADE = re.compile(r"(?P<company>[A-Za-z][^\d]*?)\s*(?P<score>\d{1,2}(?:\.\d+)?)\b\s*(?P<rest>.*)")
# A grade without a number ("PSA Authentic") is taken only from a company known to grade that way.
_UNSCORED_GRADE = re.compile(r"(PSA|BGS|Beckett|CGC|SGC|TAG|HGA|ACE)\s+[^\d]+", re.IGNORECASE)
_AS_OF = re.compile(r"\s*\(as of [^)]*\)$")


@dataclass
class ParsedRow:
    """One file row as card field values, the rules it breaks, and what the preview should point out."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    card_uuid: str | None = None


@dataclass(frozen=True)
class CardFormat:
    key: str
    name: str
    signature: frozenset[str]  # columns that together tell this format from the others
    required: tuple[str, ...]  # columns without which its rows cannot be read
    read: Callable[[Mapping[str, str]], ParsedRow]  # cells by canonical column name, blanks for absent ones
    labels: Mapping[str, str] = field(default_factory=dict)  # card field → the file's column, for messages


def canonical(column: str) -> str:
    """A header name as formats are matched: no case, single spaces, no Collectr "(As of …)" date."""
    return _AS_OF.sub("", " ".join(column.split()).casefold())


def recognise(header: Sequence[str]) -> CardFormat | None:
    names = {canonical(name) for name in header}
    return next((f for f in FORMATS if f.signature <= names), None)


def missing_columns(card_format: CardFormat, header: Sequence[str]) -> list[str]:
    names = {canonical(name) for name in header}
    return [name for name in card_format.required if name not in names]


def read_row(card_format: CardFormat, cells: Mapping[str, str]) -> ParsedRow:
    """The row (cells by canonical column name) as a card, checked by the rules every card follows."""
    row = card_format.read(_Cells(cells))
    try:  # cells that could not be read are None (or 1) by now, so they are not reported twice
        check_card(row.values)
    except ValidationError as exc:
        row.errors += [FieldError(card_format.labels.get(e.field, e.field), e.message) for e in exc.errors]
    return row


# ---- cells ----------------------------------------------------------------------------------------


class _Cells(dict[str, str]):
    """A row's cells; a column the file does not have reads as a blank cell."""

    def __missing__(self, key: str) -> str:
        return ""


def _text(cell: str | None) -> str | None:
    return (cell or "").strip() or None


def _quantity(cell: str, column: str, row: ParsedRow) -> int:
    cell = cell.strip()
    if not cell:
        return 1
    try:
        number = int(cell)
    except ValueError:
        number = -1
    if not 0 <= number <= MAX_QUANTITY:
        row.errors.append(FieldError(column, f"{cell!r} is not a quantity; write a whole number from 0."))
        return 1
    return number


def _money(cell: str, column: str, row: ParsedRow) -> Decimal | None:
    """An amount rounded to the cent (apps write prices like 0.125); nonsense is an error on the row."""
    text = cell.strip().replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        amount = Decimal(text).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        row.errors.append(FieldError(column, f"{cell!r} is not an amount of money; write it like 12.50."))
        return None
    try:
        return parse_money(str(amount), column)  # refuses what is not a number, negative or too large
    except ValidationError as exc:
        row.errors.extend(exc.errors)
        return None


def _flag(cell: str, column: str, row: ParsedRow) -> bool:
    word = cell.strip().casefold()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    row.errors.append(FieldError(column, f"{cell!r} is neither true nor false."))
    return False


def _subtype(*parts: str | None) -> str | None:
    kept = [p.strip() for p in parts if p and p.strip() and p.strip().casefold() != "normal"]
    return ", ".join(kept) or None


def _tags(*names: str | None) -> str | None:
    tags = [name.strip() for name in names if name and name.strip()]
    return _json(list(dict.fromkeys(tags))) if tags else None


def _ids(**ids: str | None) -> str | None:
    kept = {key: value.strip() for key, value in ids.items() if value and value.strip()}
    return _json(kept) if kept else None


def _json(value: Any) -> str:
    """JSON text as the app writes it everywhere (see db/json_text.py)."""
    return _ENCODER.encode(value)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _notes(*parts: str | None) -> str | None:
    return "\n".join(p.strip() for p in parts if p and p.strip()) or None


def _grade(cell: str, row: ParsedRow) -> str | None:
    """Set grading_company and grading_score from "PSA 10"; returns a note for a grade without a number."""
    text = cell.strip()
    if not text or text.casefold() in {"ungraded", "raw", "none"}:
        return None
    match = _GRADE.fullmatch(text)
    if match is not None:
        row.values["grading_company"] = match["company"]
        row.values["grading_score"] = float(match["score"])
        return f"Grade: {text}" if match["rest"] else None
    if _UNSCORED_GRADE.fullmatch(text):  # "PSA Authentic": graded, with no number
        row.values["grading_company"] = text.split()[0]
        return f"Grade: {text}"
    row.errors.append(FieldError("Grade", f"{text!r} is not a grade; write it like PSA 10 or BGS 9.5, or Ungraded."))
    return None


# ---- the formats ----------------------------------------------------------------------------------


def _tcg(title: str, **values: Any) -> ParsedRow:
    return ParsedRow(values={"card_type": "tcg", "title": title.strip(), **values})


def _read_manabox(c: Mapping[str, str]) -> ParsedRow:
    row = _tcg(c["name"], game_name=MTG, set_code=_text(c["set code"]), set_name=_text(c["set name"]))
    v = row.values
    v["card_number"] = _text(c["collector number"])
    v["rarity"] = _text(c["rarity"])
    marks = [word for word in ("misprint", "altered") if _flag(c[word], word.title(), row)]
    v["card_subtype"] = _subtype(c["foil"], *marks)
    v["card_condition"], v["language"] = _text(c["condition"]), _text(c["language"])
    v["quantity"] = _quantity(c["quantity"], "Quantity", row)
    v["custom_categories"] = _tags(c["binder name"])
    v["source_ids"] = _ids(manabox_id=c["manabox id"], scryfall_id=c["scryfall id"])
    price = _money(c["purchase price"], "Purchase price", row)
    currency = c["purchase price currency"].strip().upper()
    if price is not None and currency not in {"", "USD"}:
        v["notes"] = f"Bought for {price} {currency}"
        row.warnings.append(
            f"Purchase price {price} {currency} is kept in the card's notes; the app's prices are in US dollars."
        )
    else:
        v["purchase_price"] = price
    return row


def _read_collectr(c: Mapping[str, str]) -> ParsedRow:
    row = _tcg(c["product name"], game_name=_text(c["category"]), set_name=_text(c["set"]))
    v = row.values
    v["card_number"], v["rarity"] = _text(c["card number"]), _text(c["rarity"])
    v["card_subtype"] = _subtype(c["variance"])
    v["card_condition"] = _text(c["card condition"])
    grade_note = _grade(c["grade"], row)
    v["purchase_price"] = _money(c["average cost paid"], "Average Cost Paid", row)
    v["quantity"] = _quantity(c["quantity"], "Quantity", row)
    market = _money(c["market price"], "Market Price", row)
    override = _money(c["price override"], "Price Override", row)
    v["estimated_value"] = override if override else market
    watched = _flag(c["watchlist"], "Watchlist", row)
    v["custom_categories"] = _tags(c["portfolio name"], WATCHLIST_TAG if watched else None)
    v["notes"] = _notes(c["notes"], grade_note)
    return row


def _read_tcgplayer(c: Mapping[str, str]) -> ParsedRow:
    row = _tcg(c["name"] or c["simple name"], set_name=_text(c["set"]), set_code=_text(c["set code"]))
    v = row.values
    v["card_number"], v["rarity"] = _text(c["card number"]), _text(c["rarity"])
    v["card_subtype"] = _subtype(c["printing"])
    v["card_condition"], v["language"] = _text(c["condition"]), _text(c["language"])
    v["quantity"] = _quantity(c["quantity"], "Quantity", row)
    v["source_ids"] = _ids(tcgplayer_product_id=c["product id"], tcgplayer_sku=c["sku"])
    return row


def _read_dragon_shield(c: Mapping[str, str]) -> ParsedRow:
    row = _tcg(c["card name"], game_name=MTG, set_code=_text(c["set code"]), set_name=_text(c["set name"]))
    v = row.values
    v["card_number"] = _text(c["card number"])
    v["card_subtype"] = _subtype(c["printing"])
    v["card_condition"], v["language"] = _text(c["condition"]), _text(c["language"])
    v["quantity"] = _quantity(c["quantity"], "Quantity", row)
    trade = _quantity(c["trade quantity"] or "0", "Trade Quantity", row)
    v["purchase_price"] = _money(c["price bought"], "Price Bought", row)
    v["estimated_value"] = _money(c["market"], "MARKET", row)
    v["custom_categories"] = _tags(c["folder name"])
    bought = _text(c["date bought"])
    v["notes"] = _notes(f"Bought {bought}" if bought else None, f"{trade} for trade" if trade else None)
    return row


def _read_own(c: Mapping[str, str]) -> ParsedRow:
    row = ParsedRow(card_uuid=_text(c["card_uuid"]))
    v = row.values
    for name in CARD_FIELDS:
        cell = c[name]
        if name == "quantity":
            v[name] = _quantity(cell, name, row)
        elif name in OWN_INTEGERS:
            v[name] = _number(cell, name, row, int)
        elif name in OWN_NUMBERS:
            v[name] = _number(cell, name, row, float)
        elif name in OWN_MONEY:
            v[name] = _money(cell, name, row)
        elif name in OWN_FLAGS:
            v[name] = _flag(cell, name, row) if cell.strip() else None
        elif name in OWN_JSON:
            v[name] = _json_cell(cell, name, row)
        else:
            v[name] = cell or None  # verbatim, spaces too, so a round trip changes nothing
    for name in OWN_TIMES:
        v[name] = read_time(c[name], name, row.errors)
    return row


def _number(cell: str, name: str, row: ParsedRow, kind: type[int] | type[float]) -> Any:
    cell = cell.strip()
    if not cell:
        return None
    try:
        number = kind(cell)
    except ValueError:
        number = None
    if number is None or (kind is int and not -(2**31) <= number < 2**31) or number != number:  # noqa: PLR0124 - NaN
        what = "a whole number" if kind is int else "a number"
        row.errors.append(FieldError(name, f"{cell!r} is not {what}."))
        return None
    return number


def _json_cell(cell: str, name: str, row: ParsedRow) -> str | None:
    """The cell as written, once it is known to be JSON (kept as is so a round trip changes nothing)."""
    if not cell.strip():
        return None
    try:
        load_json(cell)
    except ValueError:
        row.errors.append(FieldError(name, 'must be JSON, like ["Binder 1"] or {"scryfall_id": "…"}.'))
        return None
    return cell


OWN_REQUIRED = tuple(n for n in OWN_COLUMNS if n not in OWN_IGNORED)
FORMATS = (
    CardFormat("reseller", "Reseller Desktop export", frozenset({"card_uuid", "card_type"}), OWN_REQUIRED, _read_own),
    CardFormat(
        "manabox",
        "ManaBox",
        frozenset({"manabox id", "scryfall id"}),
        ("name", "set code", "collector number", "foil", "quantity"),
        _read_manabox,
        {"title": "Name"},
    ),
    CardFormat(
        "collectr",
        "Collectr",
        frozenset({"portfolio name", "product name"}),
        ("product name", "quantity"),
        _read_collectr,
        {"title": "Product Name", "grading_score": "Grade"},
    ),
    CardFormat(
        "tcgplayer",
        "TCGplayer app",
        frozenset({"simple name", "product id"}),
        ("name", "quantity"),
        _read_tcgplayer,
        {"title": "Name"},
    ),
    CardFormat(
        "dragon_shield",
        "Dragon Shield",
        frozenset({"folder name", "card name", "trade quantity"}),
        ("card name", "quantity"),
        _read_dragon_shield,
        {"title": "Card Name"},
    ),
)
