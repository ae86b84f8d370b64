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

Reading with progress and cancel, the export's keyset batches and the one-transaction write are
services/csv_transfer.py's, shared with the listings' import. Workers here run off the GUI thread:
each opens its own unit of work and returns plain data.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from threading import Event
from typing import Any

from sqlalchemy import Text, type_coerce

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
from reseller_desktop.domain.money import to_real
from reseller_desktop.repositories.card_import import CardImportRepository
from reseller_desktop.services.csv_transfer import (
    WRITE_SLICE_ROWS,
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
    staged_import,
    write_slices,
)

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

    See csv_transfer.export_csv: flat memory, one snapshot, no half-written file.
    """
    return export_csv(
        unit_of_work_factory, path, OWN_COLUMNS, _all_cards, _export_cell, progress=progress, cancel=cancel
    )


def _all_cards(uow: UnitOfWork) -> ExportQuery:
    t = schema.card_collections
    # JSON columns as the text stored, so what another client wrote goes out (and comes back) as is.
    columns = tuple(type_coerce(t.c[n], Text).label(n) if n in OWN_JSON else t.c[n] for n in OWN_COLUMNS)
    return ExportQuery(t, t.c.user_id == uow.user_id, columns)


def _export_cell(name: str, value: Any) -> str:
    return cell_text(value, money=name in OWN_MONEY)


# ---- import ---------------------------------------------------------------------------------------


def preview_card_import(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> CardImportPreview:
    """What importing `path` would do, with every bad row; nothing is written (the work is rolled back)."""
    return preview_file(unit_of_work_factory, path, _stage_and_classify, progress, cancel)


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
    with staged_import(unit_of_work_factory, path, _stage_and_classify, progress, cancel) as (repository, preview):
        for first, stop in write_slices(repository.row_number_range(), slice_rows, progress, cancel):
            repository.write(first, stop)
        if preview.to_write:  # an import that changes nothing leaves no trace, not even in the log
            repository.record(path.name, preview.format_name, repository.counts())
    return CardImportResult(
        preview.format_name,
        preview.to_create,
        preview.to_merge,
        preview.into_owned,
        preview.to_update,
        preview.unchanged,
        preview.warnings,
    )


def _stage_and_classify(
    uow: UnitOfWork, path: Path, progress: ProgressCallback | None, cancel: Event | None
) -> tuple[CardImportRepository, CardImportPreview]:
    repository = CardImportRepository(uow.connection, uow.user_id, uow.activity_log)
    repository.start()
    rows = _CardRows(path, progress, cancel)
    rows.stage_into(repository.stage)
    problems, notes = repository.classify()
    warnings = rows.warnings + [(note.row_number, note.message) for note in notes]
    counts = repository.counts()
    assert rows.format is not None  # reading raises when the header names no format
    preview = CardImportPreview(
        rows.format.name,
        counts.to_create,
        counts.to_merge,
        counts.into_owned,
        counts.to_update,
        counts.unchanged,
        refused_rows(rows.bad_rows, ((p.row_number, p.message) for p in problems)),
        tuple(BadRow(number, message) for number, message in sorted(warnings)),
    )
    return repository, preview


class _CardRows(StagingReader):
    """Also collects warnings, and knows the file's format once the header is read."""

    lenient = True

    def __init__(self, path: Path, progress: ProgressCallback | None, cancel: Event | None) -> None:
        super().__init__(path, progress, cancel)
        self.format: CardFormat | None = None
        self.warnings: list[tuple[int, str]] = []

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

    def _staged(self, cells: list[str]) -> tuple[Any, ...]:
        assert self.format is not None
        parsed = read_row(self.format, dict(zip(self.header, cells, strict=True)))
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


def describe_result(file_name: str, result: CardImportResult) -> str:
    return f"Imported {file_name} ({result.format_name}): {describe_counts(result)}."
