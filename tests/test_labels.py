"""Storage labels: loaded from a real database, painted by the real renderer, read back by a real
barcode decoder (zxing-cpp) and looked up the way a scan is, for every label size and code type."""

from __future__ import annotations

import barcode
import pytest
import zxingcpp
from PIL import Image
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from tests.label_support import (  # noqa: F401  (*_fixture: fixtures)
    Factory,
    Stock,
    add_item,
    as_alice_fixture,
    pdf_page_count,
    pdf_page_sizes,
    stock_fixture,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.barcodes import HitKind, bin_label_code, section_label_code
from reseller_desktop.domain.errors import NotFoundError, ValidationError
from reseller_desktop.domain.label_content import (
    MIN_MODULE_MM,
    CodeDoesNotFitError,
    LabelData,
    LabelKind,
    LabelPlan,
    Symbology,
    plan_labels,
)
from reseller_desktop.domain.label_sheets import MM_PER_INCH, SHEETS, Rect, SheetSize
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.code_lookup import CodeLookupRepository
from reseller_desktop.services.labels import LabelTargets, load_labels
from reseller_desktop.ui.label_render import page_image, pdf_bytes

ZXING_FORMAT = {Symbology.CODE128: zxingcpp.BarcodeFormat.Code128, Symbology.QR: zxingcpp.BarcodeFormat.QRCode}
THERMAL_DPI = 203  # what common 2 x 1 and 4 x 6 label printers print at


def grayscale(image: QImage) -> Image.Image:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    # Rows are padded to four bytes: hand PIL the stride so the padding is never read as pixels.
    return Image.frombuffer(
        "L", (gray.width(), gray.height()), bytes(gray.constBits()), "raw", "L", gray.bytesPerLine(), 1
    )


def decode(image: QImage) -> list[tuple[str, zxingcpp.BarcodeFormat]]:
    return [(found.text, found.format) for found in zxingcpp.read_barcodes(grayscale(image))]


def crop(image: QImage, rect: Rect, dpi: float) -> QImage:
    scale = dpi / MM_PER_INCH
    return image.copy(
        round(rect.x * scale), round(rect.y * scale), round(rect.width * scale), round(rect.height * scale)
    )


def is_blank(image: QImage) -> bool:
    return grayscale(image).getextrema() == (255, 255)


def read_labels(plan: LabelPlan, dpi: float) -> list[list[tuple[str, zxingcpp.BarcodeFormat]]]:
    """What a scanner reads off each label of the plan, in order, cut from its page at `dpi`."""
    found = []
    for page in range(plan.page_count):
        image = page_image(plan, page, dpi)
        found += [decode(crop(image, planned.placement.rect, dpi)) for planned in plan.on_page(page)]
    return found


def all_targets(stock: Stock) -> LabelTargets:
    return LabelTargets(bin_ids=(stock.bin_id,), section_ids=(stock.full_section,), item_ids=stock.item_ids)


# ----- what the labels say --------------------------------------------------------------------------


def test_labels_load_in_sticking_order_with_their_codes_and_names(as_alice: Factory, stock: Stock) -> None:
    labels = load_labels(as_alice, all_targets(stock))

    assert [(label.kind, label.code, label.title, label.detail) for label in labels] == [
        (LabelKind.BIN, bin_label_code(stock.bin_id), "Bin B", "Tote"),
        (LabelKind.SECTION, section_label_code(stock.full_section), "B › 3", "Section · holds 12"),
        (LabelKind.ITEM, stock.storage_ids[0], "Lamp", "Home"),
        (LabelKind.ITEM, stock.storage_ids[1], "chair", "Qty 2"),
        (LabelKind.ITEM, "SI-NONAME", "Untitled item", ""),
    ]
    # Contents by title, ignoring case; an untitled item by its storage id.
    assert labels[1].contents == ("chair ×2", "Lamp", "SI-NONAME")


def test_an_untitled_item_of_a_listing_is_labelled_with_the_listings_title(as_alice: Factory, stock: Stock) -> None:
    with as_alice() as uow:
        listing = uow.listings.add({"title": "Pyrex bowl, 1.5 qt", "price": 18})
        uow.commit()
    item_id = add_item(as_alice, listing_id=listing.id, section_id=stock.empty_section)

    labels = load_labels(as_alice, LabelTargets(section_ids=(stock.empty_section,), item_ids=(item_id,)))

    assert labels[0].contents == ("Pyrex bowl, 1.5 qt",)
    assert labels[1].title == "Pyrex bowl, 1.5 qt"


def test_a_section_label_names_the_cards_stored_there(as_alice: Factory, stock: Stock) -> None:
    binder = add_item(as_alice, section_id=stock.empty_section, item_type="trading_card")
    sleeve = add_item(as_alice, title="Top loader", section_id=stock.empty_section, quantity=3)
    with as_alice() as uow:
        for title, item_id in (("Charizard 4/102", binder), ("Blastoise 2/102", binder), ("Pikachu", sleeve)):
            uow.cards.add({"card_type": "tcg", "title": title, "storage_item_id": item_id})
        uow.commit()

    [label] = load_labels(as_alice, LabelTargets(section_ids=(stock.empty_section,)))

    # An untitled item by its first card (as the Storage page lists it); a titled one keeps its title.
    assert label.contents == ("Charizard 4/102", "Top loader ×3")


def test_a_bins_sections_come_with_it_when_asked_and_only_once(as_alice: Factory, stock: Stock) -> None:
    targets = LabelTargets(bin_ids=(stock.bin_id, stock.bin_id), section_ids=(stock.full_section,))

    without = load_labels(as_alice, targets)
    with_sections = load_labels(as_alice, targets, bin_sections=True)

    assert [label.title for label in without] == ["Bin B", "B › 3"]
    assert [label.title for label in with_sections] == ["Bin B", "B › 1", "B › 3"]
    assert with_sections[1].contents == ()
    assert targets.describe() == "1 bin and 1 section"


def test_another_users_bin_gets_no_label(database: Database, bob: UserRecord, stock: Stock) -> None:
    with pytest.raises(NotFoundError):
        load_labels(lambda: database.unit_of_work(bob.id), LabelTargets(bin_ids=(stock.bin_id,)))


# ----- they scan back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("symbology", list(Symbology))
@pytest.mark.parametrize("sheet", list(SheetSize))
def test_every_label_scans_back_to_its_bin_section_or_item(
    qtbot: QtBot, as_alice: Factory, alice: UserRecord, stock: Stock, sheet: SheetSize, symbology: Symbology
) -> None:
    labels = load_labels(as_alice, all_targets(stock))
    plan = plan_labels(labels, sheet, symbology)

    found = read_labels(plan, 300)

    assert found == [[(label.code, ZXING_FORMAT[symbology])] for label in labels]
    assert not plan.fallbacks
    assert all(planned.symbol.module_mm >= MIN_MODULE_MM for planned in plan.labels)
    with as_alice() as uow:
        lookup = CodeLookupRepository(uow.connection, alice.id)
        hits = [(hit.kind, hit.id) for [(text, _)] in found for hit in lookup.find(text)]
    assert hits == [
        (HitKind.BIN, stock.bin_id),
        (HitKind.SECTION, stock.full_section),
        *((HitKind.STORAGE_ITEM, item_id) for item_id in stock.item_ids),
    ]


@pytest.mark.parametrize("sheet", [SheetSize.THERMAL_2X1, SheetSize.SHIPPING_4X6])
def test_labels_scan_at_a_thermal_printers_resolution(
    qtbot: QtBot, as_alice: Factory, stock: Stock, sheet: SheetSize
) -> None:
    labels = load_labels(as_alice, all_targets(stock))
    for symbology in Symbology:
        plan = plan_labels(labels, sheet, symbology)
        assert read_labels(plan, THERMAL_DPI) == [[(label.code, ZXING_FORMAT[symbology])] for label in labels]


def bars_across(image: QImage, y: int) -> list[tuple[bool, int]]:
    """(dark, width in pixels) of each run along row `y`, from the first dark pixel to the last."""
    row = grayscale(image).crop((0, y, image.width(), y + 1)).tobytes()
    dark = [value < 128 for value in row]
    first, last = dark.index(True), len(dark) - dark[::-1].index(True)
    runs: list[tuple[bool, int]] = []
    for pixel in dark[first:last]:
        if runs and runs[-1][0] == pixel:
            runs[-1] = (pixel, runs[-1][1] + 1)
        else:
            runs.append((pixel, 1))
    return runs


def test_code_128_bars_are_whole_printer_dots_never_under_two(qtbot: QtBot, as_alice: Factory, stock: Stock) -> None:
    """At 203 dpi a module of two dots is 0.25 mm; bars of uneven dot counts would misread."""
    labels = load_labels(as_alice, all_targets(stock))
    plan = plan_labels(labels, SheetSize.THERMAL_2X1, Symbology.CODE128)
    scale = THERMAL_DPI / MM_PER_INCH
    for planned in plan.labels:
        image = page_image(plan, planned.placement.page, THERMAL_DPI)
        middle = planned.symbol.rect.y + planned.symbol.rect.height / 2
        runs = bars_across(image, round((planned.placement.rect.y + middle) * scale))
        module = min(width for _, width in runs)
        assert module >= 2
        assert all(width % module == 0 for _, width in runs)
        bits = "".join(("1" if dark else "0") * (width // module) for dark, width in runs)
        assert bits == barcode.Code128(planned.label.code).build()[0]


# ----- sheets -------------------------------------------------------------------------------------------


def test_an_avery_5160_pdf_of_31_labels_has_two_letter_pages(qtbot: QtBot) -> None:
    labels = [LabelData(LabelKind.BIN, bin_label_code(n), f"Bin {n}", "Tote") for n in range(1, 32)]
    plan = plan_labels(labels, SheetSize.AVERY_5160, Symbology.CODE128)

    data = pdf_bytes(plan)

    assert data.startswith(b"%PDF-")
    assert plan.page_count == 2
    assert pdf_page_count(data) == 2
    assert pdf_page_sizes(data) == {(612, 792)}  # Letter, in points
    assert [planned.placement.page for planned in plan.labels].count(1) == 1


def test_roll_labels_are_one_per_page_of_the_labels_size(qtbot: QtBot, as_alice: Factory, stock: Stock) -> None:
    labels = load_labels(as_alice, all_targets(stock))
    for sheet, points in ((SheetSize.THERMAL_2X1, (144, 72)), (SheetSize.SHIPPING_4X6, (288, 432))):
        data = pdf_bytes(plan_labels(labels, sheet, Symbology.QR))
        assert pdf_page_count(data) == len(labels)
        assert pdf_page_sizes(data) == {points}


def test_a_partly_used_avery_sheet_starts_at_the_chosen_label(qtbot: QtBot, as_alice: Factory, stock: Stock) -> None:
    labels = load_labels(as_alice, all_targets(stock))
    plan = plan_labels(labels, SheetSize.AVERY_5160, Symbology.CODE128, start_position=29)
    sheet = SHEETS[SheetSize.AVERY_5160]

    first_page = page_image(plan, 0, 300)

    assert [(planned.placement.page, planned.placement.position) for planned in plan.labels] == [
        (0, 28),
        (0, 29),
        (1, 0),
        (1, 1),
        (1, 2),
    ]
    assert all(is_blank(crop(first_page, sheet.slot(position), 300)) for position in range(28))
    assert decode(crop(first_page, sheet.slot(28), 300)) == [(labels[0].code, zxingcpp.BarcodeFormat.Code128)]
    assert read_labels(plan, 300) == [[(label.code, zxingcpp.BarcodeFormat.Code128)] for label in labels]


@pytest.mark.parametrize("start", [0, 31])
def test_a_start_position_off_the_sheet_is_refused(start: int) -> None:
    label = LabelData(LabelKind.BIN, "BIN-1", "Bin A")
    with pytest.raises(ValidationError, match="from 1 to 30"):
        plan_labels([label], SheetSize.AVERY_5160, Symbology.CODE128, start_position=start)


# ----- contents -----------------------------------------------------------------------------------------


def test_a_section_label_on_4x6_lists_its_contents(qtbot: QtBot, as_alice: Factory, stock: Stock) -> None:
    targets = LabelTargets(section_ids=(stock.full_section,))
    [label] = load_labels(as_alice, targets)

    listed = plan_labels([label], SheetSize.SHIPPING_4X6, Symbology.CODE128).labels[0]
    unlisted = plan_labels([label], SheetSize.SHIPPING_4X6, Symbology.CODE128, list_contents=False).labels[0]

    assert listed.contents == ("chair ×2", "Lamp", "SI-NONAME")
    assert listed.subtitle == "Section · holds 12 · 3 items"
    assert listed.zones.contents is not None
    area = listed.zones.contents.rect
    shown = page_image(plan_labels([label], SheetSize.SHIPPING_4X6, Symbology.CODE128), 0, 150)
    assert not is_blank(crop(shown, area, 150))
    assert unlisted.contents == ()
    assert unlisted.subtitle == "Section · holds 12"
    hidden = page_image(plan_labels([label], SheetSize.SHIPPING_4X6, Symbology.CODE128, list_contents=False), 0, 150)
    code_bottom = unlisted.zones.code_text.rect.bottom
    below_code = Rect(area.x, code_bottom, area.width, area.bottom - code_bottom)
    assert is_blank(crop(hidden, below_code, 150))


def test_a_long_contents_list_ends_with_how_many_more(qtbot: QtBot, as_alice: Factory, stock: Stock) -> None:
    for number in range(40):
        add_item(as_alice, title=f"Card lot {number:02}", section_id=stock.empty_section)
    [label] = load_labels(as_alice, LabelTargets(section_ids=(stock.empty_section,)))

    shipping = plan_labels([label], SheetSize.SHIPPING_4X6, Symbology.QR).labels[0]
    small = plan_labels([label], SheetSize.AVERY_5160, Symbology.CODE128).labels[0]

    assert shipping.zones.contents is not None
    shown = shipping.zones.contents.lines
    assert 5 < shown < 40
    assert shipping.contents == (*(f"Card lot {n:02}" for n in range(shown - 1)), f"+ {40 - shown + 1} more")
    # An address label has no room for a list: it says how many.
    assert small.contents == ()
    assert small.subtitle == "Section · 40 items"


# ----- codes that do not fit ----------------------------------------------------------------------------


def test_a_code_too_long_for_code_128_is_printed_as_qr_and_said_so(
    qtbot: QtBot, as_alice: Factory, stock: Stock
) -> None:
    long_id = "LOT-2024-SPRING-ESTATE-SALE-BOX-0042-TOP"
    item_id = add_item(as_alice, title="Estate sale box", storage_id=long_id)
    labels = load_labels(as_alice, LabelTargets(bin_ids=(stock.bin_id,), item_ids=(item_id,)))

    plan = plan_labels(labels, SheetSize.THERMAL_2X1, Symbology.CODE128)

    assert [planned.label.code for planned in plan.fallbacks] == [long_id]
    assert plan.fallbacks[0].fallback == "its code is too long for Code 128 bars on this label"
    assert read_labels(plan, 300) == [
        [(bin_label_code(stock.bin_id), zxingcpp.BarcodeFormat.Code128)],
        [(long_id, zxingcpp.BarcodeFormat.QRCode)],
    ]


def test_a_code_code_128_cannot_hold_is_printed_as_qr(qtbot: QtBot, as_alice: Factory) -> None:
    item_id = add_item(as_alice, title="Grandma's tin", storage_id="FACH-Ä-7")
    labels = load_labels(as_alice, LabelTargets(item_ids=(item_id,)))

    plan = plan_labels(labels, SheetSize.AVERY_5160, Symbology.CODE128)

    assert plan.fallbacks[0].fallback == "its code has characters Code 128 cannot hold"
    assert read_labels(plan, 300) == [[("FACH-Ä-7", zxingcpp.BarcodeFormat.QRCode)]]


def test_a_code_too_long_for_any_symbol_on_the_label_is_refused_by_name(qtbot: QtBot, as_alice: Factory) -> None:
    huge_id = "SI-" + "7" * 1500
    item_id = add_item(as_alice, title="Imported lot", storage_id=huge_id)
    labels = load_labels(as_alice, LabelTargets(item_ids=(item_id,)))

    with pytest.raises(CodeDoesNotFitError, match="'Imported lot' is too long to print readably on a 2 x 1 in"):
        plan_labels(labels, SheetSize.THERMAL_2X1, Symbology.QR)
    # The 4 x 6 label has room for it.
    plan = plan_labels(labels, SheetSize.SHIPPING_4X6, Symbology.CODE128)
    assert plan.labels[0].symbol.module_mm >= MIN_MODULE_MM
    assert read_labels(plan, 300) == [[(huge_id, zxingcpp.BarcodeFormat.QRCode)]]
