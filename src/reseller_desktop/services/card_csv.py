"""Trading cards as CSV: import the exports of collector apps or our own, export ours; all or nothing.

A file is recognised by its header (domain/card_csv_formats.py says which apps and how each column
is read); repositories/card_import.py says how rows become cards: rows of the same card merge, a
card the user already owns gains the quantity, our own export's rows update the card with their
card_uuid. Any bad row refuses the whole file, naming every bad row; warnings (a price in another
currency, a storage item that is not the user's) do not.

The file is UTF-8, with or without a byte-order mark, any line endings. A first line `sep=,` (as
Dragon Shield writes) sets the delimiter and counts as row 1; otherwise the header is row 1.

Our export: one column per card_collections column, named as the column, in the record's order.
Money is a plain decimal (12.50), times ISO 8601 UTC (2024-05-01T14:30:00Z), flags true/false, JSON
columns the JSON text as stored. id, user_id and value_tier are written but not read back.

Workers here run off the GUI thread: each opens its own unit of work and returns plain data.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from threading import Event
from typing import Any

from sqlalchemy import Connection, RowMapping, Text, func, select, text, type_coerce

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.card_csv_formats import (
    CARD_FIELDS,
    FORMATS,
    OWN_COLUMNS,
    OWN_JSON,
    OWN_MONEY,
    CardFormat,
    ParsedRow,
    canonical,
    missing_columns,
    read_row,
    recognise,
)
from reseller_desktop.domain.money import from_real, to_real
from reseller_desktop.repositories.base import ActivityLogWriter
from reseller_desktop.repositories.card_import import CardImportRepository, StagedCounts
from reseller_desktop.services.listing_csv import (
    BadRow,
    CsvFileError,
    ExportCancelledError,
    ImportRejectedError,
    ProgressCallback,
    UnitOfWorkFactory,
    check_import_cancel,
    open_for_writing,
    report_progress,
)

EXPORT_BATCH_ROWS = 2_000
STAGE_BATCH_ROWS = 5_000
WRITE_SLICE_ROWS = 5_000  # rows of the file per write: well within the statement time limit, with triggers
_SEP_LINE = re.compile(r'"?sep=(.)"?')


@dataclass(frozen=True)
class CardImportPreview:
    format_name: str  # "ManaBox", "Reseller Desktop export"...
    to_create: int
    to_merge: int  # rows that add to another card (of the file, or one you own) instead of making one
    into_owned: int  # of those, rows that add to cards you already own
    to_update: int  # rows of our export that change the card with their card_uuid
    unchanged: int
    bad_rows: tuple[BadRow, ...]
    warnings: tuple[BadRow, ...]  # imported all the same

    @property
    def has_errors(self) -> bool:
        return bool(self.bad_rows)

    @property
    def to_write(self) -> int:
        return self.to_create + self.to_merge + self.to_update


@dataclass(frozen=True)
class CardImportResult:
    format_name: str
    created: int
    merged: int
    into_owned: int
    updated: int
    unchanged: int
    warnings: tuple[BadRow, ...] = ()


# ---- export ---------------------------------------------------------------------------------------


def export_cards(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> int:
    """Write all the user's cards to `path` in id order; return how many.

    Rows are read in keyset batches, so memory stays flat whatever the count. The file appears only
    when complete (written beside it, then renamed), so a failure never leaves half an export.
    """
    path = Path(path)
    written = 0
    with unit_of_work_factory() as uow:
        conn = uow.connection
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))  # one snapshot for all batches
        t = schema.card_collections
        total = int(conn.scalar(select(func.count()).select_from(t).where(t.c.user_id == uow.user_id)) or 0)
        partial = path.with_name(path.name + ".partial")
        try:
            with open_for_writing(partial) as stream:
                writer = csv.writer(stream)
                writer.writerow(OWN_COLUMNS)
                for batch in _keyset_batches(conn, uow):
                    if cancel is not None and cancel.is_set():
                        raise ExportCancelledError
                    writer.writerows([_export_cell(name, row[name]) for name in OWN_COLUMNS] for row in batch)
                    written += len(batch)
                    report_progress(progress, "Exporting", written, total)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return written


def _keyset_batches(conn: Connection, uow: UnitOfWork) -> Iterator[list[RowMapping]]:
    """The user's cards in id order, a batch at a time, each starting after the last id seen."""
    t = schema.card_collections
    # JSON columns as the text stored, so what another client wrote goes out (and comes back) as is.
    columns = [type_coerce(t.c[name], Text).label(name) if name in OWN_JSON else t.c[name] for name in OWN_COLUMNS]
    last_id = 0
    while True:
        query = select(*columns).where(t.c.user_id == uow.user_id, t.c.id > last_id).order_by(t.c.id)
        batch = list(conn.execute(query.limit(EXPORT_BATCH_ROWS)).mappings())
        if not batch:
            return
        yield batch
        last_id = batch[-1]["id"]


