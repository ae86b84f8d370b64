"""Listings as CSV: export what a filter shows, import it back after a preview, all or nothing.

The format: UTF-8 (a byte-order mark is accepted), a header row naming every column in COLUMNS in
any order, then one listing per row. Money is a plain decimal (12.50); times are ISO 8601 in UTC
(2024-05-01T14:30:00Z; an offset is converted, a time without one is taken as UTC); attributes and
platform_statuses are JSON objects and photos a JSON array of URIs. An empty cell is an empty field;
a blank quantity is 1 and a blank status is draft, the defaults. A blank SKU gets a generated one.

Rows are matched to the user's listings by SKU (see repositories/listing_import.py for the rules).
listing_uuid, created_at and updated_at are the app's: they are kept for new rows and never change
an existing listing. Export → import of the same rows finds them unchanged and writes nothing.

Reading with progress and cancel, the export's keyset batches and the one-transaction write are
services/csv_transfer.py's, shared with the card import. Workers here run off the GUI thread: each
opens its own unit of work and returns plain data.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from threading import Event
from typing import Any

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.csv_cells import load_json, read_time
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.listing_rules import listing_errors
from reseller_desktop.domain.money import parse_money, to_real
from reseller_desktop.domain.sku import clean_sku, new_sku
from reseller_desktop.repositories.listing_filters import filter_conditions
from reseller_desktop.repositories.listing_import import (
    FIELD_COLUMNS,
    PROGRESS_ROWS,
    STAGED_COLUMNS,
    ListingImportRepository,
)
from reseller_desktop.services.csv_transfer import (
    BadRow,
    CsvFileError,
    ExportQuery,
    ProgressCallback,
    StagingReader,
    UnitOfWorkFactory,
    cell_text,
    export_csv,
    preview_file,
    refused_rows,
    report_progress,
    staged_import,
)

# One column per listing field a seller owns, in the contract's order (no id, user_id, collectible_id).
COLUMNS = (
    "listing_uuid", "title", "description", "price", "cost", "condition", "category", "item_type", "attributes",
    "photos", "quantity", "storage_location", "sku", "upc", "status", "sold_platform", "sold_date", "sold_price",
    "platform_statuses", "created_at", "updated_at"
)  # fmt: skip
MONEY = ("price", "cost", "sold_price")
JSON_SHAPES = {"attributes": dict, "photos": list, "platform_statuses": dict}


@dataclass(frozen=True)
class ImportPreview:
    to_create: int
    to_update: int
    unchanged: int
    bad_rows: tuple[BadRow, ...]

    @property
    def has_errors(self) -> bool:
        return bool(self.bad_rows)

    @property
    def to_write(self) -> int:
        return self.to_create + self.to_update


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def describe_preview(preview: ImportPreview) -> str:
    """The counts as the dialog and the command line say them."""
    return f"{preview.to_create} to create, {preview.to_update} to update, {preview.unchanged} unchanged"


def describe_result(file_name: str, result: ImportResult) -> str:
    return f"Imported {file_name}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."


# ---- export ---------------------------------------------------------------------------------------


def export_listings(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    listing_filter: ListingFilter | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> int:
    """Write the user's listings matching `listing_filter` to `path` in id order; return how many.

    See csv_transfer.export_csv: flat memory, one snapshot, no half-written file.
    """

    def matching(uow: UnitOfWork) -> ExportQuery:
        where = filter_conditions(uow.connection, uow.user_id, listing_filter or ListingFilter())
        return ExportQuery(schema.listings, where)

    return export_csv(unit_of_work_factory, path, COLUMNS, matching, _export_cell, progress=progress, cancel=cancel)


def _export_cell(name: str, value: Any) -> str:
    if name in JSON_SHAPES and value is not None:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return cell_text(value, money=name in MONEY)


# ---- import ---------------------------------------------------------------------------------------


def preview_import(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> ImportPreview:
    """What importing `path` would do, with every bad row; nothing is written (the work is rolled back)."""
    return preview_file(unit_of_work_factory, path, _stage_and_classify, progress, cancel)


def import_listings(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
    progress_rows: int = PROGRESS_ROWS,
) -> ImportResult:
    """Import `path` in one transaction: every row, or (bad rows, a refusal, cancel) nothing at all.

    The file is read and checked again rather than trusting an earlier preview: it or the listings
    may have changed since. It is written with one INSERT … ON CONFLICT, whose progress is reported
    every `progress_rows` rows of the file.
    """
    path = Path(path)
    with staged_import(unit_of_work_factory, path, _stage_and_classify, progress, cancel) as (repository, preview):
        first, last = repository.row_number_range()
        total = last - first + 1
        report_progress(progress, "Writing", 0, total)
        created, updated = repository.merge(
            lambda row_number: report_progress(progress, "Writing", row_number - first + 1, total), progress_rows
        )
        report_progress(progress, "Writing", total, total)
        unchanged = preview.to_write + preview.unchanged - created - updated
        if created or updated:  # an import that changes nothing leaves no trace, not even in the log
            repository.record(path.name, created, updated, unchanged)
    return ImportResult(created, updated, unchanged)


def _stage_and_classify(
    uow: UnitOfWork, path: Path, progress: ProgressCallback | None, cancel: Event | None
) -> tuple[ListingImportRepository, ImportPreview]:
    repository = ListingImportRepository(uow.connection, uow.user_id, uow.activity_log)
    repository.start()
    rows = _ListingRows(path, progress, cancel)
    rows.stage_into(repository.stage)
    problems = repository.classify(new_sku)
    counts = repository.counts()
    bad_rows = refused_rows(rows.bad_rows, ((p.row_number, f"{p.field}: {p.message}") for p in problems))
    return repository, ImportPreview(counts.to_create, counts.to_update, counts.unchanged, bad_rows)


class _ListingRows(StagingReader):
    def _header(self, stream: io.TextIOWrapper) -> tuple[Iterator[list[str]], list[str]]:
        reader = csv.reader(stream)
        self.row_number = 1
        header = _read_header(reader, self.path.name)
        self._in_order = operator.itemgetter(*(header.index(name) for name in COLUMNS))
        return reader, header

    def _staged(self, cells: list[str]) -> tuple[Any, ...]:
        staged, errors = parse_row(self.row_number, self._in_order(cells))
        if errors:
            self.bad_rows.append((self.row_number, "; ".join(f"{e.field}: {e.message}" for e in errors)))
        return staged


def _read_header(reader: Iterator[list[str]], file_name: str) -> list[str]:
    hint = f"The first row must name these columns, in any order: {', '.join(COLUMNS)}. An export has them."
    header = [name.strip().lower() for name in next(reader, [])]
    if not header:
        raise CsvFileError(f"{file_name} is empty.", hint)
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    repeated = sorted({name for name in header if header.count(name) > 1})
    problems = [
        f"{label}: {', '.join(names)}"
        for label, names in (("missing", missing), ("unknown", unknown), ("repeated", repeated))
        if names
    ]
    if problems:
        raise CsvFileError(f"{file_name} does not have the listing columns ({'; '.join(problems)}).", hint)
    return header


# A plain amount in the export's own form: at most 99,999.99, whole cents, nothing to strip. Such a
# cell is read as is; anything else goes through parse_money, for its rules and its messages.
_PLAIN_MONEY = re.compile(r"\d{1,5}(?:\.\d{1,2})?")
_STAGED_FIELDS = operator.itemgetter(*FIELD_COLUMNS)
_SKU_POSITION = STAGED_COLUMNS.index("sku")


def parse_row(row_number: int, cells: Sequence[str]) -> tuple[tuple[Any, ...], list[FieldError]]:
    """One file row (cells in COLUMNS order) as a staging tuple, and every rule it breaks, with the
    messages the editor shows.

    This runs once per row of files of a million rows: it reads cells in the common forms directly
    and leaves the rules to listing_errors, so the rules and messages are the editor's.
    """
    (listing_uuid, title, description, price, cost, condition, category, item_type, attributes, photos, quantity,
     storage_location, sku_cell, upc, status, sold_platform, sold_date, sold_price, platform_statuses, created_at,
     updated_at) = cells  # fmt: skip
    errors: list[FieldError] = []
    values: dict[str, Any] = {
        "title": title,
        "description": description or None,
        "category": category or None,
        "item_type": item_type or None,
        "storage_location": storage_location or None,
        "upc": upc or None,
        "sold_platform": sold_platform or None,
        "price": _money(price, "price", errors),
        "cost": _money(cost, "cost", errors),
        "sold_price": _money(sold_price, "sold_price", errors),
        "sold_date": read_time(sold_date, "sold_date", errors) if sold_date else None,
        "created_at": read_time(created_at, "created_at", errors) if created_at else None,
        "updated_at": read_time(updated_at, "updated_at", errors) if updated_at else None,
        "attributes": _parse_json(attributes, "attributes", dict, errors),
        "photos": _parse_json(photos, "photos", list, errors),
        "platform_statuses": _parse_json(platform_statuses, "platform_statuses", dict, errors),
        "quantity": _quantity(quantity),
        "condition": condition.strip() or None,
        "status": status.strip() or "draft",
    }
    unparsed = {e.field for e in errors}
    errors += [e for e in listing_errors(values) if e.field not in unparsed]
    sku = clean_sku(sku_cell)
    keys = (row_number, not errors, sku is None, listing_uuid.strip() or None)
    if errors:  # staged by its keys only, so duplicates are still found
        staged = [*keys, *(None for _ in FIELD_COLUMNS), None, None]
        staged[_SKU_POSITION] = sku or new_sku()
        return tuple(staged), errors
    for name in MONEY:
        values[name] = to_real(values[name])
    values["sku"] = sku or new_sku()
    return (*keys, *_STAGED_FIELDS(values), values["created_at"], values["updated_at"]), errors


def _money(cell: str, name: str, errors: list[FieldError]) -> Decimal | None:
    if _PLAIN_MONEY.fullmatch(cell):
        return Decimal(cell)
    cell = cell.strip()
    if not cell:
        return None
    try:
        return parse_money(cell, name)
    except ValidationError as exc:
        errors.extend(exc.errors)
        return None


def _quantity(cell: str) -> int | str:
    """A whole number; a blank cell is 1, the default. Anything else is kept for the rules to name."""
    cell = cell.strip()
    try:
        return int(cell) if cell else 1
    except ValueError:
        return cell


def _parse_json(cell: str, name: str, shape: type, errors: list[FieldError]) -> str | None:
    """The cell as written, once it is known to be JSON of the right shape.

    It is not re-serialised: that doubled the cost of a row, and the import compares JSON as JSON.
    """
    if not cell or cell.isspace():
        return None
    example = '{"brand": "Levi\'s"}' if shape is dict else '["file:///photos/a.jpg"]'
    try:
        value: Any = load_json(cell)
    except ValueError:
        value = None
    if isinstance(value, list):
        value = value if all(isinstance(uri, str) for uri in value) else None
    if not isinstance(value, shape):
        kind = "JSON object" if shape is dict else "JSON array of photo URIs"
        errors.append(FieldError(name, f"must be a {kind}, like {example}."))
        return None
    return cell
