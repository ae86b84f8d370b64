"""What the CSV imports and exports of listings and cards share: progress, cancel, the errors they
raise, writing a file in keyset batches, reading one as batches of staging rows, the transaction an
import runs in, and writing an import in slices of the file.

An export reads one snapshot a batch at a time and the file appears only when complete. An import
stages every row of the file in a temporary table (one COPY per batch), checks it there with
set-based statements over the whole file, then writes it, all in one transaction (see
import_transaction for the time its statements get and how Cancel reaches into one). The listings
import writes with one statement; the card import in slices (write_slices).

Workers here run off the GUI thread: each opens its own unit of work and returns plain data.
"""

from __future__ import annotations

import csv
import io
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from threading import Event, Thread
from typing import Any, Generic, Protocol, TypeVar

import psycopg.errors
from sqlalchemy import ColumnElement, Connection, RowMapping, Table, func, select, text
from sqlalchemy.exc import DBAPIError

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.money import from_real

UnitOfWorkFactory = Callable[[], UnitOfWork]
EXPORT_BATCH_ROWS = 2_000
STAGE_BATCH_ROWS = 5_000
# Rows of the file per write statement of an import written in slices (the cards'): about a second
# each on a slow machine, the interval at which progress is shown.
WRITE_SLICE_ROWS = 5_000


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


class CsvFileError(UserError):
    """The file as a whole cannot be read or written (missing, not UTF-8, wrong header, no folder)."""


class RowsReport(Protocol):
    """The preview of a kind of import (ImportPreview, CardImportPreview), as a refusal reports it."""

    @property
    def bad_rows(self) -> tuple[BadRow, ...]: ...

    @property
    def has_errors(self) -> bool: ...


PreviewT = TypeVar("PreviewT", bound=RowsReport)
RepositoryT = TypeVar("RepositoryT")
# Stages and checks a file in the unit of work: (the repository holding the staged rows, the preview).
StageFile = Callable[[UnitOfWork, Path, ProgressCallback | None, Event | None], tuple[RepositoryT, PreviewT]]


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


