"""Listings as CSV: export what a filter shows, import it back after a preview, all or nothing.

The format: UTF-8 (a byte-order mark is accepted), a header row naming every column in COLUMNS in
any order, then one listing per row. Money is a plain decimal (12.50); times are ISO 8601 in UTC
(2024-05-01T14:30:00Z; an offset is converted, a time without one is taken as UTC); attributes and
platform_statuses are JSON objects and photos a JSON array of URIs. An empty cell is an empty field;
a blank quantity is 1 and a blank status is draft, the defaults. A blank SKU gets a generated one.

Rows are matched to the user's listings by SKU (see repositories/listing_import.py for the rules).
listing_uuid, created_at and updated_at are the app's: they are kept for new rows and never change
an existing listing. Export → import of the same rows finds them unchanged and writes nothing.

Workers here run off the GUI thread: each opens its own unit of work and returns plain data.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from threading import Event
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, RowMapping, func, select, text

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError, UserError, ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.listing_rules import listing_errors
from reseller_desktop.domain.money import from_real, parse_money, to_real
from reseller_desktop.domain.sku import clean_sku, new_sku
from reseller_desktop.repositories.base import ActivityLogWriter
from reseller_desktop.repositories.listing_filters import filter_conditions
from reseller_desktop.repositories.listing_import import FIELD_COLUMNS, STAGED_COLUMNS, ListingImportRepository

# One column per listing field a seller owns, in the contract's order (no id, user_id, collectible_id).
COLUMNS = (
    "listing_uuid", "title", "description", "price", "cost", "condition", "category", "item_type", "attributes",
    "photos", "quantity", "storage_location", "sku", "upc", "status", "sold_platform", "sold_date", "sold_price",
    "platform_statuses", "created_at", "updated_at"
)  # fmt: skip
MONEY = ("price", "cost", "sold_price")
TIMES = ("sold_date", "created_at", "updated_at")
JSON_SHAPES = {"attributes": dict, "photos": list, "platform_statuses": dict}
PLAIN_TEXT = ("description", "category", "item_type", "storage_location", "upc", "sold_platform")
EXPORT_BATCH_ROWS = 2_000
STAGE_BATCH_ROWS = 5_000
# Rows of the file per merge statement: each about a second on a slow machine, far below the 10 s
# statement limit, and the interval at which progress is shown and a cancel is seen.
MERGE_SLICE_ROWS = 5_000

UnitOfWorkFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class TransferProgress:
    phase: str  # Reading, Checking, Writing, Exporting
    done: int
    total: int  # 0 when unknown


ProgressCallback = Callable[[TransferProgress], None]


@dataclass(frozen=True)
class BadRow:
    row_number: int  # as a spreadsheet numbers it: the header is row 1
    reason: str


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


class CsvFileError(UserError):
    """The file as a whole cannot be read as listings (missing, not UTF-8, wrong header)."""


class RowsReport(Protocol):
    """What a refused import reports: an ImportPreview, or the preview of another kind of import."""

    @property
    def bad_rows(self) -> tuple[BadRow, ...]: ...


PreviewT = TypeVar("PreviewT", bound=RowsReport)


class ImportRejectedError(UserError, Generic[PreviewT]):
    def __init__(self, file_name: str, preview: PreviewT) -> None:
        count = len(preview.bad_rows)
        super().__init__(
            f"{count} row{'s' if count != 1 else ''} of {file_name} cannot be imported; nothing was written.",
            "Correct the rows listed with their numbers and import again.",
        )
        self.preview = preview


class ImportCancelledError(UserError):
    def __init__(self) -> None:
        super().__init__("The import was cancelled; nothing was written.")


class ExportCancelledError(UserError):
    def __init__(self) -> None:
        super().__init__("The export was cancelled; no file was written.")


# ---- export ---------------------------------------------------------------------------------------


def export_listings(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    listing_filter: ListingFilter | None = None,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> int:
    """Write the user's listings matching `listing_filter` to `path` in id order; return how many.

    Rows are read in keyset batches, so memory stays flat whatever the count. The file appears only
    when complete (written beside it, then renamed), so a failure never leaves half an export.
    """
    path = Path(path)
    written = 0
    with unit_of_work_factory() as uow:
        conn = uow.connection
        # One snapshot for the whole file although it is read in many statements.
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        where = filter_conditions(conn, uow.user_id, listing_filter or ListingFilter())
        total = int(conn.scalar(select(func.count()).select_from(schema.listings).where(where)) or 0)
        partial = path.with_name(path.name + ".partial")
        try:
            with open_for_writing(partial) as stream:
                writer = csv.writer(stream)
                writer.writerow(COLUMNS)
                for batch in _keyset_batches(conn, where):
                    if cancel is not None and cancel.is_set():
                        raise ExportCancelledError
                    writer.writerows([_export_cell(name, row[name]) for name in COLUMNS] for row in batch)
                    written += len(batch)
                    if progress is not None:
                        progress(TransferProgress("Exporting", written, total))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return written


def _keyset_batches(conn: Connection, where: Any) -> Iterator[Sequence[RowMapping]]:
    """The matching listings in id order, a batch at a time, each starting after the last id seen."""
    t = schema.listings
    last_id = 0
    while True:
        query = select(t).where(where, t.c.id > last_id).order_by(t.c.id).limit(EXPORT_BATCH_ROWS)
        batch = conn.execute(query).mappings().all()
        if not batch:
            return
        yield batch
        last_id = batch[-1]["id"]


def open_for_writing(path: Path) -> io.TextIOWrapper:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CsvFileError(
            f"Cannot write {path.parent}: {exc.strerror}.", "Choose a folder you can write to."
        ) from None


def _export_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in MONEY:
        return str(from_real(value))
    if name in TIMES:
        return f"{value.isoformat()}Z"  # the contract's timestamps are naive UTC
    if name in JSON_SHAPES:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


# ---- import ---------------------------------------------------------------------------------------


def preview_import(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> ImportPreview:
    """What importing `path` would do, with every bad row; nothing is written (the work is rolled back)."""
    with unit_of_work_factory() as uow:
        _, preview = _stage_and_classify(uow, Path(path), progress, cancel)
        return preview


def import_listings(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
    slice_rows: int = MERGE_SLICE_ROWS,
) -> ImportResult:
    """Import `path` in one transaction: every row, or (bad rows, a refusal, cancel) nothing at all.

    The file is read and checked again rather than trusting an earlier preview: it or the listings
    may have changed since.
    """
    path = Path(path)
    with unit_of_work_factory() as uow:
        repository, preview = _stage_and_classify(uow, path, progress, cancel)
        if preview.has_errors:
            raise ImportRejectedError(path.name, preview)
        created = updated = 0
        first, last = repository.row_number_range()
        report_progress(progress, "Writing", 0, preview.to_write)
        for start in range(first, last + 1, slice_rows):
            check_import_cancel(cancel)
            slice_created, slice_updated = repository.merge(start, start + slice_rows)
            created, updated = created + slice_created, updated + slice_updated
            report_progress(progress, "Writing", created + updated, preview.to_write)
        unchanged = preview.to_write + preview.unchanged - created - updated
        if created or updated:  # an import that changes nothing leaves no trace, not even in the log
            repository.record(path.name, created, updated, unchanged)
        check_import_cancel(cancel)
        uow.commit()
    return ImportResult(created, updated, unchanged)


def _stage_and_classify(
    uow: UnitOfWork, path: Path, progress: ProgressCallback | None, cancel: Event | None
) -> tuple[ListingImportRepository, ImportPreview]:
    repository = ListingImportRepository(uow.connection, uow.user_id, ActivityLogWriter(uow.connection, uow.user_id))
    repository.start()
    rows = _CsvRows(path, progress, cancel)
    try:
        for batch in rows.batches():
            repository.stage(batch)  # one COPY per batch, each far within the 10 s statement limit
    except UnicodeDecodeError:
        raise CsvFileError(
            f"{path.name} is not UTF-8 text.",
            "Save it from your spreadsheet as “CSV UTF-8”.",
        ) from None
    except csv.Error as exc:
        raise CsvFileError(f"{path.name} row {rows.row_number} is not valid CSV: {exc}.") from None
    check_import_cancel(cancel)
    report_progress(progress, "Checking", 0, 0)
    reasons = dict(rows.bad_rows)
    for problem in repository.classify(new_sku):
        reason = f"{problem.field}: {problem.message}"
        reasons[problem.row_number] = (
            f"{reasons[problem.row_number]}; {reason}" if problem.row_number in reasons else reason
        )
    counts = repository.counts()
    bad_rows = tuple(BadRow(number, reasons[number]) for number in sorted(reasons))
    return repository, ImportPreview(counts.to_create, counts.to_update, counts.unchanged, bad_rows)


class _CsvRows:
    """Reads the file as batches of staging tuples, collecting bad rows; knows where it is for messages."""

    def __init__(self, path: Path, progress: ProgressCallback | None, cancel: Event | None) -> None:
        self.path = path
        self.progress = progress
        self.cancel = cancel
        self.row_number = 1
        self.bad_rows: list[tuple[int, str]] = []

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        try:
            size = self.path.stat().st_size
            binary = self.path.open("rb")
        except OSError as exc:
            raise CsvFileError(
                f"Cannot read {self.path}: {exc.strerror}.", "Check the file name and try again."
            ) from None
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream)
            header = _read_header(reader, self.path.name)
            width = len(header)
            batch: list[tuple[Any, ...]] = []
            for cells in reader:
                self.row_number += 1
                if len(cells) != width:
                    if any(cell.strip() for cell in cells):
                        self.bad_rows.append(
                            (self.row_number, f"has {len(cells)} cells; the header has {width} columns.")
                        )
                    continue  # else an empty line
                if not any(cells):
                    continue  # a row of empty cells, as spreadsheets leave at the end
                staged, errors = parse_row(self.row_number, dict(zip(header, cells, strict=True)))
                if errors:
                    self.bad_rows.append((self.row_number, "; ".join(f"{e.field}: {e.message}" for e in errors)))
                batch.append(staged)
                if len(batch) == STAGE_BATCH_ROWS:
                    yield batch
                    batch = []
                    check_import_cancel(self.cancel)
                    report_progress(self.progress, "Reading", stream.buffer.tell(), size)
            yield batch
        report_progress(self.progress, "Reading", size, size)


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


_FIELD_POSITION = {name: index for index, name in enumerate(STAGED_COLUMNS)}


def parse_row(row_number: int, cells: dict[str, str]) -> tuple[tuple[Any, ...], list[FieldError]]:
    """One file row as a staging tuple, and every rule it breaks, with the messages the editor shows."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {"title": cells["title"]}
    for name in PLAIN_TEXT:
        values[name] = cells[name] or None
    for name in MONEY:
        cell = cells[name].strip()
        try:
            values[name] = parse_money(cell, name) if cell else None
        except ValidationError as exc:
            errors.extend(exc.errors)
    for name in TIMES:
        values[name] = _parse_time(cells[name], name, errors)
    for name, shape in JSON_SHAPES.items():
        values[name] = _parse_json(cells[name], name, shape, errors)
    quantity = cells["quantity"].strip()
    try:
        values["quantity"] = int(quantity) if quantity else 1
    except ValueError:
        values["quantity"] = quantity  # the rules below name it in the editor's words
    values["condition"] = cells["condition"].strip() or None
    values["status"] = cells["status"].strip() or "draft"
    unparsed = {e.field for e in errors}
    errors += [e for e in listing_errors(values) if e.field not in unparsed]
    sku = clean_sku(cells["sku"])
    keys = (row_number, not errors, sku is None, cells["listing_uuid"].strip() or None)
    if errors:  # staged by its keys only, so duplicates are still found
        staged = [*keys, *(None for _ in FIELD_COLUMNS), None, None]
        staged[_FIELD_POSITION["sku"]] = sku or new_sku()
        return tuple(staged), errors
    for name in MONEY:
        values[name] = to_real(values[name])
    values["sku"] = sku or new_sku()
    return (*keys, *(values[name] for name in FIELD_COLUMNS), values["created_at"], values["updated_at"]), errors


