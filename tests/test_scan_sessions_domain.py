"""The rules of the put-away and audit sessions, without Qt or a database."""

from __future__ import annotations

import pytest

from reseller_desktop.domain.audit import AuditSession, AuditVerdict, ExpectedItem, Recorded, Sighting
from reseller_desktop.domain.barcodes import HitKind
from reseller_desktop.domain.put_away import PutAwayOutcome, PutAwaySession
from reseller_desktop.domain.scan_sessions import ScanTarget, ThingRef

SHELF_B3 = ScanTarget(bin_id=1, section_id=3, path="B › 3")
SHELF_B4 = ScanTarget(bin_id=1, section_id=4, path="B › 4")
JEANS = ThingRef(HitKind.LISTING, 10)
JACKET = ThingRef(HitKind.LISTING, 11)
PIKACHU = ThingRef(HitKind.CARD, 20)


# ----- put away ------------------------------------------------------------------------------------


def test_an_item_before_any_place_is_refused_with_what_to_do() -> None:
    session: PutAwaySession[str] = PutAwaySession()
    entry = session.check("LV-501", JEANS, "Levi's 501")
    assert entry is not None
    assert entry.outcome is PutAwayOutcome.NO_TARGET
    assert entry.text == "Levi's 501: not moved; scan a bin or section label first, then the items."
    assert session.moved_count == 0


def test_a_label_sets_the_place_and_items_go_there_in_order() -> None:
    session: PutAwaySession[str] = PutAwaySession()
    switched = session.switch_to("SEC-3", SHELF_B3)
    assert switched.text == "Now putting away into B › 3"
    assert session.check("LV-501", JEANS, "Levi's 501") is None
    moved = session.moved("LV-501", JEANS, "Levi's 501", "receipt-1", came_from="A › 1")
    assert moved.text == "Levi's 501 → B › 3 (from A › 1)"
    assert moved.target == SHELF_B3
    unstored = session.moved("LV-777", JACKET, "Jacket", "receipt-2", came_from=None)
    assert unstored.text == "Jacket → B › 3 (was not in storage)"
    assert [e.number for e in session.entries] == [1, 2, 3]
    assert session.moved_count == 2


def test_scanning_the_same_thing_again_in_the_same_place_does_not_move_it_twice() -> None:
    session: PutAwaySession[str] = PutAwaySession(SHELF_B3)
    session.moved("LV-501", JEANS, "Levi's 501", "r1", came_from=None)
    again = session.check("012345678905", JEANS, "Levi's 501")
    assert again is not None
    assert again.outcome is PutAwayOutcome.ALREADY_HERE
    assert again.text == "Levi's 501 is already in B › 3 (scan 1)."
    session.switch_to("SEC-4", SHELF_B4)
    assert session.check("LV-501", JEANS, "Levi's 501") is None  # another place: it moves again


def test_a_thing_the_records_already_had_there_is_not_a_move_to_undo() -> None:
    session: PutAwaySession[str] = PutAwaySession(SHELF_B3)
    entry = session.moved("LV-501", JEANS, "Levi's 501", "r1", came_from="B › 3", stayed=True)
    assert entry.outcome is PutAwayOutcome.ALREADY_HERE
    assert entry.text == "Levi's 501 was already in B › 3."
    assert session.last_undoable() is None
    assert session.moved_count == 0
    # Another bin also called B, with a section 3: same path, a real move, which can be undone.
    other = session.moved("LV-502", JACKET, "Jacket", "r2", came_from="B › 3")
    assert other.outcome is not PutAwayOutcome.ALREADY_HERE
    assert session.last_undoable() is other


