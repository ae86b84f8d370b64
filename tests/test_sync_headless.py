"""`reseller-desktop sync` as the systemd service runs it: a separate process, tokens from the real
keyring, settings pointing at the fake marketplaces; killed mid-call and started again."""

from __future__ import annotations

import configparser
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from tests.conftest import PgServer
from tests.fakes.fake_ebay import FakeEbay
from tests.sync_support import active_listing, photo

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import OAuthTokens
from reseller_desktop.platforms.credentials import KeyringTokenStore, set_app_secret
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services import sync_actions
from reseller_desktop.settings import AppPaths, Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def paths(home: Path) -> AppPaths:
    return AppPaths(home / "data", home / "config")


@pytest.fixture
def connected(
    secret_service: None, database: Database, alice: UserRecord, fake_ebay: FakeEbay, paths: AppPaths
) -> Settings:
    """Alice's eBay account connected on this computer: app keys and tokens in the keyring."""
    granted = fake_ebay.grant_tokens()
    KeyringTokenStore(alice.id, "ebay").save(
        OAuthTokens(granted["access_token"], utc_now() + timedelta(hours=2), granted["refresh_token"])
    )
    set_app_secret("ebay", fake_ebay.client_secret)
    with database.unit_of_work(alice.id) as uow:  # as the connect flow leaves it
        uow.credentials.save("ebay", fake_ebay.username)
        uow.commit()
    settings = Settings()
    ebay = settings.ebay
    ebay.api_base, ebay.client_id, ebay.ru_name = fake_ebay.base_url, fake_ebay.client_id, fake_ebay.ru_name
    ebay.merchant_location_key, ebay.category_id = "home-office", "57988"
    ebay.fulfillment_policy_id, ebay.payment_policy_id, ebay.return_policy_id = "F1", "P1", "R1"
    settings.sync.lease_seconds = 2  # a killed client's rows come free quickly
    settings.sync.pass_interval_seconds = 1
    settings.save(paths.settings_file)
    return settings


def sync(pg: PgServer, db_name: str, home: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": pg.url(db_name).set(drivername="postgresql").render_as_string(hide_password=False),
        "RESELLER_DESKTOP_HOME": str(home),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "reseller_desktop", "sync", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def wait_for(condition: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_headless_sync_killed_mid_publish_and_restarted_lists_once(
    pg: PgServer,
    db_name: str,
    database: Database,
    alice: UserRecord,
    connected: Settings,
    fake_ebay: FakeEbay,
    home: Path,
    paths: AppPaths,
    tmp_path: Path,
) -> None:
    photos = PhotoStore(paths.data_dir)
    listing = active_listing(database, alice, [photo(photos, tmp_path)])
    with database.unit_of_work(alice.id) as uow:
        sync_actions.list_on(uow, listing, ["ebay"])
        uow.commit()
    # eBay takes its time publishing; the process is killed while it waits. eBay still publishes.
    fake_ebay.inject("POST", r"/bulk_publish_offer$", delay=30)
    first = sync(pg, db_name, home, "--once")
    wait_for(lambda: any(r.path.endswith("/bulk_publish_offer") for r in fake_ebay.requests))
    first.send_signal(signal.SIGKILL)
    first.communicate(timeout=30)
    with database.unit_of_work(alice.id) as uow:
        (row,) = uow.platform_listings.for_listing(listing)
    assert row.status == "pending"  # the outcome never reached the database

    time.sleep(connected.sync.lease_seconds + 0.5)  # the dead client's lease runs out
    fake_ebay.clear_faults()
    second = sync(pg, db_name, home, "--once")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "1 done" in out
    with database.unit_of_work(alice.id) as uow:
        (row,) = uow.platform_listings.for_listing(listing)
        sku = uow.listings.get(listing).sku
    assert row.status == "active"
    assert fake_ebay.live_skus() == [sku]
    # The second run's bulk createOffer met the first run's offer ("already exists") and reused it.
    assert len([r for r in fake_ebay.requests if r.method == "POST" and r.path.endswith("/bulk_create_offer")]) == 2
    assert len(fake_ebay.offers) == 1


def test_the_service_stops_cleanly_on_sigterm(
    pg: PgServer, db_name: str, database: Database, alice: UserRecord, connected: Settings, home: Path
) -> None:
    service = sync(pg, db_name, home)
    wait_for(lambda: service.poll() is not None or _started(service))
    service.send_signal(signal.SIGTERM)
    _out, err = service.communicate(timeout=60)
    assert service.returncode == 0, err


def _started(process: subprocess.Popen[str]) -> bool:
    assert process.stdout is not None
    line = process.stdout.readline()
    return line.startswith("sync: running as")


def test_the_systemd_unit_runs_the_sync_command() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "packaging" / "reseller-desktop-sync.service")
    exec_start = unit["Service"]["ExecStart"].split()
    assert exec_start[0].endswith("/reseller-desktop") and exec_start[1:] == ["sync"]
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "default.target"