def _parse_time(cell: str, name: str, errors: list[FieldError]) -> datetime | None:
    cell = cell.strip()
    if not cell:
        return None
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        errors.append(FieldError(name, f"{cell!r} is not a date and time; write it like 2024-05-01T14:30:00Z."))
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _parse_json(cell: str, name: str, shape: type, errors: list[FieldError]) -> str | None:
    """The cell as written, once it is known to be JSON of the right shape.

    It is not re-serialised: that doubled the cost of a row, and the import compares JSON as JSON.
    """
    if not cell.strip():
        return None
    example = '{"brand": "Levi\'s"}' if shape is dict else '["file:///photos/a.jpg"]'
    try:
        value: Any = json.loads(cell, parse_constant=_refuse_constant)
    except ValueError:
        value = None
    if isinstance(value, list):
        value = value if all(isinstance(uri, str) for uri in value) else None
    if not isinstance(value, shape):
        kind = "JSON object" if shape is dict else "JSON array of photo URIs"
        errors.append(FieldError(name, f"must be a {kind}, like {example}."))
        return None
    return cell


def _refuse_constant(name: str) -> None:
    """NaN and Infinity are Python's extensions, not JSON; the web app could not read them back."""
    raise ValueError(name)


def check_import_cancel(cancel: Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ImportCancelledError


def report_progress(progress: ProgressCallback | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(TransferProgress(phase, done, total))