def test_undo_takes_back_the_newest_move_only_once() -> None:
    session: PutAwaySession[str] = PutAwaySession(SHELF_B3)
    session.moved("LV-501", JEANS, "Levi's 501", "r1", came_from=None)
    session.moved("LV-502", JACKET, "Jacket", "r2", came_from=None)
    session.not_found("NOPE", "Nothing was found for NOPE.")
    last = session.last_undoable()
    assert last is not None
    assert last.receipt == "r2"  # the not-found scan after it is not a move
    session.mark_undone(last.number)
    assert session.moved_count == 1
    with pytest.raises(ValueError, match="not a move"):
        session.mark_undone(last.number)
    following = session.last_undoable()
    assert following is not None
    assert following.receipt == "r1"
    # The undone jacket is no longer "already here": scanning it moves it again.
    assert session.check("LV-502", JACKET, "Jacket") is None


def test_a_refused_move_is_listed_and_nothing_is_counted() -> None:
    session: PutAwaySession[str] = PutAwaySession(SHELF_B3)
    entry = session.refused("LV-501", "Section B › 3 is full (12 of 12).", JEANS)
    assert entry.outcome is PutAwayOutcome.REFUSED
    assert session.moved_count == 0
    assert session.last_undoable() is None


def test_a_place_is_not_a_stored_thing() -> None:
    with pytest.raises(ValueError, match="place"):
        ThingRef(HitKind.SECTION, 3)


# ----- audit ---------------------------------------------------------------------------------------

JEANS_BOX = ExpectedItem(100, "SI-JEANS", "Levi's 501", listing_id=JEANS.id)
CARD_BOX = ExpectedItem(101, "SI-CARDS", "Pokémon binder", card_ids=(PIKACHU.id, 21))
LOST_HAT = ExpectedItem(102, "SI-HAT", "Hat")


def audit() -> AuditSession:
    return AuditSession(SHELF_B3, [JEANS_BOX, CARD_BOX, LOST_HAT])


def here(storage_item_id: int) -> Recorded:
    return Recorded(storage_item_id, bin_id=1, section_id=3, path="B › 3")


def test_audit_sorts_scans_into_found_elsewhere_missing_and_unknown() -> None:
    session = audit()
    found = session.scanned("LV-501", Sighting(JEANS, "Levi's 501", (here(100),)))
    card = session.scanned("card-uuid", Sighting(PIKACHU, "Pikachu", (here(101),)))
    elsewhere = session.scanned(
        "LV-900", Sighting(JACKET, "Jacket", (Recorded(200, bin_id=2, section_id=9, path="C › 1"),))
    )
    unknown = session.unknown("ZZZ-1", "Nothing was found for ZZZ-1.")
    assert [found.verdict, card.verdict, elsewhere.verdict, unknown.verdict] == [
        AuditVerdict.FOUND,
        AuditVerdict.FOUND,
        AuditVerdict.ELSEWHERE,
        AuditVerdict.UNKNOWN,
    ]
    assert elsewhere.text == "Jacket: found here, but recorded as C › 1."
    assert unknown.text == "Nothing was found for ZZZ-1."
    report = session.report()
    assert [line.title for line in report.found] == ["Levi's 501", "Pikachu"]
    assert [line.sighting.thing for line in report.elsewhere] == [JACKET]
    assert report.missing == (LOST_HAT,)
    assert [line.text for line in report.unknown] == ["Nothing was found for ZZZ-1."]  # the code said once
    assert report.duplicates == ()
    assert not report.is_clean
    assert report.summary() == "B › 3: 2 found, 1 recorded elsewhere, 1 missing, 1 unknown."


def test_an_unknown_code_is_named_once_in_its_line() -> None:
    session = audit()
    assert session.unknown("ZZZ-1", "Nothing was found for zzz-1.").text == "Nothing was found for zzz-1."
    assert session.unknown("SEC-9", "Bin B is a label, not an item.").text == "SEC-9: Bin B is a label, not an item."


def test_a_thing_with_no_storage_record_or_sold_and_taken_out_says_so() -> None:
    session = audit()
    never = session.scanned("LV-1", Sighting(JACKET, "Jacket"))
    sold = session.scanned(
        "LV-2", Sighting(ThingRef(HitKind.LISTING, 12), "Boots", (Recorded(300, None, None, None, "A › 2"),))
    )
    assert never.text == "Jacket: found here, but recorded as no storage record for this listing."
    assert sold.text == "Boots: found here, but recorded as taken out of A › 2 when it sold."


