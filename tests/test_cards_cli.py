"""`reseller-desktop cards import|export`, run as a script runs it: a separate process, exit codes,
stdout for results and stderr for problems."""

from __future__ import annotations

from pathlib import Path

from tests.cli_support import env_fixture, run_cli  # noqa: F401  (env_fixture: the env fixture)
from tests.csv_files import read_csv
from tests.transfer_support import table_rows

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord

FIXTURES = Path(__file__).parent / "fixtures" / "cards"
ALICE = ("--user", "alice@example.com")


def cards(database: Database, user: UserRecord) -> list[tuple[object, ...]]:
    return table_rows(database, "card_collections", user)


def test_dry_run_then_import_name_the_format_and_the_counts(
    env: dict[str, str], database: Database, alice: UserRecord
) -> None:
    file = FIXTURES / "manabox.csv"
    note = "row 7 (note): Purchase price 3.10 EUR is kept in the card's notes; the app's prices are in US dollars.\n"
    dry = run_cli("cards", "import", str(file), "--dry-run", *ALICE, env=env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == f"Dry run of {file} (ManaBox), nothing written: 7 to create, 1 to merge, 0 refused.\n"
    assert dry.stderr == note
    assert cards(database, alice) == []

    done = run_cli("cards", "import", str(file), *ALICE, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"Imported {file} (ManaBox): 7 created, 1 merged.\n"
    assert done.stderr == note
    assert len(cards(database, alice)) == 7

    again = run_cli("cards", "import", str(FIXTURES / "manabox.csv"), *ALICE, env=env)
    assert again.stdout == (f"Imported {file} (ManaBox): 0 created, 8 merged (8 into cards you already owned).\n")
    assert len(cards(database, alice)) == 7


def test_export_and_reimport_of_our_own_file_changes_nothing(
    env: dict[str, str], tmp_path: Path, database: Database, alice: UserRecord
) -> None:
    assert run_cli("cards", "import", str(FIXTURES / "dragon_shield.csv"), *ALICE, env=env).returncode == 0
    out = tmp_path / "mine.csv"
    exported = run_cli("cards", "export", str(out), *ALICE, env=env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == f"Exported 5 cards to {out}.\n"
    titles = [row["title"] for row in read_csv(out)]
    assert "Fable of the Mirror-Breaker // Reflection of Kiki-Jiki" in titles
    before = cards(database, alice)

    result = run_cli("cards", "import", str(out), *ALICE, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Imported {out} (Reseller Desktop export): 0 created, 0 merged, 5 unchanged.\n"
    assert cards(database, alice) == before


def test_a_refused_file_lists_each_bad_row_writes_nothing_and_exits_1(
    env: dict[str, str], database: Database, alice: UserRecord
) -> None:
    file = FIXTURES / "manabox_bad_rows.csv"
    for extra in ((), ("--dry-run",)):
        result = run_cli("cards", "import", str(file), *ALICE, *extra, env=env)
        assert result.returncode == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "row 3: Quantity: 'two' is not a quantity; write a whole number from 0.",
            "row 5: Purchase price: 'about a dollar' is not an amount of money; write it like 12.50.; "
            "Name: A card name is required.",
            "row 6: Misprint: 'maybe' is neither true nor false.",
            f"{file} (ManaBox): 2 to create, 0 to merge, 3 refused.",
            "3 rows of manabox_bad_rows.csv cannot be imported; nothing was written. Correct the rows listed with "
            "their numbers and import again.",
        ]
    assert cards(database, alice) == []


def test_a_file_of_another_kind_or_no_file_says_what_to_do(
    env: dict[str, str], tmp_path: Path, alice: UserRecord
) -> None:
    listings = tmp_path / "listings.csv"
    listings.write_text("title,price\nLamp,3\n", encoding="utf-8")
    other = run_cli("cards", "import", str(listings), *ALICE, env=env)
    assert other.returncode == 1
    assert "listings.csv is not a card export this app knows" in other.stderr
    assert "ManaBox, Collectr, TCGplayer app, Dragon Shield" in other.stderr

    missing = run_cli("cards", "import", str(tmp_path / "nope.csv"), *ALICE, env=env)
    assert missing.returncode == 1
    assert "Cannot read" in missing.stderr and "nope.csv" in missing.stderr
    assert "Traceback" not in missing.stderr + other.stderr

    nobody = run_cli("cards", "export", str(tmp_path / "x.csv"), env=env)
    assert nobody.returncode == 1
    assert "--user EMAIL" in nobody.stderr
    assert not (tmp_path / "x.csv").exists()
