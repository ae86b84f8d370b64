"""`reseller-desktop listings export|import`, run as a script runs it: a separate process, exit codes,
stdout for results and stderr for problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli_support import env_fixture, run_cli  # noqa: F401  (env_fixture: the env fixture)
from tests.csv_files import read_csv, write_csv
from tests.transfer_support import table_rows

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import AppPaths, Settings


def sign_in_as(env: dict[str, str], email: str) -> None:
    """What the app leaves behind after a sign-in: the account remembered in the settings."""
    home = Path(env["RESELLER_DESKTOP_HOME"])
    Settings(last_user_email=email).save(AppPaths(home / "data", home / "config").settings_file)


def listings(database: Database, user: UserRecord) -> list[tuple[object, ...]]:
    return table_rows(database, "listings", user)


@pytest.fixture
def alices_listings(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.add({"title": "Lamp", "price": "10", "sku": "LAMP", "status": "active", "storage_location": "B1"})
        uow.listings.add({"title": "Chair", "price": "30", "sku": "CHAIR"})
        uow.listings.add({"title": "Rug", "price": "55", "sku": "RUG", "status": "canceled"})
        uow.commit()


@pytest.mark.usefixtures("alices_listings")
def test_export_by_status_as_the_signed_in_user(env: dict[str, str], tmp_path: Path) -> None:
    sign_in_as(env, "alice@example.com")
    out = tmp_path / "active.csv"

    result = run_cli("listings", "export", str(out), "--status", "active", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Exported 1 listing to {out}.\n"
    assert [r["sku"] for r in read_csv(out)] == ["LAMP"]

    result = run_cli("listings", "export", str(out), "--status", "draft", "--status", "canceled", env=env)
    assert result.returncode == 0, result.stderr
    assert [r["sku"] for r in read_csv(out)] == ["CHAIR", "RUG"]

    assert run_cli("listings", "export", str(out), env=env).stdout == f"Exported 3 listings to {out}.\n"


@pytest.mark.usefixtures("alices_listings")
def test_import_and_dry_run(env: dict[str, str], tmp_path: Path, database: Database, alice: UserRecord) -> None:
    exported = tmp_path / "mine.csv"
    assert run_cli("listings", "export", str(exported), "--user", "alice@example.com", env=env).returncode == 0
    rows = read_csv(exported)
    rows[1]["price"] = "35.00"
    rows.append({"title": "Mirror", "price": "25", "sku": "MIRROR"})
    write_csv(exported, rows)
    before = listings(database, alice)

    dry = run_cli("listings", "import", str(exported), "--dry-run", "--user", "alice@example.com", env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == f"Dry run of {exported}, nothing written: 1 to create, 1 to update, 2 unchanged.\n"
    assert listings(database, alice) == before

    done = run_cli("--user", "alice@example.com", "listings", "import", str(exported), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Imported {exported}: 1 created, 1 updated, 2 unchanged.\n"
    after = listings(database, alice)
    assert len(after) == 4
    assert after[0] == before[0] and after[2] == before[2]
    assert after[1] != before[1]


@pytest.mark.usefixtures("alices_listings")
def test_a_failed_import_lists_each_bad_row_writes_nothing_and_exits_1(
    env: dict[str, str], tmp_path: Path, database: Database, alice: UserRecord
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            {"title": "Good", "price": "1", "sku": "LAMP"},
            {"title": "Bad price", "price": "abc"},
            {"title": "", "price": "2", "status": "active"},
        ],
    )
    before = listings(database, alice)
    for extra in ((), ("--dry-run",)):
        result = run_cli("listings", "import", str(path), "--user", "alice@example.com", *extra, env=env)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "row 3: price: 'abc' is not an amount of money; write it like 12.50.",
            "row 4: title: A title is required.; storage_location: An active listing needs a storage location "
            "(e.g. B1 or Shelf-3).",
            "2 rows of bad.csv cannot be imported; nothing was written. Correct the rows listed with their "
            "numbers and import again.",
        ]
    assert listings(database, alice) == before


def test_bob_imports_as_himself_and_alices_listings_stay(
    env: dict[str, str], tmp_path: Path, database: Database, alice: UserRecord, bob: UserRecord, alices_listings: None
) -> None:
    alices_file = tmp_path / "alice.csv"
    assert run_cli("listings", "export", str(alices_file), "--user", "alice@example.com", env=env).returncode == 0
    alice_before = listings(database, alice)
    result = run_cli("listings", "import", str(alices_file), "--user", "bob@example.com", env=env)
    assert result.returncode == 0, result.stderr
    assert "3 created, 0 updated, 0 unchanged" in result.stdout
    assert listings(database, alice) == alice_before
    assert len(listings(database, bob)) == 3


def test_without_an_account_or_with_a_missing_file_it_says_what_to_do(
    env: dict[str, str], tmp_path: Path, alice: UserRecord
) -> None:
    nobody = run_cli("listings", "export", str(tmp_path / "x.csv"), env=env)
    assert nobody.returncode == 1
    assert "No account is signed in on this computer for this database." in nobody.stderr
    assert "--user EMAIL" in nobody.stderr

    missing = run_cli("listings", "import", str(tmp_path / "nope.csv"), "--user", "alice@example.com", env=env)
    assert missing.returncode == 1
    assert "Cannot read" in missing.stderr and "nope.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert not (tmp_path / "x.csv").exists()
