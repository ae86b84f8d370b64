"""The Cards page's queries on a real database: keyset pages, search, group sums per organization
mode, totals, and the value history (per card, and the collection's total per day)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from tests.card_support import COLLECTION, add_cards, add_many_cards, clear_history, set_history

from reseller_desktop.db.database import Database
from reseller_desktop.domain.card_groups import CardFilter, GroupPath, GroupSums, build_tree
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.card_pages import CardSort
from reseller_desktop.services.card_collection import card_pages, card_values


def all_rows(database: Database, user: UserRecord, card_filter: CardFilter, sort: CardSort, limit: int) -> list[int]:
    ids: list[int] = []
    with database.unit_of_work(user.id) as uow:
        pages = card_pages(uow)
        rows, key = pages.page(card_filter, sort, None, limit)
        ids += [r.id for r in rows]
        while key is not None:
            rows, key = pages.page(card_filter, sort, key, limit)
            ids += [r.id for r in rows]
    return ids


def sums(database: Database, user: UserRecord, mode: str, card_filter: CardFilter | None = None) -> dict:
    with database.unit_of_work(user.id) as uow:
        found = card_pages(uow).group_sums(card_filter or CardFilter(), mode)
    return {row.keys: (row.cards, row.quantity, row.value) for row in found}


@pytest.mark.parametrize("column", ["estimated_value", "purchase_price", "player_name", "title", "updated_at"])
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_visit_every_card_once_in_the_database_order(
    database: Database, alice: UserRecord, column: str, descending: bool
) -> None:
    add_cards(database, alice)
    ids = all_rows(database, alice, CardFilter(), CardSort(column, descending), limit=5)
    assert len(ids) == len(set(ids)) == len(COLLECTION)
    with database.unit_of_work(alice.id) as uow:
        rows = card_pages(uow).rows(ids)
    values = [getattr(r, column) for r in rows]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=descending)
    nulls = [i for i, v in enumerate(values) if v is None]
    if nulls:  # NULLs last going up, first going down (where the index keeps them)
        assert nulls == (list(range(len(nulls))) if descending else list(range(len(values) - len(nulls), len(values))))


def test_search_finds_title_player_set_and_card_number(database: Database, alice: UserRecord, bob: UserRecord) -> None:
    ids = add_cards(database, alice)
    add_cards(database, bob)

    def found(term: str) -> set[int]:
        return set(all_rows(database, alice, CardFilter(search=term), CardSort(), limit=50))

    assert found("trout") == {ids["Mike Trout"]}
    assert found("BASE SET") == {ids["Charizard"], ids["Pikachu"], ids["Blastoise"]}
    assert found("215/203") == {ids["Umbreon VMAX"]}
    assert found("LOB-0") == {ids["Blue-Eyes White Dragon"]}
    assert found("zz") == set(ids.values())  # under three characters: no search yet
    assert found("100%") == set()  # a literal percent sign, not a wildcard


def test_group_sums_by_set_count_cards_quantity_and_value_per_game_and_set(
    database: Database, alice: UserRecord
) -> None:
    add_cards(database, alice)
    found = sums(database, alice, "by_set")
    assert found[("Pokémon",)] == (4, 7, Decimal("2076.00"))  # 420 + 4 × 6.50 + 180 + 1450
    assert found[("Pokémon", "Base Set")] == (3, 6, Decimal("626.00"))
    assert found[("Magic: The Gathering", "Commander 2021")] == (1, 3, Decimal("4.50"))
    assert found[(None,)] == (5, 5, Decimal("4715.00"))  # sports cards have no game
    assert found[(None, "Upper Deck")] == (2, 2, Decimal("2520.00"))
    tree = build_tree("by_set", [GroupSums(k, *v) for k, v in found.items()])
    assert [node.label for node in tree] == ["Magic: The Gathering", "Pokémon", "Yu-Gi-Oh!", "No game"]
    assert [node.label for node in tree[1].children] == ["Base Set", "Evolving Skies"]


def test_group_sums_by_value_follow_the_tier_thresholds(database: Database, alice: UserRecord) -> None:
    add_cards(database, alice)
    assert sums(database, alice, "by_value") == {
        ("low",): (2, 7, Decimal("30.50")),
        ("mid",): (2, 2, Decimal("135.00")),
        ("high",): (5, 5, Decimal("2320.00")),
        ("grail",): (3, 3, Decimal("5050.00")),
    }


def test_group_sums_by_player_put_cards_without_a_player_under_no_player(database: Database, alice: UserRecord) -> None:
    add_cards(database, alice)
    found = sums(database, alice, "by_player")
    assert found[("baseball",)] == (3, 3, Decimal("2270.00"))
    assert found[("baseball", "Mike Trout")] == (1, 1, Decimal("1200.00"))
    assert found[(None, None)] == (7, 12, Decimal("2820.50"))  # the TCG cards
    tree = build_tree("by_player", [GroupSums(k, *v) for k, v in found.items()])
    assert [node.label for node in tree] == ["Baseball", "Basketball", "Football", "No sport"]
    assert [node.label for node in tree[-1].children] == ["No player"]


def test_custom_groups_count_a_card_under_each_of_its_tags(database: Database, alice: UserRecord) -> None:
    ids = add_cards(database, alice)
    with database.engine.begin() as conn:  # written by another program: not JSON at all
        conn.execute(
            text("UPDATE card_collections SET custom_categories = 'oops' WHERE id = :i"), {"i": ids["Sol Ring"]}
        )
    found = sums(database, alice, "custom")
    assert found[("binder",)] == (2, 5, Decimal("446.00"))
    assert found[("for sale",)] == (3, 3, Decimal("1550.00"))
    assert found[("grails",)] == (3, 3, Decimal("4800.00"))
    assert found[(None,)][0] == 6  # untagged, the malformed one among them
    grails = set(all_rows(database, alice, CardFilter(group=GroupPath("custom", ("grails",))), CardSort(), 50))
    assert grails == {ids["Umbreon VMAX"], ids["Shohei Ohtani"], ids["LeBron James"]}
    untagged = set(all_rows(database, alice, CardFilter(group=GroupPath("custom", (None,))), CardSort(), 50))
    assert ids["Sol Ring"] in untagged and len(untagged) == 6


def test_a_group_filters_the_pages_and_the_search_narrows_the_groups(database: Database, alice: UserRecord) -> None:
    ids = add_cards(database, alice)
    base_set = CardFilter(group=GroupPath("by_set", ("Pokémon", "Base Set")))
    assert set(all_rows(database, alice, base_set, CardSort("title", False), 2)) == {
        ids["Charizard"],
        ids["Pikachu"],
        ids["Blastoise"],
    }
    no_game = CardFilter(group=GroupPath("by_set", (None,)))
    assert len(all_rows(database, alice, no_game, CardSort(), 50)) == 5
    searched = sums(database, alice, "by_set", CardFilter(search="upper deck", group=GroupPath("by_set", ("x",))))
    assert searched == {(None,): (2, 2, Decimal("2520.00")), (None, "Upper Deck"): (2, 2, Decimal("2520.00"))}


def test_totals_sum_value_cost_and_gain_of_the_filtered_cards(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    add_cards(database, alice)
    add_cards(database, bob)
    with database.unit_of_work(alice.id) as uow:
        pages = card_pages(uow)
        everything = pages.totals(CardFilter())
        sports = pages.totals(CardFilter(card_type="sports"))
    assert (everything.cards, everything.quantity) == (12, 17)
    assert everything.value == Decimal("7535.50")
    assert everything.cost == Decimal("2069.00")
    assert everything.gain == Decimal("2972.00")  # only cards with both a value and a purchase price
    assert (sports.cards, sports.value, sports.cost) == (5, Decimal("4715.00"), Decimal("1080.00"))


def test_money_sums_keep_every_cent_of_values_stored_as_real(database: Database, alice: UserRecord) -> None:
    add_cards(database, alice, ({"card_type": "tcg", "title": "Big", "estimated_value": "12345.67", "quantity": 3},))
    with database.unit_of_work(alice.id) as uow:
        assert card_pages(uow).totals(CardFilter()).value == Decimal("37037.01")


def test_pages_of_many_cards_are_read_by_index(database: Database, alice: UserRecord) -> None:
    add_many_cards(database, alice, 2_000)
    ids = all_rows(database, alice, CardFilter(), CardSort("estimated_value", True), limit=300)
    assert len(set(ids)) == 2_000
    found = sums(database, alice, "by_set")
    assert found[("Pokémon",)][0] == 2_000
    assert sum(v[0] for k, v in found.items() if len(k) == 2) == 2_000


def test_card_history_lists_its_snapshots_by_day(database: Database, alice: UserRecord, bob: UserRecord) -> None:
    ids = add_cards(database, alice)
    charizard = ids["Charizard"]
    clear_history(database)
    set_history(database, charizard, [(date(2026, 3, 1), "380.00", 1), (date(2026, 1, 5), "350.00", 1)])
    with database.unit_of_work(alice.id) as uow:
        history = card_values(uow).card_history(charizard)
    assert [(p.day, p.value) for p in history] == [
        (date(2026, 1, 5), Decimal("350.00")),
        (date(2026, 3, 1), Decimal("380.00")),
    ]
    with database.unit_of_work(bob.id) as uow, pytest.raises(NotFoundError, match="No card"):
        card_values(uow).card_history(charizard)


def test_collection_total_per_day_is_the_latest_value_of_each_card_times_its_quantity(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    ids = list(add_cards(database, alice).values())
    bob_ids = list(add_cards(database, bob).values())
    clear_history(database)
    rng = random.Random(7)
    start = date(2026, 1, 1)
    history: dict[int, dict[date, tuple[Decimal, int]]] = {}
    for card_id in ids[:8]:
        days = sorted(rng.sample(range(60), 6))
        for offset in days:
            value, quantity = Decimal(rng.randint(100, 99_999)) / 100, rng.randint(0, 4)
            history.setdefault(card_id, {})[start + timedelta(days=offset)] = (value, quantity)
        set_history(database, card_id, [(d, str(v), q) for d, (v, q) in history[card_id].items()])
    set_history(database, bob_ids[0], [(start, "99999.00", 9)])  # another user's card: never counted

    def expected(day: date) -> Decimal:
        total = Decimal(0)
        for points in history.values():
            earlier = [d for d in points if d <= day]
            if earlier:
                value, quantity = points[max(earlier)]
                total += value * quantity
        return total

    first, last = start + timedelta(days=20), start + timedelta(days=70)
    with database.unit_of_work(alice.id) as uow:
        totals = card_values(uow).collection_totals(first, last)
    assert [p.day for p in totals] == [first + timedelta(days=n) for n in range(51)]
    assert [p.total for p in totals] == [expected(p.day) for p in totals]
    with database.unit_of_work(alice.id) as uow:
        assert card_values(uow).first_day() == min(d for points in history.values() for d in points)
