"""List this card: titles built from the card within 80 characters (least important parts left out
first, never a word cut), lot titles and descriptions, condition words, and the listings made from
cards on a real database (linked, refused when already listed, all or nothing)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.card_support import add_cards, uow_factory

from reseller_desktop.db.database import Database
from reseller_desktop.domain.card_titles import (
    card_listing_title,
    fit_words,
    listing_condition,
    lot_description,
    lot_title,
)
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.card_listing import (
    MAX_LOT_PHOTOS,
    CardAlreadyListedError,
    create_listings,
    plan_listings,
)


@dataclass(frozen=True)
class Card:
    card_type: str = "sports"
    title: str = "Card"
    card_number: str | None = None
    quantity: int | None = 1
    game_name: str | None = None
    set_name: str | None = None
    set_code: str | None = None
    rarity: str | None = None
    card_subtype: str | None = None
    sport: str | None = None
    year: int | None = None
    brand: str | None = None
    series: str | None = None
    player_name: str | None = None
    team: str | None = None
    is_rookie_card: bool | None = False
    parallel_color: str | None = None
    insert_series: str | None = None
    grading_company: str | None = None
    grading_score: float | None = None
    grading_serial: str | None = None
    estimated_value: Decimal | None = None
    card_condition: str | None = None
    language: str | None = None


OHTANI = Card(
    title="2018 Topps Chrome Update Shohei Ohtani",
    card_number="150",
    sport="baseball",
    year=2018,
    brand="Topps",
    set_name="Topps Chrome",
    series="Update Series",
    player_name="Shohei Ohtani",
    team="Los Angeles Angels",
    is_rookie_card=True,
    parallel_color="Gold Refractor",
    insert_series="Future Stars",
    grading_company="PSA",
    grading_score=10.0,
    grading_serial="48213377",
)


def test_a_sports_title_says_year_brand_set_number_player_rc_and_grade() -> None:
    title = card_listing_title(replace(OHTANI, team=None, series=None, insert_series=None, parallel_color=None))
    assert title == "2018 Topps Chrome #150 Shohei Ohtani RC PSA 10"  # "Topps" said once, inside the set


def test_a_long_title_leaves_out_the_least_important_parts_first() -> None:
    full = "2018 Topps Chrome Update Series Future Stars #150 Shohei Ohtani Los Angeles Angels Gold Refractor RC PSA 10"
    assert len(full) > 80
    title = card_listing_title(OHTANI)
    assert title == "2018 Topps Chrome Future Stars #150 Shohei Ohtani Gold Refractor RC PSA 10"  # team, series out
    assert card_listing_title(OHTANI, limit=50) == "2018 Topps Chrome #150 Shohei Ohtani RC PSA 10"
    assert card_listing_title(OHTANI, limit=30) == "2018 Shohei Ohtani RC PSA 10"
    assert card_listing_title(OHTANI, limit=20) == "Shohei Ohtani PSA 10"


def test_a_tcg_title_names_game_card_set_number_finish_language_and_grade() -> None:
    charizard = Card(
        card_type="tcg",
        title="Charizard",
        game_name="Pokémon",
        set_name="Base Set",
        card_number="4/102",
        rarity="Holo Rare",
        card_subtype="1st Edition",
        language="Japanese",
        grading_company="CGC",
        grading_score=9.5,
    )
    assert card_listing_title(charizard) == "Pokémon Charizard Base Set 4/102 Holo Rare 1st Edition Japanese CGC 9.5"
    assert card_listing_title(replace(charizard, language="EN", card_number="4")) == (
        "Pokémon Charizard Base Set #4 Holo Rare 1st Edition CGC 9.5"
    )


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=14)
phrases = st.lists(words, min_size=1, max_size=4).map(" ".join)


@given(
    player=phrases,
    set_name=phrases,
    brand=phrases,
    team=phrases,
    parallel=phrases,
    insert=phrases,
    year=st.integers(1950, 2030),
)
def test_titles_fit_80_characters_in_whole_words_and_keep_the_player(
    player: str, set_name: str, brand: str, team: str, parallel: str, insert: str, year: int
) -> None:
    card = replace(
        OHTANI,
        player_name=player,
        set_name=set_name,
        brand=brand,
        team=team,
        parallel_color=parallel,
        insert_series=insert,
        year=year,
    )
    title = card_listing_title(card)
    assert len(title) <= 80
    everything = f"{year} {brand} {set_name} Update Series {insert} #150 {player} {team} {parallel} RC PSA 10".split()
    assert all(word in everything for word in title.split())  # no word cut short
    assert player in title


def test_fitting_words_never_cuts_one_unless_the_first_is_longer_than_the_limit() -> None:
    assert fit_words("Charizard Holo Rare", 14) == "Charizard Holo"
    assert fit_words("Supercalifragilistic", 5) == "Super"


def pokemon(name: str, value: str, quantity: int = 1) -> Card:
    return Card(card_type="tcg", title=name, game_name="Pokémon", estimated_value=Decimal(value), quantity=quantity)


def test_a_lot_title_names_the_most_valuable_cards_that_fit() -> None:
    names = ["Pikachu", "Charizard", "Bulbasaur", "Squirtle", "Mewtwo", "Gengar", "Eevee", "Snorlax", "Dragonite"]
    cards = [pokemon(name, str(10 + i)) for i, name in enumerate(names)] + [pokemon("Pikachu", "2", quantity=3)]
    title = lot_title(cards)
    assert title == "Lot of 12 Pokémon cards: Dragonite, Snorlax, Eevee, Gengar, Mewtwo, Squirtle, …"
    assert len(title) <= 80
    assert (
        lot_title([pokemon("Charizard", "400"), pokemon("Pikachu", "5")])
        == "Lot of 2 Pokémon cards: Charizard, Pikachu"
    )
    mixed = [pokemon("Charizard", "400"), replace(OHTANI, estimated_value=Decimal(900))]
    assert lot_title(mixed) == "Lot of 2 trading cards: Shohei Ohtani, Charizard"


def test_a_lot_description_lists_every_card() -> None:
    cards = [pokemon(f"Card {n}", str(n)) for n in range(1, 31)]
    description = lot_description(cards)
    assert description.startswith("Lot of 30 Pokémon cards:")
    assert all(f"- Pokémon Card {n}" in description for n in range(1, 31))


@pytest.mark.parametrize(
    ("words_written", "condition"),
    [
        ("Near Mint", "like_new"),
        ("NM-MT", "like_new"),
        ("Gem Mint", "new"),
        ("LP", "excellent"),
        ("Lightly Played", "excellent"),
        ("moderately played", "good"),
        ("HP", "fair"),
        ("Damaged", "poor"),
        ("Slab", None),
        (None, None),
    ],
)
def test_card_conditions_map_to_listing_conditions(words_written: str | None, condition: str | None) -> None:
    assert listing_condition(words_written) == condition


# ----- on the database ---------------------------------------------------------------------------
def test_one_listing_per_card_takes_its_quantity_cost_location_and_photos(
    database: Database, alice: UserRecord
) -> None:
    ids = add_cards(database, alice)
    with database.unit_of_work(alice.id) as uow:
        uow.cards.update(ids["Pikachu"], {"storage_location": "Binder 2 › p4"})
        uow.commit()
    new_uow = uow_factory(database, alice)
    plan = plan_listings(new_uow, [ids["Pikachu"], ids["Umbreon VMAX"]], as_lot=False)
    assert plan.refused == ()
    created = create_listings(new_uow, plan.drafts)
    pikachu, umbreon = created
    assert (pikachu.title, pikachu.price, pikachu.quantity, pikachu.cost) == (
        "Pokémon Pikachu Base Set 58/102 Common",
        Decimal("6.50"),
        4,
        Decimal("1.00"),
    )
    assert (pikachu.storage_location, pikachu.condition, pikachu.photos) == (
        "Binder 2 › p4",
        "excellent",
        ["file:///photos/pikachu.jpg"],
    )
    assert pikachu.attributes == {"game": "Pokémon", "set_name": "Base Set", "card_number": "58/102"}
    assert "Rarity: Common" in (pikachu.description or "")
    assert umbreon.title == "Pokémon Umbreon VMAX Evolving Skies 215/203 Secret Rare Alternate Art"
    with database.unit_of_work(alice.id) as uow:
        assert uow.cards.get(ids["Pikachu"]).listing_id == pikachu.id
        assert uow.cards.get(ids["Umbreon VMAX"]).listing_id == umbreon.id


def test_a_card_on_a_live_listing_is_refused_until_that_listing_is_canceled(
    database: Database, alice: UserRecord
) -> None:
    ids = add_cards(database, alice)
    new_uow = uow_factory(database, alice)
    (first,) = create_listings(new_uow, plan_listings(new_uow, [ids["Charizard"]], as_lot=False).drafts)
    plan = plan_listings(new_uow, [ids["Charizard"], ids["Blastoise"]], as_lot=True)
    assert [r.card_id for r in plan.refused] == [ids["Charizard"]]
    assert "already on listing “Pokémon Charizard Base Set 4/102 Holo Rare PSA 9” (draft)" in plan.refused[0].reason
    assert plan.drafts[0].card_ids == (ids["Blastoise"],)
    stale = plan_listings(new_uow, [ids["Blastoise"]], as_lot=False).drafts
    create_listings(new_uow, stale)
    with pytest.raises(CardAlreadyListedError, match="Blastoise"):  # listed meanwhile: nothing is created twice
        create_listings(new_uow, stale)
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(first.id, {"status": "canceled"})
        uow.commit()
    again = plan_listings(new_uow, [ids["Charizard"]], as_lot=False)
    assert again.refused == () and len(again.drafts) == 1


def test_a_lot_is_one_listing_of_quantity_one_that_every_card_points_at(database: Database, alice: UserRecord) -> None:
    ids = add_cards(database, alice)
    new_uow = uow_factory(database, alice)
    many_photos = [f"file:///photos/extra-{n}.jpg" for n in range(30)]
    with database.unit_of_work(alice.id) as uow:
        uow.cards.update(ids["Blastoise"], {"photos": many_photos})
        uow.commit()
    chosen = [ids[n] for n in ("Pikachu", "Charizard", "Blastoise", "Umbreon VMAX")]
    (draft,) = plan_listings(new_uow, chosen, as_lot=True).drafts
    assert draft.title == "Lot of 7 Pokémon cards: Umbreon VMAX, Charizard, Blastoise, Pikachu"
    assert draft.price == Decimal("2076.00")
    assert draft.cost == Decimal("949.00")  # 250 + 4 × 1 + 95 + 600
    assert draft.condition == "excellent"  # as good as its worst card (Pikachu, LP)
    assert len(draft.photos) == MAX_LOT_PHOTOS
    assert draft.photos[:2] == ("file:///photos/charizard-front.jpg", "file:///photos/charizard-back.jpg")
    (lot,) = create_listings(new_uow, [replace(draft, price=Decimal("1899.00"))])
    assert (lot.quantity, lot.price, lot.item_type, lot.status) == (1, Decimal("1899.00"), "trading_card", "draft")
    assert lot.description is not None and lot.description.count("\n- ") == 4
    with database.unit_of_work(alice.id) as uow:
        assert {uow.cards.get(card_id).listing_id for card_id in chosen} == {lot.id}
