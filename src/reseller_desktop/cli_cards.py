"""`reseller-desktop cards import FILE [--dry-run]` and `cards export FILE`.

Imports read ManaBox, Collectr, TCGplayer app and Dragon Shield exports and our own (see
services/card_csv.py). For scripts: results go to stdout, problems and warnings to stderr, and the
exit code says which (0 done, 1 refused or failed). A refused import lists every bad row as
`row N: reason` and writes nothing.
"""

from __future__ import annotations

import argparse

from reseller_desktop.cli_csv import ImportCommand, add_transfer_commands, exported, run_import, signed_in


def add_arguments(cards_parser: argparse.ArgumentParser) -> None:
    add_transfer_commands(
        cards_parser,
        "cards_command",
        export_help="write all your cards to a CSV file (every column, one row each)",
        import_help="add cards from a ManaBox, Collectr, TCGplayer app, Dragon Shield or own CSV export, "
        "all rows or none",
        import_file_help="the CSV file; its format is recognised by its header",
    )


def run(args: argparse.Namespace, password: str | None) -> int:
    from reseller_desktop.services import card_csv

    with signed_in(args, password) as unit_of_work:
        if args.cards_command == "export":
            return exported(card_csv.export_cards(unit_of_work, args.file), "card", args.file)
        command = ImportCommand(
            card_csv.preview_card_import,
            card_csv.import_cards,
            lambda file, preview: (
                f"Dry run of {file} ({preview.format_name}), nothing written: {card_csv.describe_counts(preview)}."
            ),
            lambda file, result: card_csv.describe_result(str(file), result),
            refused_counts=lambda file, preview: (
                f"{file} ({preview.format_name}): {card_csv.describe_counts(preview)}."
            ),
            notes=lambda report: report.warnings,
        )
        return run_import(command, unit_of_work, args.file, args.dry_run)