def _export_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in OWN_MONEY:
        return str(from_real(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"{value.isoformat()}Z"  # the contract's timestamps are naive UTC
    return str(value)


# ---- import ---------------------------------------------------------------------------------------


def preview_card_import(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> CardImportPreview:
    """What importing `path` would do, with every bad row; nothing is written (the work is rolled back)."""
    with unit_of_work_factory() as uow:
        _, _, preview = _stage_and_classify(uow, Path(path), progress, cancel)
        return preview


def import_cards(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
    slice_rows: int = WRITE_SLICE_ROWS,
) -> CardImportResult:
    """Import `path` in one transaction: every row, or (bad rows, cancel, a failure) nothing at all.

    The file is read and checked again rather than trusting an earlier preview: it or the cards may
    have changed since.
    """
    path = Path(path)
    with unit_of_work_factory() as uow:
        repository, counts, preview = _stage_and_classify(uow, path, progress, cancel)
        if preview.has_errors:
            raise ImportRejectedError(path.name, preview)
        first, last = repository.row_number_range()
        report_progress(progress, "Writing", 0, last - first + 1)
        for start in range(first, last + 1, slice_rows):
            check_import_cancel(cancel)
            repository.write(start, start + slice_rows)
            report_progress(progress, "Writing", min(start + slice_rows, last + 1) - first, last - first + 1)
        if preview.to_write:  # an import that changes nothing leaves no trace, not even in the log
            repository.record(path.name, preview.format_name, counts)
        check_import_cancel(cancel)
        uow.commit()
    return CardImportResult(
        preview.format_name,
        counts.to_create,
        counts.to_merge,
        counts.into_owned,
        counts.to_update,
        counts.unchanged,
        preview.warnings,
    )


def _stage_and_classify(
    uow: UnitOfWork, path: Path, progress: ProgressCallback | None, cancel: Event | None
) -> tuple[CardImportRepository, StagedCounts, CardImportPreview]:
    repository = CardImportRepository(uow.connection, uow.user_id, ActivityLogWriter(uow.connection, uow.user_id))
    repository.start()
    rows = _CardRows(path, progress, cancel)
    try:
        for batch in rows.batches():
            repository.stage(batch)  # one COPY per batch, each far within the statement time limit
    except UnicodeDecodeError:
        raise CsvFileError(f"{path.name} is not UTF-8 text.", "Save it from your spreadsheet as “CSV UTF-8”.") from None
    except csv.Error as exc:
        raise CsvFileError(f"{path.name} row {rows.row_number} is not valid CSV: {exc}.") from None
    check_import_cancel(cancel)
    report_progress(progress, "Checking", 0, 0)
    problems, notes = repository.classify()
    reasons = dict(rows.bad_rows)
    for problem in problems:
        known = reasons.get(problem.row_number)
        reasons[problem.row_number] = f"{known}; {problem.message}" if known else problem.message
    warnings = rows.warnings + [(note.row_number, note.message) for note in notes]
    counts = repository.counts()
    assert rows.format is not None  # batches() raises when the header names no format
    preview = CardImportPreview(
        rows.format.name,
        counts.to_create,
        counts.to_merge,
        counts.into_owned,
        counts.to_update,
        counts.unchanged,
        tuple(BadRow(number, reasons[number]) for number in sorted(reasons)),
        tuple(BadRow(number, message) for number, message in sorted(warnings)),
    )
    return repository, counts, preview


class _CardRows:
    """Reads the file as batches of staging tuples, collecting bad rows and warnings."""

    def __init__(self, path: Path, progress: ProgressCallback | None, cancel: Event | None) -> None:
        self.path = path
        self.progress = progress
        self.cancel = cancel
        self.row_number = 0
        self.format: CardFormat | None = None
        self.bad_rows: list[tuple[int, str]] = []
        self.warnings: list[tuple[int, str]] = []

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        try:
            size = self.path.stat().st_size
            binary = self.path.open("rb")
        except OSError as exc:
            raise CsvFileError(
                f"Cannot read {self.path}: {exc.strerror}.", "Check the file name and try again."
            ) from None
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as stream:
            reader, header = self._header(stream)
            width = len(header)
            batch: list[tuple[Any, ...]] = []
            for cells in reader:
                self.row_number += 1
                while len(cells) > width and not cells[-1].strip():
                    cells.pop()  # a trailing delimiter some apps leave
                if len(cells) != width:
                    if any(cell.strip() for cell in cells):
                        self.bad_rows.append(
                            (self.row_number, f"has {len(cells)} cells; the header has {width} columns.")
                        )
                    continue  # else an empty line
                if not any(cell.strip() for cell in cells):
                    continue  # a row of empty cells, as spreadsheets leave at the end
                batch.append(self._staged(dict(zip(header, cells, strict=True))))
                if len(batch) == STAGE_BATCH_ROWS:
                    yield batch
                    batch = []
                    check_import_cancel(self.cancel)
                    report_progress(self.progress, "Reading", stream.buffer.tell(), size)
            yield batch
        report_progress(self.progress, "Reading", size, size)

    def _header(self, stream: io.TextIOWrapper) -> tuple[Iterator[list[str]], list[str]]:
        """The reader positioned after the header, and the header's canonical names; knows the format."""
        first_line = stream.readline()
        if sep := _SEP_LINE.fullmatch(first_line.strip()):
            reader = csv.reader(stream, delimiter=sep.group(1))
            self.row_number = 2
        else:
            reader = csv.reader(itertools.chain([first_line], stream))
            self.row_number = 1
        first = next(reader, [])
        header = [canonical(name) for name in first]
        known = ", ".join(f.name for f in FORMATS if f.key != "reseller") + " or this app's own card export"
        if not any(header):
            raise CsvFileError(f"{self.path.name} is empty.", f"Import a card export from one of: {known}.")
        self.format = recognise(header)
        if self.format is None:
            raise CsvFileError(
                f"{self.path.name} is not a card export this app knows (its header starts {', '.join(first[:4])}).",
                f"Export your collection as CSV from one of: {known}.",
            )
        missing = missing_columns(self.format, header)
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if missing or repeated:
            problems = [f"{label}: {', '.join(n)}" for label, n in (("missing", missing), ("repeated", repeated)) if n]
            raise CsvFileError(
                f"{self.path.name} looks like a {self.format.name} file but {'; '.join(problems)}.",
                "Export it again from the app, without editing its header.",
            )
        return reader, header

    def _staged(self, cells: dict[str, str]) -> tuple[Any, ...]:
        assert self.format is not None
        parsed = read_row(self.format, cells)
        self.warnings += [(self.row_number, warning) for warning in parsed.warnings]
        if parsed.errors:
            reason = "; ".join(f"{e.field}: {e.message}" for e in parsed.errors)
            self.bad_rows.append((self.row_number, reason))
            # staged by its key only, so a repeated card_uuid is still found
            return (self.row_number, False, parsed.card_uuid, *(None for _ in CARD_FIELDS), None, None)
        return _staging_tuple(self.row_number, parsed)


_MONEY_POSITIONS = [index for index, name in enumerate(CARD_FIELDS) if name in OWN_MONEY]


def _staging_tuple(row_number: int, parsed: ParsedRow) -> tuple[Any, ...]:
    values = parsed.values
    fields = list(map(values.get, CARD_FIELDS))  # the hot loop of a big file: kept lean
    for index in _MONEY_POSITIONS:
        fields[index] = to_real(fields[index])
    return (row_number, True, parsed.card_uuid, *fields, values.get("created_at"), values.get("updated_at"))


def describe_counts(preview: CardImportPreview | CardImportResult) -> str:
    """The counts as the dialog and the command line say them."""
    if isinstance(preview, CardImportPreview):
        created, merged, owned, updated, unchanged = (
            preview.to_create, preview.to_merge, preview.into_owned, preview.to_update, preview.unchanged
        )  # fmt: skip
        words = ("to create", "to merge", "into cards you already own", "to update", "unchanged")
    else:
        created, merged, owned, updated, unchanged = (
            preview.created, preview.merged, preview.into_owned, preview.updated, preview.unchanged
        )  # fmt: skip
        words = ("created", "merged", "into cards you already owned", "updated", "unchanged")
    parts = [f"{created} {words[0]}", f"{merged} {words[1]}" + (f" ({owned} {words[2]})" if owned else "")]
    parts += [f"{count} {word}" for count, word in ((updated, words[3]), (unchanged, words[4])) if count]
    if isinstance(preview, CardImportPreview):
        parts.append(f"{len(preview.bad_rows)} refused")
    return ", ".join(parts)
