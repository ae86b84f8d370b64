"""`reseller-desktop listings export FILE [--status S]` and `listings import FILE [--dry-run]`.

For scripts: results go to stdout, problems to stderr, and the exit code says which (0 done,
1 refused or failed). A refused import lists every bad row as `row N: reason` and writes nothing.
"""

from __future__ import annotations

import argparse

from reseller_desktop.cli_csv import ImportCommand, add_transfer_commands, exported, run_import, signed_in
from reseller_desktop.domain.vocabulary import LISTING_STATUSES


def add_arguments(listings_parser: argparse.ArgumentParser) -> None:
    export = add_transfer_commands(
        listings_parser,
        "listings_command",
        export_help="write your listings to a CSV file (all fields, one row each)",
        import_help="create and update listings from a CSV file (matched by SKU), all rows or none",
        import_file_help="a CSV file in the export's format",
    )
    export.add_argument(
        "--status",
        choices=LISTING_STATUSES,
        action="append",
        help="only listings with this status (repeat for several)",
    )


def run(args: argparse.Namespace, password: str | None) -> int:
    from reseller_desktop.domain.listing_filter import ListingFilter
    from reseller_desktop.services import listing_csv

    with signed_in(args, password) as unit_of_work:
        if args.listings_command == "export":
            listing_filter = ListingFilter(statuses=tuple(args.status or ()))
            return exported(listing_csv.export_listings(unit_of_work, args.file, listing_filter), "listing", args.file)
        command = ImportCommand(
            listing_csv.preview_import,
            listing_csv.import_listings,
            lambda file, preview: f"Dry run of {file}, nothing written: {listing_csv.describe_preview(preview)}.",
            lambda file, result: listing_csv.describe_result(str(file), result),
        )
        return run_import(command, unit_of_work, args.file, args.dry_run)
