"""`reseller-desktop sync`: the background jobs without a window, for an always-on machine.

It serves every account whose marketplace tokens are in this computer's keyring (or the one named
with --account): the keyring, not a password, is what lets it act for a seller. `--once` runs one
pass of every job and exits (for cron, or to check a set-up); otherwise passes repeat, each when the
next sale poll or scheduled withdrawal is due (jobs.loop), until SIGTERM or Ctrl+C, finishing the
pass under way first.
"""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING
from uuid import UUID

from reseller_desktop.domain.errors import UserError

# The parser is built on every start of the app, window included: what `run` needs is imported
# there, so the window does not wait for the database and sync modules to load.
if TYPE_CHECKING:
    from reseller_desktop.db.database import Database
    from reseller_desktop.jobs.engine import PassReport

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="run one pass of every job, then exit")
    parser.add_argument(
        "--account",
        metavar="EMAIL",
        action="append",
        default=[],
        help="serve only this account (repeatable); default: every account connected on this computer",
    )


def _users_by_email(database: Database, emails: Sequence[str]) -> list[UUID]:
    from sqlalchemy import select

    from reseller_desktop.db import schema

    users = schema.users
    with database.connect() as conn:
        found = {e: i for e, i in conn.execute(select(users.c.email, users.c.id).where(users.c.email.in_(emails)))}
    missing = [e for e in emails if e not in found]
    if missing:
        raise UserError(
            f"No account with the email {', '.join(missing)}.", "Check the spelling with the app's sign-in."
        )
    return [found[e] for e in emails]


def describe(report: PassReport) -> str:
    done = sum(1 for s in report.steps if s.outcome == "done")
    retry = sum(1 for s in report.steps if s.outcome == "retry")
    failed = sum(1 for s in report.steps if s.outcome == "failed")
    sales = sum(1 for s in report.sales if s.outcome == "sale")
    oversold = sum(1 for s in report.sales if s.outcome == "oversold")
    text = (
        f"pass at {report.started_at:%Y-%m-%d %H:%M:%S} UTC: {done} done, {retry} to retry, {failed} failed, "
        f"{sales} sale(s), {oversold} oversold, {report.tasks_raised} delist task(s), {report.drifts} drift(s)"
    )
    return "; ".join([text, *report.problems])


def run(args: argparse.Namespace) -> int:
    from reseller_desktop.jobs.adapters import KeyringAdapterSource
    from reseller_desktop.jobs.engine import SyncEngine
    from reseller_desktop.jobs.loop import SyncLoop
    from reseller_desktop.photos.store import PhotoStore
    from reseller_desktop.repositories import sync_queue
    from reseller_desktop.services.database_session import open_database
    from reseller_desktop.settings import AppPaths, Settings

    paths = AppPaths.default()
    settings = Settings.load(paths.settings_file)
    with open_database(paths, settings, upgrade=True) as database:
        chosen = _users_by_email(database, args.account) if args.account else None

        def users() -> list[UUID]:
            if chosen is not None:
                return chosen
            with database.connect() as conn:
                return sync_queue.users_to_serve(conn)

        engine = SyncEngine(database, settings, PhotoStore(paths.data_dir), KeyringAdapterSource(settings, database))
        loop = SyncLoop(
            engine,
            users,
            settings.sync.pass_interval_seconds,
            on_pass=lambda report: print(describe(report), flush=True),
            on_problem=lambda text: print(f"sync: {text}", flush=True),
        )
        if args.once:
            return 0 if loop.run_once() is not None else 1

        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping after the pass under way", signum)
            loop.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(
            f"sync: running as {engine.owner}; sales checked every {settings.sync.orders_poll_seconds} s, "
            f"withdrawals sent when due, a pass at least every {settings.sync.pass_interval_seconds} s",
            flush=True,
        )
        loop.run_forever()
        return 0
