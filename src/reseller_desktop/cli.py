"""`reseller-desktop`: the window by default; `db` commands for the schema; `--self-test`."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from reseller_desktop import APP_NAME, __version__, cli_cards, cli_listings
from reseller_desktop.domain.errors import UserError

PASSWORD_ENV = "RESELLER_DESKTOP_PASSWORD"  # noqa: S105 - the name of a variable, not a password


USER_HELP = f"act as this account (password from ${PASSWORD_ENV} or a prompt)"


def user_option() -> argparse.ArgumentParser:
    """`--user EMAIL` for subcommands too, so it may stand after them (`listings export F --user E`)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--user", metavar="EMAIL", default=argparse.SUPPRESS, help=USER_HELP)
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reseller-desktop",
        description=f"{APP_NAME}: inventory and cross-listing for resellers. "
        "Uses DATABASE_URL when set, otherwise a built-in PostgreSQL in your data folder.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--user", metavar="EMAIL", help=USER_HELP)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start everything headless (database, migrations, window), then exit 0 or 1",
    )
    parser.add_argument(
        "--demo-data", action="store_true", help="fill an empty account with sample listings (for trying the app)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command")
    db = commands.add_parser("db", help="the database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or adopt the schema and bring it to the newest revision")
    down = db_commands.add_parser("downgrade", help="go back to an older revision (removes what it added)")
    down.add_argument("revision", help="a revision id, or 'base' to remove everything this app added")
    down.add_argument("--yes", action="store_true", help="confirm; required for 'base'")
    db_commands.add_parser("current", help="show the schema revision and rows that break its rules")
    db_commands.add_parser("validate", help="check again the rules existing rows broke, after fixing them")
    listings = commands.add_parser("listings", help="export and import listings as CSV, for spreadsheets and scripts")
    cli_listings.add_arguments(listings)
    cards = commands.add_parser(
        "cards", help="import card collections (ManaBox, Collectr, TCGplayer, Dragon Shield) and export yours as CSV"
    )
    cli_cards.add_arguments(cards)
    sync = commands.add_parser(
        "sync", help="run the marketplace jobs without a window (sales, delists, listing); for an always-on machine"
    )
    from reseller_desktop import cli_sync

    cli_sync.add_arguments(sync)
    bench = commands.add_parser(
        "bench", help="measure the app at a big seller's scale in a scratch database (`make bench`)"
    )
    from reseller_desktop import cli_bench

    cli_bench.add_arguments(bench)
    return parser


def _password(email: str | None) -> str | None:
    if not email:
        return None
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Password for {email} (Enter if none): ") or None
    return None


def _db_command(args: argparse.Namespace) -> int:
    from reseller_desktop.db import migrate
    from reseller_desktop.services.database_session import open_database

    if args.db_command == "downgrade" and args.revision == "base" and not args.yes:
        print(
            "Downgrading to base removes every table, column, index and rule this app added, with their "
            "data (tables the web app made before stay). Run again with --yes to go ahead.",
            file=sys.stderr,
        )
        return 2
    with open_database() as database:
        where = database.target.description
        if args.db_command == "upgrade":
            problems = migrate.upgrade(database.engine)
            print(f"{where}: at revision {migrate.head_revision()}")
        elif args.db_command == "downgrade":
            migrate.downgrade(database.engine, args.revision)
            problems = []
        elif args.db_command == "validate":
            problems = migrate.validate(database.engine)
        else:
            with database.connect() as conn:
                revision = migrate.current_revision(conn)
                problems = migrate.schema_health(conn)
            newest = migrate.head_revision()
            state = "up to date" if revision == newest else f"newest known is {newest}"
            print(f"{where}: revision {revision or 'none (run db upgrade)'} ({state})")
        if args.db_command == "downgrade":
            with database.connect() as conn:
                print(f"{where}: at revision {migrate.current_revision(conn) or 'base'}")
        for problem in problems:
            print(f"  ! {problem.describe()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command == "db":
            return _db_command(args)
        if args.command == "listings":
            return cli_listings.run(args, _password(args.user))
        if args.command == "cards":
            return cli_cards.run(args, _password(args.user))
        if args.command == "sync":
            from reseller_desktop import cli_sync

            return cli_sync.run(args)
        if args.command == "bench":
            if getattr(sys, "frozen", False):  # the installed bundle leaves the benchmarks out
                raise UserError(
                    "The benchmarks run from a source checkout, not from the installed app "
                    "(they drive the test suite's fake marketplaces).",
                    "Clone the repository and run `make bench` there.",
                )
            from reseller_desktop import cli_bench

            return cli_bench.run(args)
        from reseller_desktop.ui import app

        password = _password(args.user)
        if args.self_test:
            return app.self_test(args.user, password)
        return app.run(args.user, password, demo_data=args.demo_data)
    except UserError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
