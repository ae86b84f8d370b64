"""`reseller-desktop listings export FILE [--status S]` and `listings import FILE [--dry-run]`.

For scripts: results go to stdout, problems to stderr, and the exit code says which (0 done,
1 refused or failed). A refused import lists every bad row as `row N: reason` and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reseller_desktop.domain.vocabulary import LISTING_STATUSES


def add_arguments(listings_parser: argparse.ArgumentParser) -> None:
    from reseller_desktop.cli import user_option

    commands = listings_parser.add_subparsers(dest="listings_command", required=True)
    export = commands.add_parser(
        "export", parents=[user_option()], help="write your listings to a CSV file (all fields, one row each)"
    )
    export.add_argument("file", type=Path, help="the CSV file to write; replaced when it exists")
    export.add_argument(
        "--status",
        choices=LISTING_STATUSES,
        action="append",
        help="only listings with this status (repeat for several)",
    )
    imported = commands.add_parser(
        "import",
        parents=[user_option()],
        help="create and update listings from a CSV file (matched by SKU), all rows or none",
    )
    imported.add_argument("file", type=Path, help="a CSV file in the export's format")
    imported.add_argument(
        "--dry-run", action="store_true", help="only check the file and say what would change; write nothing"
    )


def run(args: argparse.Namespace, password: str | None) -> int:
    from reseller_desktop.db.database import UnitOfWork
    from reseller_desktop.domain.listing_filter import ListingFilter
    from reseller_desktop.services import listing_csv
    from reseller_desktop.services.accounts import require_user
    from reseller_desktop.services.database_session import open_database
    from reseller_desktop.settings import AppPaths, Settings

    paths = AppPaths.default()
    settings = Settings.load(paths.settings_file)
    with open_database(paths, settings, upgrade=True) as database:
        user = require_user(database, settings, getattr(args, "user", None), password)

        def unit_of_work() -> UnitOfWork:
            return database.unit_of_work(user.id)

        file: Path = args.file
        if args.listings_command == "export":
            listing_filter = ListingFilter(statuses=tuple(args.status or ()))
            count = listing_csv.export_listings(unit_of_work, file, listing_filter)
            print(f"Exported {count} listing{'' if count == 1 else 's'} to {file}.")
            return 0
        try:
            if args.dry_run:
                preview = listing_csv.preview_import(unit_of_work, file)
                if preview.has_errors:
                    raise listing_csv.ImportRejectedError(file.name, preview)
                print(
                    f"Dry run of {file}, nothing written: {preview.to_create} to create, "
                    f"{preview.to_update} to update, {preview.unchanged} unchanged."
                )
                return 0
            result = listing_csv.import_listings(unit_of_work, file)
        except listing_csv.ImportRejectedError as rejected:
            for bad_row in rejected.preview.bad_rows:
                print(f"row {bad_row.row_number}: {bad_row.reason}", file=sys.stderr)
            print(f"{rejected.message} {rejected.hint}", file=sys.stderr)
            return 1
        print(f"Imported {file}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged.")
        return 0
