"""Card CSV import and export against a real database and real files: the collector apps' exports
(tests/fixtures/cards), merging, our own export's round trip, bad rows, all-or-nothing, cancel,
and tenant isolation."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.csv_files import read_csv, write_csv
from tests.transfer_support import (  # noqa: F401  (*_fixture: fixtures)
    Factory,
    as_alice_fixture,
    as_bob_fixture,
    table_rows,
)

from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.domain.card_csv_formats import CARD_FIELDS, OWN_COLUMNS, OWN_IGNORED
from reseller_desktop.domain.records import CardRecord, UserRecord
from reseller_desktop.services.card_csv import (
    CardImportPreview,
    CardImportResult,
    describe_counts,
    export_cards,
    import_cards,
    preview_card_import,
)
from reseller_desktop.services.csv_transfer import (
    BadRow,
    CsvFileError,
    ExportCancelledError,
    ImportCancelledError,
    ImportRejectedError,
    TransferProgress,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cards"
MTG = "Magic: The Gathering"


def cards(factory: Factory) -> dict[str, CardRecord]:
    """The user's cards by title (the fixtures' titles are unique once merged)."""
    with factory() as uow:
        return {card.title: card for card in uow.cards.page(limit=1000)}


def state(database: Database, user: UserRecord) -> list[tuple[Any, ...]]:
    return table_rows(database, "card_collections", user)


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8", newline="")
    return path


def test_a_manabox_collection_with_a_bom_arrives_with_binders_variants_and_ids(as_alice: Factory) -> None:
    path = FIXTURES / "manabox.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    preview = preview_card_import(as_alice, path)
    assert preview == CardImportPreview(
        format_name="ManaBox",
        to_create=7,
        to_merge=1,  # the second Lightning Bolt row
        into_owned=0,
        to_update=0,
        unchanged=0,
        bad_rows=(),
        warnings=(
            BadRow(7, "Purchase price 3.10 EUR is kept in the card's notes; the app's prices are in US dollars."),
        ),
    )
    assert cards(as_alice) == {}  # a preview writes nothing

    assert import_cards(as_alice, path) == CardImportResult("ManaBox", 7, 1, 0, 0, 0, preview.warnings)
    owned = cards(as_alice)
    bolt = owned["Lightning Bolt"]
    assert (bolt.quantity, bolt.purchase_price) == (6, Decimal("0.92"))  # (4 × 0.75 + 2 × 1.25) / 6
    assert (bolt.card_type, bolt.game_name, bolt.set_code, bolt.set_name) == ("tcg", MTG, "2X2", "Double Masters 2022")
    assert (bolt.card_number, bolt.rarity, bolt.card_subtype) == ("117", "uncommon", None)
    assert (bolt.card_condition, bolt.language, bolt.custom_categories) == ("near_mint", "en", ["Main Binder"])
    assert bolt.source_ids == {"manabox_id": "100117", "scryfall_id": "e3285e6b-3e79-4d7c-bf96-d920f973b122"}
    assert owned["Jace, the Mind Sculptor"].card_subtype == "foil"
    assert owned["Sol Ring"].card_subtype == "etched"
    assert owned["Sol Ring"].custom_categories == ["Commander Deck"]
    assert owned['Kongming, "Sleeping Dragon"'].purchase_price == Decimal("12.00")
    vault = owned["Lim-Dûl's Vault"]
    assert (vault.purchase_price, vault.notes, vault.language) == (None, "Bought for 3.10 EUR", "de")
    assert owned["Tarmogoyf"].card_subtype == "misprint"
    assert owned["Counterspell"].card_subtype == "altered"
    assert owned["Counterspell"].purchase_price is None


def test_collectr_with_windows_line_endings_reads_grades_prices_and_the_watchlist(as_alice: Factory) -> None:
    path = FIXTURES / "collectr.csv"
    assert b"\r\n" in path.read_bytes()

    preview = preview_card_import(as_alice, path)
    assert (preview.format_name, preview.to_create, preview.to_merge, preview.bad_rows) == ("Collectr", 7, 1, ())
    import_cards(as_alice, path)

    owned = cards(as_alice)
    charizard = owned["Charizard ex"]
    assert (charizard.game_name, charizard.set_name, charizard.card_number) == ("Pokemon", "Obsidian Flames", "223/197")
    assert (charizard.grading_company, charizard.grading_score, charizard.card_subtype) == ("PSA", 10.0, "Holofoil")
    assert (charizard.purchase_price, charizard.estimated_value) == (Decimal("250.00"), Decimal("310.45"))
    assert charizard.notes == 'Pulled live from the "Paldea" box, centered'
    assert charizard.custom_categories == ["Main Collection"]
    hat = owned["Pikachu with Grey Felt Hat"]  # two identical rows
    assert (hat.quantity, hat.purchase_price, hat.estimated_value) == (2, Decimal("40.00"), Decimal("62.18"))
    assert (hat.grading_company, hat.card_subtype, hat.card_condition) == (None, None, "Near Mint")
    assert owned["Mewtwo"].card_subtype == "Cosmos Holo"
    assert owned["Mewtwo"].quantity == 2
    blastoise = owned["Blastoise"]
    assert (blastoise.grading_company, blastoise.grading_score) == ("BGS", 9.5)
    assert blastoise.estimated_value == Decimal("1500.00")  # the price override wins over the market price
    stamped = owned["Pikachu V - SWSH061 (Pokemon Center Stamp)"]
    assert (stamped.card_subtype, stamped.grading_company, stamped.grading_score) == ("Stamped", "CGC", 10.0)
    assert owned["Sheoldred, the Apocalypse"].game_name == MTG
    watched = owned["Umbreon VMAX (Alternate Art Secret)"]
    assert (watched.quantity, watched.custom_categories) == (0, ["Wishlist", "Collectr watchlist"])


def test_tcgplayer_keeps_the_full_name_and_the_product_ids(as_alice: Factory) -> None:
    result = import_cards(as_alice, FIXTURES / "tcgplayer.csv")
    assert result == CardImportResult("TCGplayer app", created=5, merged=1, into_owned=0, updated=0, unchanged=0)

    owned = cards(as_alice)
    assert set(owned) == {
        "Sheoldred, the Apocalypse",
        "Lightning Bolt (Borderless)",
        "Charizard ex - 223/197",
        "Pikachu - 025/165",
        "Professor's Research (Professor Oak) - 060/072",
    }
    pikachu = owned["Pikachu - 025/165"]
    assert (pikachu.quantity, pikachu.card_subtype, pikachu.set_code) == (4, "Reverse Holofoil", "MEW")
    assert (pikachu.game_name, pikachu.card_condition, pikachu.language) == (None, "Near Mint", "English")
    assert pikachu.source_ids == {"tcgplayer_product_id": "502345", "tcgplayer_sku": "7234567"}
    assert owned["Sheoldred, the Apocalypse"].card_subtype == "Foil"


def test_dragon_shield_after_its_sep_line_numbers_rows_as_the_file_does(as_alice: Factory, tmp_path: Path) -> None:
    path = FIXTURES / "dragon_shield.csv"
    assert path.read_text().startswith("sep=,\n")

    assert import_cards(as_alice, path) == CardImportResult("Dragon Shield", 5, 1, 0, 0, 0)
    owned = cards(as_alice)
    ragavan = owned["Ragavan"]
    assert (ragavan.quantity, ragavan.purchase_price, ragavan.estimated_value) == (
        6,
        Decimal("47.00"),
        Decimal("47.50"),
    )
    assert ragavan.notes == "Bought 2023-04-01\nBought 2023-06-20"
    assert (ragavan.game_name, ragavan.card_condition, ragavan.custom_categories) == (
        MTG,
        "NearMint",
        ["Modern Staples"],
    )
    assert owned["Urza's Saga"].card_subtype == "Foil"
    assert owned["Urza's Saga"].notes == "Bought 2023-04-01\n1 for trade"
    assert owned["Sol Ring"].card_subtype == "Etched"
    jace = owned["Jace, Vryn's Prodigy // Jace, Telepath Unbound"]
    assert (jace.language, jace.notes, jace.card_subtype) == ("Japanese", None, None)

    broken = write(tmp_path / "ds.csv", path.read_text().replace("Ragavan,MH2", "Ragavan,MH2,extra", 1))
    assert preview_card_import(as_alice, broken).bad_rows == (BadRow(3, "has 16 cells; the header has 15 columns."),)


def test_rows_identical_to_cards_already_owned_add_to_them(as_alice: Factory) -> None:
    with as_alice() as uow:
        uow.cards.add(
            {
                "card_type": "tcg",
                "title": "Pikachu with Grey Felt Hat",
                "game_name": "Pokemon",
                "set_name": "SV: Scarlet & Violet Promo Cards",
                "card_number": "085",
                "card_condition": "Near Mint",
                "quantity": 1,
                "purchase_price": "40.00",
                "estimated_value": "50.00",
                "custom_categories": ["Van Gogh"],
                "notes": "Museum day",
            }
        )
        uow.commit()

    preview = preview_card_import(as_alice, FIXTURES / "collectr.csv")
    assert (preview.to_create, preview.to_merge, preview.into_owned) == (6, 2, 2)
    assert describe_counts(preview) == "6 to create, 2 to merge (2 into cards you already own), 0 refused"
    import_cards(as_alice, FIXTURES / "collectr.csv")

    hat = cards(as_alice)["Pikachu with Grey Felt Hat"]
    assert hat.quantity == 3
    assert hat.purchase_price == Decimal("40.00")  # (1 × 40 + 2 × 40) / 3
    assert hat.estimated_value == Decimal("62.18")  # the file's market price replaces the old value
    assert hat.value_tier == "mid"  # set by the database from the new value
    assert hat.custom_categories == ["Van Gogh", "Main Collection"]
    assert hat.rarity == "Promo"  # filled in; it had none
    assert hat.notes == "Museum day"

    import_cards(as_alice, FIXTURES / "collectr.csv")  # the same file again: everything adds up again
    again = cards(as_alice)
    assert again["Pikachu with Grey Felt Hat"].quantity == 5
    assert again["Charizard ex"].quantity == 2
    assert len(again) == 7


def test_our_export_round_trip_changes_nothing_and_updates_by_card_uuid(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    import_cards(as_alice, FIXTURES / "collectr.csv")
    with as_alice() as uow:
        bin_ = uow.storage.add_bin("Binders", "cards")
        item = uow.storage.add_item({"bin_id": bin_.id, "title": "Slab box"})
        uow.cards.add(
            {
                "card_type": "sports",
                "title": 'Ken Griffey Jr.\nUpper Deck, 1989 "Star Rookie"',
                "sport": "baseball",
                "year": 1989,
                "brand": "Upper Deck",
                "player_name": "Ken Griffey Jr.",
                "is_rookie_card": True,
                "grading_company": "PSA",
                "grading_score": 8.5,
                "grading_serial": "12345678",
                "estimated_value": "99999.99",
                "purchase_price": "0.10",
                "photos": ["sha256:ab12"],
                "format_legality": {"standard": False},
                "ai_confidence": 0.87,
                "storage_item_id": item.id,
                "organization_mode": "by_player",
            }
        )
        uow.commit()
    out = tmp_path / "cards.csv"
    assert export_cards(as_alice, out) == 8
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(OWN_COLUMNS)
    before = state(database, alice)

    preview = preview_card_import(as_alice, out)
    assert (preview.format_name, preview.unchanged, preview.to_write, preview.bad_rows) == (
        "Reseller Desktop export", 8, 0, ()
    )  # fmt: skip
    assert import_cards(as_alice, out) == CardImportResult("Reseller Desktop export", 0, 0, 0, 0, 8)
    assert state(database, alice) == before

    rows = read_csv(out)
    charizard = next(row for row in rows if row["title"] == "Charizard ex")
    charizard["quantity"] = "3"
    twin = {**charizard, "card_uuid": "11111111-2222-4333-8444-555555555555"}
    write_csv(out, [*rows, twin], columns=OWN_COLUMNS)
    assert import_cards(as_alice, out) == CardImportResult("Reseller Desktop export", 1, 0, 0, 1, 7)
    with as_alice() as uow:
        assert uow.cards.get_by_uuid(charizard["card_uuid"]).quantity == 3
        copy = uow.cards.get_by_uuid(twin["card_uuid"])
    assert (copy.title, copy.quantity, copy.grading_company) == ("Charizard ex", 3, "PSA")


def test_every_bad_row_is_named_and_nothing_is_written(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    path = FIXTURES / "manabox_bad_rows.csv"
    expected = (
        BadRow(3, "Quantity: 'two' is not a quantity; write a whole number from 0."),
        BadRow(
            5,
            "Purchase price: 'about a dollar' is not an amount of money; write it like 12.50.; "
            "Name: A card name is required.",
        ),
        BadRow(6, "Misprint: 'maybe' is neither true nor false."),
    )
    assert preview_card_import(as_alice, path).bad_rows == expected
    with pytest.raises(ImportRejectedError) as rejected:
        import_cards(as_alice, path)
    assert rejected.value.preview.bad_rows == expected
    assert str(rejected.value) == (
        "3 rows of manabox_bad_rows.csv cannot be imported; nothing was written. "
        "Correct the rows listed with their numbers and import again."
    )
    assert state(database, alice) == []

    graded = write(
        tmp_path / "graded.csv",
        "Portfolio Name,Product Name,Grade,Quantity,Market Price (As of 2025-01-31)\n"
        "Slabs,Mew,PSA 11,1,10\nSlabs,Mew,Mint,1,10\nSlabs,Mew,PSA 9,1,-3\nSlabs,Mew,PSA 9,1,1e400\n"
        'Slabs,Mew,PSA Authentic,1,"$1,234.565"\nSlabs,Mew,PSA 10,1,$1,234.56\n',
    )
    preview = preview_card_import(as_alice, graded)
    assert preview.bad_rows == (
        BadRow(2, "Grade: 11.0 is outside the grading scale of 1 to 10."),
        BadRow(3, "Grade: 'Mint' is not a grade; write it like PSA 10 or BGS 9.5, or Ungraded."),
        BadRow(4, "Market Price: -3.00 is negative; amounts must be 0 or more."),
        BadRow(5, "Market Price: '1e400' is not an amount of money; write it like 12.50."),
        BadRow(7, "has 6 cells; the header has 5 columns."),
    )
    assert preview.to_create == 1  # PSA Authentic at $1,234.57


def test_files_that_are_not_card_exports_are_refused_as_a_whole(as_alice: Factory, tmp_path: Path) -> None:
    def refusal(content: str | bytes) -> str:
        path = tmp_path / "file.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        with pytest.raises(CsvFileError) as caught:
            preview_card_import(as_alice, path)
        return str(caught.value)

    assert refusal("title,price\nLamp,3\n").startswith(
        "file.csv is not a card export this app knows (its header starts title, price). Export your collection "
        "as CSV from one of: ManaBox, Collectr, TCGplayer app, Dragon Shield or this app's own card export."
    )
    assert refusal("").startswith("file.csv is empty.")
    assert refusal("Portfolio Name,Product Name,Grade\n") == (
        "file.csv looks like a Collectr file but missing: quantity. "
        "Export it again from the app, without editing its header."
    )
    assert refusal("Name,Set code,ManaBox ID,Scryfall ID,Name\n") == (
        "file.csv looks like a ManaBox file but missing: collector number, foil, quantity; repeated: name. "
        "Export it again from the app, without editing its header."
    )
    assert refusal("Quantity,Name,Simple Name,Product ID\n1,Caf\xe9,Cafe,1\n".encode("latin-1")) == (
        "file.csv is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."
    )
    with pytest.raises(CsvFileError, match=r"Cannot read .*gone\.csv: No such file or directory\."):
        preview_card_import(as_alice, tmp_path / "gone.csv")


def test_cancel_while_writing_rolls_everything_back(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    import_cards(as_alice, FIXTURES / "tcgplayer.csv")
    before = state(database, alice)
    cancel = threading.Event()
    seen: list[TransferProgress] = []

    def progress(report: TransferProgress) -> None:
        seen.append(report)
        if report.phase == "Writing" and report.done > 0:
            cancel.set()  # after the first slice was written

    with pytest.raises(ImportCancelledError):
        import_cards(as_alice, FIXTURES / "collectr.csv", progress, cancel, slice_rows=2)
    assert [p.phase for p in seen][:2] == ["Reading", "Checking"]
    assert seen[-1] == TransferProgress("Writing", 2, 8)
    assert state(database, alice) == before


def test_importing_as_bob_never_touches_alices_cards(
    tmp_path: Path, database: Database, alice: UserRecord, bob: UserRecord, as_alice: Factory, as_bob: Factory
) -> None:
    import_cards(as_alice, FIXTURES / "tcgplayer.csv")
    with as_alice() as uow:
        item = uow.storage.add_item({"title": "Alice's box"})
        mox = uow.cards.add({"card_type": "tcg", "title": "Mox Pearl", "storage_item_id": item.id})
        uow.commit()
    assert export_cards(as_alice, tmp_path / "alice.csv") == 6
    alices = state(database, alice)

    assert preview_card_import(as_bob, FIXTURES / "tcgplayer.csv").into_owned == 0
    import_cards(as_bob, FIXTURES / "tcgplayer.csv")
    preview = preview_card_import(as_bob, tmp_path / "alice.csv")
    assert (preview.to_create, preview.into_owned, preview.to_update, preview.unchanged) == (6, 0, 0, 0)
    assert preview.warnings == (
        BadRow(7, f"storage_item_id: {item.id} is not one of your storage items; the card is imported without it."),
    )
    import_cards(as_bob, tmp_path / "alice.csv")

    assert state(database, alice) == alices
    bobs = state(database, bob)
    assert len(bobs) == 11
    with as_bob() as uow:
        bob_mox = next(card for card in uow.cards.page() if card.title == "Mox Pearl")
    assert bob_mox.card_uuid != mox.card_uuid  # a uuid another user's card has is never reused
    assert bob_mox.storage_item_id is None
    alice_uuids = {row.card_uuid for row in cards(as_alice).values()}
    with as_bob() as uow:
        assert not alice_uuids & {card.card_uuid for card in uow.cards.page()}


def test_the_import_is_logged_once_and_the_export_is_all_or_nothing(
    tmp_path: Path, database: Database, as_alice: Factory
) -> None:
    import_cards(as_alice, FIXTURES / "dragon_shield.csv")
    with database.connect() as conn:
        log = schema.activity_logs
        details = list(conn.scalars(select(log.c.details).where(log.c.action == "import_cards")))
    assert details == [
        {
            "file": "dragon_shield.csv",
            "format": "Dragon Shield",
            "created": 5,
            "merged": 1,
            "merged_into_owned": 0,
            "updated": 0,
            "unchanged": 0,
        }
    ]

    out = tmp_path / "cards.csv"
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ExportCancelledError):
        export_cards(as_alice, out, cancel=cancel)
    assert list(tmp_path.iterdir()) == []
    reports: list[TransferProgress] = []
    assert export_cards(as_alice, out, reports.append) == 5
    assert reports[-1] == TransferProgress("Exporting", 5, 5)
    with pytest.raises(CsvFileError, match="Choose a folder you can write to"):
        export_cards(as_alice, tmp_path / "missing" / "cards.csv")


def test_every_card_column_is_exported_and_known_to_the_import() -> None:
    assert set(CARD_FIELDS) | set(OWN_IGNORED) | {"card_uuid", "created_at", "updated_at"} == set(OWN_COLUMNS)
    assert {"card_condition", "language", "source_ids", "listing_id"} <= set(CARD_FIELDS)


def test_a_sep_line_can_name_another_delimiter(as_alice: Factory, tmp_path: Path) -> None:
    source = (FIXTURES / "dragon_shield.csv").read_text().splitlines()
    semicolons = ["sep=;"] + [line.replace(",", ";") for line in source[1:4]]
    path = write(tmp_path / "semi.csv", "\n".join(semicolons) + "\n")
    preview = preview_card_import(as_alice, path)
    assert (preview.format_name, preview.to_create, preview.bad_rows) == ("Dragon Shield", 2, ())


def test_a_reprint_in_another_set_with_the_same_number_is_another_card(as_alice: Factory, tmp_path: Path) -> None:
    columns = next(iter(read_csv(FIXTURES / "collectr.csv"))).keys()
    base = {"Portfolio Name": "Main", "Category": "Pokemon", "Product Name": "Charizard", "Card Number": "4/102"}
    rows = [
        base | {"Set": "Base Set", "Quantity": "1", "Market Price (As of 2024-06-01)": "400.00"},
        base | {"Set": "Celebrations: Classic Collection", "Quantity": "1", "Market Price (As of 2024-06-01)": "8.00"},
    ]
    path = write_csv(tmp_path / "collectr.csv", rows, columns=list(columns))
    assert preview_card_import(as_alice, path).to_create == 2
    import_cards(as_alice, path)
    with as_alice() as uow:
        values = sorted((c.set_name, c.quantity, c.estimated_value) for c in uow.cards.page())
    assert values == [("Base Set", 1, Decimal("400.00")), ("Celebrations: Classic Collection", 1, Decimal("8.00"))]