def test_duplicates_are_flagged_and_counted_once_as_found() -> None:
    session = audit()
    session.scanned("LV-501", Sighting(JEANS, "Levi's 501", (here(100),)))
    again = session.scanned("012345678905", Sighting(JEANS, "Levi's 501", (here(100),)))
    session.unknown("ZZZ-1", "Nothing was found for ZZZ-1.")
    unknown_again = session.unknown("zzz-1", "Nothing was found for zzz-1.")
    assert again.duplicate_of == 1
    assert again.text.endswith("Duplicate: already scanned as scan 1.")
    assert unknown_again.duplicate_of == 3
    report = session.report()
    assert [(line.title, line.scans) for line in report.found] == [("Levi's 501", 2)]
    assert report.duplicates == (("Levi's 501", 2), ("ZZZ-1", 2))
    assert len(report.unknown) == 1


def test_two_cards_of_one_box_are_not_duplicates() -> None:
    session = audit()
    session.scanned("a", Sighting(PIKACHU, "Pikachu", (here(101),)))
    second = session.scanned("b", Sighting(ThingRef(HitKind.CARD, 21), "Charizard", (here(101),)))
    assert second.duplicate_of is None
    assert second.verdict is AuditVerdict.FOUND
    assert session.report().duplicates == ()


def test_a_fix_turns_found_elsewhere_into_found() -> None:
    session = audit()
    session.scanned("LV-900", Sighting(JACKET, "Jacket", (Recorded(200, 2, 9, "C › 1"),)))
    session.fixed(JACKET, [200])
    report = session.report()
    assert report.elsewhere == ()
    assert [(line.title, line.note) for line in report.found] == [("Jacket", "moved here from C › 1")]
    # Scanned again after the fix, the records agree it is here; the note of the fix stays.
    entry = session.scanned("LV-900", Sighting(JACKET, "Jacket", (here(200),)))
    assert entry.verdict is AuditVerdict.FOUND
    assert [(line.title, line.note, line.scans) for line in session.report().found] == [
        ("Jacket", "moved here from C › 1", 2)
    ]
    with pytest.raises(ValueError, match="elsewhere"):
        session.fixed(JEANS, [100])


def test_an_item_moved_in_by_another_client_during_the_audit_counts_as_found() -> None:
    session = audit()
    entry = session.scanned("LV-900", Sighting(JACKET, "Jacket", (here(200),)))
    assert entry.verdict is AuditVerdict.FOUND
    assert [line.note for line in session.report().found] == ["recorded here since the audit began"]


def test_an_ambiguous_code_prefers_the_copy_expected_here_and_not_yet_scanned() -> None:
    copy_a, copy_b = ThingRef(HitKind.LISTING, 30), ThingRef(HitKind.LISTING, 31)
    session = AuditSession(
        SHELF_B3, [ExpectedItem(400, "SI-A", "Tee", listing_id=30), ExpectedItem(401, "SI-B", "Tee", listing_id=31)]
    )
    assert session.preferred([JACKET, copy_a, copy_b]) == copy_a
    session.scanned("UPC", Sighting(copy_a, "Tee", (here(400),)))
    assert session.preferred([JACKET, copy_a, copy_b]) == copy_b
    session.scanned("UPC", Sighting(copy_b, "Tee", (here(401),)))
    assert session.preferred([JACKET, copy_a, copy_b]) is None  # every copy here is counted: ask


def test_a_bin_audit_holds_only_its_loose_items() -> None:
    loose = ScanTarget(bin_id=1, section_id=None, path="B")
    session = AuditSession(loose, [])
    in_section = session.scanned("x1", Sighting(JEANS, "Levi's 501", (here(100),)))
    in_bin = session.scanned("x2", Sighting(JACKET, "Jacket", (Recorded(200, 1, None, "B"),)))
    assert in_section.verdict is AuditVerdict.ELSEWHERE
    assert in_bin.verdict is AuditVerdict.FOUND
    assert [line.sighting.thing for line in session.report().elsewhere] == [JEANS]
