"""What `listings` and `cards` share on the command line: `export FILE` and `import FILE [--dry-run]`,
run as the signed-in (or --user) account.

For scripts: results go to stdout, problems and notes to stderr, and the exit code says which (0
done, 1 refused or failed). A refused import lists every bad row as `row N: reason` and writes
nothing; a row imported with a note is listed as `row N (note): …`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from reseller_desktop.services.csv_transfer import BadRow, UnitOfWorkFactory

PreviewT = TypeVar("PreviewT")
ResultT = TypeVar("ResultT")


@dataclass(frozen=True)
class ImportCommand(Generic[PreviewT, ResultT]):
    """One kind of import on the command line: its workers and what it prints.

    A preview has `bad_rows` and `has_errors`, as csv_transfer's previews have.
    """

    preview: Callable[[UnitOfWorkFactory, Path], PreviewT]
    run_import: Callable[[UnitOfWorkFactory, Path], ResultT]
    dry_run_done: Callable[[Path, PreviewT], str]  # the line of a dry run that found no bad row
    imported: Callable[[Path, ResultT], str]
    refused_counts: Callable[[Path, PreviewT], str | None] = lambda _file, _preview: None  # said before the refusal
    notes: Callable[[Any], Sequence[BadRow]] = lambda _report: ()  # of a preview or a result: rows imported with one


def add_transfer_commands(
    parser: argparse.ArgumentParser, dest: str, *, export_help: str, import_help: str, import_file_help: str
) -> argparse.ArgumentParser:
    """Add `export FILE` and `import FILE [--dry-run]` under `parser`; return the export's parser for more options."""
    from reseller_desktop.cli import user_option

    commands = parser.add_subparsers(dest=dest, required=True)
    export = commands.add_parser("export", parents=[user_option()], help=export_help)
    export.add_argument("file", type=Path, help="the CSV file to write; replaced when it exists")
    imported = commands.add_parser("import", parents=[user_option()], help=import_help)
    imported.add_argument("file", type=Path, help=import_file_help)
    imported.add_argument(
        "--dry-run", action="store_true", help="only check the file and say what would change; write nothing"
    )
    return export


@contextmanager
def signed_in(args: argparse.Namespace, password: str | None) -> Iterator[UnitOfWorkFactory]:
    """Units of work of the account of --user, or of the one signed in on this computer."""
    from reseller_desktop.db.database import UnitOfWork
    from reseller_desktop.services.accounts import require_user
    from reseller_desktop.services.database_session import open_database
    from reseller_desktop.settings import AppPaths, Settings

    paths = AppPaths.default()
    settings = Settings.load(paths.settings_file)
    with open_database(paths, settings, upgrade=True) as database:
        user = require_user(database, settings, getattr(args, "user", None), password)

        def unit_of_work() -> UnitOfWork:
            return database.unit_of_work(user.id)

        yield unit_of_work


def exported(count: int, noun: str, file: Path) -> int:
    print(f"Exported {count} {noun}{'' if count == 1 else 's'} to {file}.")
    return 0


def run_import(command: ImportCommand[Any, Any], unit_of_work: UnitOfWorkFactory, file: Path, dry_run: bool) -> int:
    """Check `file` (dry run) or import it; print what happened; the exit code."""
    from reseller_desktop.services.csv_transfer import ImportRejectedError

    try:
        if dry_run:
            preview = command.preview(unit_of_work, file)
            if preview.has_errors:
                raise ImportRejectedError(file.name, preview)
            _print_notes(command.notes(preview))
            print(command.dry_run_done(file, preview))
            return 0
        result = command.run_import(unit_of_work, file)
    except ImportRejectedError as rejected:
        _print_notes(command.notes(rejected.preview))
        for bad_row in rejected.preview.bad_rows:
            print(f"row {bad_row.row_number}: {bad_row.reason}", file=sys.stderr)
        if (counts := command.refused_counts(file, rejected.preview)) is not None:
            print(counts, file=sys.stderr)
        print(f"{rejected.message} {rejected.hint}", file=sys.stderr)
        return 1
    _print_notes(command.notes(result))
    print(command.imported(file, result))
    return 0


def _print_notes(notes: Sequence[BadRow]) -> None:
    for note in notes:
        print(f"row {note.row_number} (note): {note.reason}", file=sys.stderr)