def check_import_cancel(cancel: Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ImportCancelledError


def report_progress(progress: ProgressCallback | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(TransferProgress(phase, done, total))


# ---- export ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportQuery:
    """The rows an export writes: `columns` of `table` (every column when empty) where `where`."""

    table: Table
    where: ColumnElement[bool]
    columns: tuple[ColumnElement[Any], ...] = ()


def export_csv(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    header: Sequence[str],
    query: Callable[[UnitOfWork], ExportQuery],
    cell: Callable[[str, Any], str],
    *,
    progress: ProgressCallback | None = None,
    cancel: Event | None = None,
) -> int:
    """Write the rows `query` selects to `path` in id order, a column per `header` name; return how many.

    Rows are read in keyset batches, so memory stays flat whatever the count. The file appears only
    when complete (written beside it, then renamed), so a failure never leaves half an export.
    """
    path = Path(path)
    written = 0
    with unit_of_work_factory() as uow:
        conn = uow.connection
        # One snapshot for the whole file although it is read in many statements.
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        source = query(uow)
        total = int(conn.scalar(select(func.count()).select_from(source.table).where(source.where)) or 0)
        partial = path.with_name(path.name + ".partial")
        try:
            with open_for_writing(partial) as stream:
                writer = csv.writer(stream)
                writer.writerow(header)
                for batch in _keyset_batches(conn, source):
                    if cancel is not None and cancel.is_set():
                        raise ExportCancelledError
                    writer.writerows([cell(name, row[name]) for name in header] for row in batch)
                    written += len(batch)
                    report_progress(progress, "Exporting", written, total)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return written


def _keyset_batches(conn: Connection, source: ExportQuery) -> Iterator[Sequence[RowMapping]]:
    """The rows in id order, a batch at a time, each starting after the last id seen."""
    t = source.table
    statement = select(*source.columns) if source.columns else select(t)
    last_id = 0
    while True:
        query = statement.where(source.where, t.c.id > last_id).order_by(t.c.id).limit(EXPORT_BATCH_ROWS)
        batch = conn.execute(query).mappings().all()
        if not batch:
            return
        yield batch
        last_id = batch[-1]["id"]


def cell_text(value: Any, money: bool = False) -> str:
    """A value as an export writes it: blank for NULL, money a plain decimal, times ISO 8601 UTC."""
    if value is None:
        return ""
    if money:
        return str(from_real(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"{value.isoformat()}Z"  # the contract's timestamps are naive UTC
    return str(value)


def open_for_writing(path: Path) -> io.TextIOWrapper:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CsvFileError(
            f"Cannot write {path.parent}: {exc.strerror}.", "Choose a folder you can write to."
        ) from None


# ---- import -------------------------------------------------------------------------------------


class StagingReader(ABC):
    """Reads a CSV file as batches of staging tuples, collecting bad rows; knows where it is for messages.

    A subclass reads the header (`_header`) and makes each row a staging tuple (`_staged`).
    """

    # Files other apps write: a trailing delimiter on a row is dropped, and a row of spaces is empty.
    lenient = False

    def __init__(self, path: Path, progress: ProgressCallback | None, cancel: Event | None) -> None:
        self.path = path
        self.progress = progress
        self.cancel = cancel
        self.row_number = 0  # of the row read last, as a spreadsheet numbers it
        self.bad_rows: list[tuple[int, str]] = []
        self.header: list[str] = []  # the file's column names, once read

    @abstractmethod
    def _header(self, stream: io.TextIOWrapper) -> tuple[Iterator[list[str]], list[str]]:
        """The reader positioned after the header, and the header's column names; sets row_number."""

    @abstractmethod
    def _staged(self, cells: list[str]) -> tuple[Any, ...]:
        """The row (cells in the order of `header`) as a staging tuple; a bad row is noted in bad_rows."""

    def stage_into(self, stage: Callable[[list[tuple[Any, ...]]], None]) -> None:
        """Hand every row of the file to `stage` in batches (one COPY each, far within the statement limit)."""
        try:
            for batch in self._batches():
                stage(batch)
        except UnicodeDecodeError:
            raise CsvFileError(
                f"{self.path.name} is not UTF-8 text.", "Save it from your spreadsheet as “CSV UTF-8”."
            ) from None
        except csv.Error as exc:
            raise CsvFileError(f"{self.path.name} row {self.row_number} is not valid CSV: {exc}.") from None
        check_import_cancel(self.cancel)
        report_progress(self.progress, "Checking", 0, 0)

    def _batches(self) -> Iterator[list[tuple[Any, ...]]]:
        try:
            size = self.path.stat().st_size
            binary = self.path.open("rb")
        except OSError as exc:
            raise CsvFileError(
                f"Cannot read {self.path}: {exc.strerror}.", "Check the file name and try again."
            ) from None
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as stream:
            reader, self.header = self._header(stream)
            width = len(self.header)
            staged = self._staged
            batch: list[tuple[Any, ...]] = []
            for cells in reader:
                self.row_number += 1
                while self.lenient and len(cells) > width and not cells[-1].strip():
                    cells.pop()
                if len(cells) != width:
                    if any(cell.strip() for cell in cells):
                        self.bad_rows.append(
                            (self.row_number, f"has {len(cells)} cells; the header has {width} columns.")
                        )
                    continue  # else an empty line
                blank = not any(cell.strip() for cell in cells) if self.lenient else not any(cells)
                if blank:
                    continue  # a row of empty cells, as spreadsheets leave at the end
                batch.append(staged(cells))
                if len(batch) == STAGE_BATCH_ROWS:
                    yield batch
                    batch = []
                    check_import_cancel(self.cancel)
                    report_progress(self.progress, "Reading", stream.buffer.tell(), size)
            yield batch
        report_progress(self.progress, "Reading", size, size)


# Every other statement the app runs gets 10 s, so that a query nobody can stop does not hang the
# app. An import can be stopped (Cancel interrupts the statement under way, see _interrupted_on_cancel),
# and its statements work on the whole file at once (set-based, as a million rows need): on a slow
# machine some take minutes. The bound left is a backstop for a statement stuck for good.
IMPORT_STATEMENT_TIMEOUT = "30min"
# Memory for each sort and hash of those statements (duplicates, matches): the default 4 MB sends a
# million-row file's to temporary files.
IMPORT_WORK_MEM = "64MB"
CANCEL_POLL_S = 0.05
CANCEL_RESEND_S = 0.5


@contextmanager
def import_transaction(unit_of_work_factory: UnitOfWorkFactory, cancel: Event | None) -> Iterator[UnitOfWork]:
    """The unit of work of an import or its preview: statements allowed the time they need, and a
    cancel that interrupts the statement under way."""
    with unit_of_work_factory() as uow:
        conn = uow.connection
        conn.execute(text(f"SET LOCAL statement_timeout = '{IMPORT_STATEMENT_TIMEOUT}'"))
        conn.execute(text(f"SET LOCAL work_mem = '{IMPORT_WORK_MEM}'"))
        with _interrupted_on_cancel(conn, cancel):
            yield uow


@contextmanager
def _interrupted_on_cancel(conn: Connection, cancel: Event | None) -> Iterator[None]:
    """While the block runs, a set `cancel` asks the server to stop the statement under way; the
    block's error is then ImportCancelledError.

    Between statements the work itself checks `cancel`; this reaches into a long one (a COPY, a match,
    a merge). The watcher ends before the connection goes back to the pool, so it can never stop
    another unit of work's statement.
    """
    if cancel is None:
        yield
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    finished = Event()

    def watch() -> None:
        while not finished.wait(CANCEL_POLL_S):
            if cancel.is_set():
                # Again until the work stops: a request that reaches the server between two
                # statements is dropped, and the next statement may be a long one.
                driver.cancel_safe()
                finished.wait(CANCEL_RESEND_S)

    watcher = Thread(target=watch, name="import-cancel", daemon=True)
    watcher.start()
    try:
        yield
    except (psycopg.errors.QueryCanceled, DBAPIError) as exc:
        original = exc.orig if isinstance(exc, DBAPIError) else exc
        if cancel.is_set() and isinstance(original, psycopg.errors.QueryCanceled):
            raise ImportCancelledError from None
        raise
    finally:
        finished.set()
        watcher.join()


def preview_file(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    stage: StageFile[Any, PreviewT],
    progress: ProgressCallback | None,
    cancel: Event | None,
) -> PreviewT:
    """What importing `path` would do, with every bad row; nothing is written (the work is rolled back)."""
    with import_transaction(unit_of_work_factory, cancel) as uow:
        return stage(uow, Path(path), progress, cancel)[1]


@contextmanager
def staged_import(
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path,
    stage: StageFile[RepositoryT, PreviewT],
    progress: ProgressCallback | None,
    cancel: Event | None,
) -> Iterator[tuple[RepositoryT, PreviewT]]:
    """The file staged and checked in one transaction, for the block to write; committed after it.

    A preview with bad rows is refused before the block, and a cancel seen after it; either, or the
    block raising, rolls everything back.
    """
    with import_transaction(unit_of_work_factory, cancel) as uow:
        repository, preview = stage(uow, path, progress, cancel)
        if preview.has_errors:
            raise ImportRejectedError(path.name, preview)
        yield repository, preview
        check_import_cancel(cancel)
        uow.commit()


def refused_rows(read: Iterable[tuple[int, str]], found: Iterable[tuple[int, str]]) -> tuple[BadRow, ...]:
    """The bad rows in file order: what reading found about a row, then what checking in SQL found."""
    reasons = dict(read)
    for number, reason in found:
        reasons[number] = f"{reasons[number]}; {reason}" if number in reasons else reason
    return tuple(BadRow(number, reasons[number]) for number in sorted(reasons))


def write_slices(
    row_range: tuple[int, int], slice_rows: int, progress: ProgressCallback | None, cancel: Event | None
) -> Iterator[tuple[int, int]]:
    """The staged rows `row_range` (first, last) as slices (first, stop) to write one statement each.

    A cancel is seen before each slice; progress, in rows of the file, after each.
    """
    first, last = row_range
    total = last - first + 1
    report_progress(progress, "Writing", 0, total)
    for start in range(first, last + 1, slice_rows):
        check_import_cancel(cancel)
        stop = min(start + slice_rows, last + 1)
        yield start, stop
        report_progress(progress, "Writing", stop - first, total)
