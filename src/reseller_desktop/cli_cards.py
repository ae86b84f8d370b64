"""`reseller-desktop cards import FILE [--dry-run]` and `cards export FILE`.

Imports read ManaBox, Collectr, TCGplayer app and Dragon Shield exports and our own (see
services/card_csv.py). For scripts: results go to stdout, problems and warnings to stderr, and the
exit code says which (0 done, 1 refused or failed). A refused import lists every bad row as
`row N: reason` and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reseller_desktop.services.listing_csv import BadRow


def add_arguments(cards_parser: argparse.ArgumentParser) -> None:
    from reseller_desktop.cli import user_option

    commands = cards_parser.add_subparsers(dest="cards_command", required=True)
    export = commands.add_parser(
        "export", parents=[user_option()], help="write all your cards to a CSV file (every column, one row each)"
    )
    export.add_argument("file", type=Path, help="the CSV file to write; replaced when it exists")
    imported = commands.add_parser(
        "import",
        parents=[user_option()],
        help="add cards from a ManaBox, Collectr, TCGplayer app, Dragon Shield or own CSV export, all rows or none",
    )
    imported.add_argument("file", type=Path, help="the CSV file; its format is recognised by its header")
    imported.add_argument(
        "--dry-run", action="store_true", help="only check the file and say what would change; write nothing"
    )


def run(args: argparse.Namespace, password: str | None) -> int:
    from reseller_desktop.db.database import UnitOfWork
    from reseller_desktop.services import card_csv
    from reseller_desktop.services.accounts import require_user
    from reseller_desktop.services.database_session import open_database
    from reseller_desktop.services.listing_csv import ImportRejectedError
    from reseller_desktop.settings import AppPaths, Settings

    paths = AppPaths.default()
    settings = Settings.load(paths.settings_file)
    with open_database(paths, settings, upgrade=True) as database:
        user = require_user(database, settings, getattr(args, "user", None), password)

        def unit_of_work() -> UnitOfWork:
            return database.unit_of_work(user.id)

        file: Path = args.file
        if args.cards_command == "export":
            count = card_csv.export_cards(unit_of_work, file)
            print(f"Exported {count} card{'' if count == 1 else 's'} to {file}.")
            return 0
        try:
            if args.dry_run:
                preview = card_csv.preview_card_import(unit_of_work, file)
                _warn(preview.warnings)
                if preview.has_errors:
                    raise ImportRejectedError(file.name, preview)
                counts = card_csv.describe_counts(preview)
                print(f"Dry run of {file} ({preview.format_name}), nothing written: {counts}.")
                return 0
            result = card_csv.import_cards(unit_of_work, file)
        except ImportRejectedError as rejected:
            refused: card_csv.CardImportPreview = rejected.preview
            if not args.dry_run:
                _warn(refused.warnings)
            for bad_row in refused.bad_rows:
                print(f"row {bad_row.row_number}: {bad_row.reason}", file=sys.stderr)
            print(f"{file} ({refused.format_name}): {card_csv.describe_counts(refused)}.", file=sys.stderr)
            print(f"{rejected.message} {rejected.hint}", file=sys.stderr)
            return 1
        _warn(result.warnings)
        print(f"Imported {file} ({result.format_name}): {card_csv.describe_counts(result)}.")
        return 0


def _warn(warnings: tuple[BadRow, ...]) -> None:
    for warning in warnings:
        print(f"row {warning.row_number} (note): {warning.reason}", file=sys.stderr)
