"""List this card: draft listings made from cards, one per card or one lot for several.

Planning reads the cards and proposes each listing (title, price, photos, location...), which the
seller may change before creating. Creating is one transaction: the cards are locked, checked again
(a card on a listing that is neither sold nor canceled is not listed twice), the listings are added
as drafts and every card is linked to its listing (card_collections.listing_id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.card_titles import (
    by_value,
    card_description,
    card_listing_title,
    grade_text,
    listing_condition,
    lot_description,
    lot_title,
)
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.platforms import PLATFORMS
from reseller_desktop.domain.records import CardRecord, ListingRecord
from reseller_desktop.domain.vocabulary import CONDITIONS
from reseller_desktop.repositories.card_pages import CardPageRepository, LinkedListing

UnitOfWorkFactory = Callable[[], UnitOfWork]
# A lot shows every card's photos up to what eBay, where most cards sell, takes on one listing.
MAX_LOT_PHOTOS: Final = PLATFORMS["ebay"].photos_max
CATEGORIES: Final = {"tcg": "Trading Card Games", "sports": "Sports Trading Cards"}


@dataclass(frozen=True)
class ListingDraft:
    """One listing to create, and the cards it is made from."""

    card_ids: tuple[int, ...]
    title: str
    price: Decimal | None  # None: no card has a value; the seller must give one
    quantity: int
    description: str
    condition: str | None
    cost: Decimal | None
    category: str
    photos: tuple[str, ...]
    storage_location: str | None
    attributes: dict[str, str] = field(default_factory=dict)

    def listing_values(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "price": self.price,
            "cost": self.cost,
            "condition": self.condition,
            "category": self.category,
            "item_type": "trading_card",
            "attributes": self.attributes or None,
            "photos": list(self.photos) or None,
            "quantity": self.quantity,
            "storage_location": self.storage_location,
            "status": "draft",
        }


@dataclass(frozen=True)
class RefusedCard:
    card_id: int
    title: str
    reason: str


@dataclass(frozen=True)
class ListingPlan:
    drafts: tuple[ListingDraft, ...]
    refused: tuple[RefusedCard, ...]
    as_lot: bool


class CardAlreadyListedError(UserError):
    def __init__(self, refused: Sequence[RefusedCard]) -> None:
        super().__init__(
            " ".join(r.reason for r in refused),
            "Nothing was created; list the other cards without these.",
        )
        self.refused = tuple(refused)


def _refusal(card: CardRecord, linked: LinkedListing | None) -> RefusedCard | None:
    if linked is not None and linked.is_live:
        return RefusedCard(
            card.id,
            card.title,
            f"“{card.title}” is already on listing “{linked.listing_title}” ({linked.status or 'draft'}); "
            "open that listing, or cancel it before listing the card again.",
        )
    if card.quantity == 0:
        return RefusedCard(card.id, card.title, f"“{card.title}” has quantity 0; set how many you have first.")
    return None


def _photos(cards: Sequence[CardRecord], limit: int) -> tuple[str, ...]:
    uris = [uri for card in cards if isinstance(card.photos, list) for uri in card.photos if isinstance(uri, str)]
    return tuple(dict.fromkeys(uris))[:limit]


def _attributes(card: CardRecord) -> dict[str, str]:
    number = (card.card_number or "").strip()
    values = {
        "game": card.game_name if card.card_type == "tcg" else (card.sport or "").title(),
        "set_name": card.set_name,
        "card_number": number,
        "grader": card.grading_company,
        "grade": f"{card.grading_score:g}" if card.grading_score is not None else None,
        "player": card.player_name,
        "year": str(card.year) if card.year else None,
    }
    return {k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}


def single_draft(card: CardRecord) -> ListingDraft:
    return ListingDraft(
        card_ids=(card.id,),
        title=card_listing_title(card),
        price=card.estimated_value,
        quantity=card.quantity if card.quantity is not None else 1,
        description=card_description(card),
        condition=listing_condition(card.card_condition),
        cost=card.purchase_price,
        category=CATEGORIES.get(card.card_type, "Trading Cards"),
        photos=_photos([card], MAX_LOT_PHOTOS),
        storage_location=card.storage_location,
        attributes=_attributes(card),
    )


def _worst_condition(cards: Sequence[CardRecord]) -> str | None:
    """A lot is as good as its worst card; unknown when any card's condition is unknown."""
    conditions = [listing_condition(card.card_condition) for card in cards]
    known = [c for c in conditions if c is not None]
    if not cards or len(known) < len(conditions):
        return None
    return max(known, key=CONDITIONS.index)


def lot_draft(cards: Sequence[CardRecord]) -> ListingDraft:
    ordered = by_value(cards)
    owned = [(card, card.quantity if card.quantity is not None else 1) for card in ordered]
    valued = [card.estimated_value * quantity for card, quantity in owned if card.estimated_value is not None]
    costs = [card.purchase_price * quantity for card, quantity in owned if card.purchase_price is not None]
    games = {card.game_name or "" for card in cards if card.card_type == "tcg"} | {
        (card.sport or "").title() for card in cards if card.card_type == "sports"
    }
    types = {card.card_type for card in cards}
    locations = [card.storage_location for card in ordered if card.storage_location]
    graders = {grade_text(card) for card in cards} - {""}
    attributes = {"game": next(iter(games))} if len(games) == 1 and "" not in games else {}
    if len(graders) == 1:
        attributes["grader"] = next(iter(graders)).split(" ")[0]
    return ListingDraft(
        card_ids=tuple(card.id for card in ordered),
        title=lot_title(cards),
        price=sum(valued, Decimal(0)) if valued else None,
        quantity=1,
        description=lot_description(cards),
        condition=_worst_condition(cards),
        cost=sum(costs, Decimal(0)) if len(costs) == len(cards) else None,
        category=CATEGORIES[next(iter(types))] if len(types) == 1 else "Trading Cards",
        photos=_photos(ordered, MAX_LOT_PHOTOS),
        storage_location=", ".join(dict.fromkeys(locations)) or None,
        attributes=attributes,
    )


def _pages(uow: UnitOfWork) -> CardPageRepository:
    return CardPageRepository(uow.connection, uow.user_id, uow.activity_log)


def plan_listings(new_uow: UnitOfWorkFactory, card_ids: Sequence[int], *, as_lot: bool) -> ListingPlan:
    """What listing the cards would make (one each, or one lot), and which cards cannot be listed."""
    with new_uow() as uow:
        cards = [uow.cards.get(card_id) for card_id in card_ids]
        linked = _pages(uow).linked_listings(card_ids)
    refused = [r for card in cards if (r := _refusal(card, linked.get(card.id))) is not None]
    listable = [card for card in cards if card.id not in {r.card_id for r in refused}]
    if not listable:
        drafts: tuple[ListingDraft, ...] = ()
    elif as_lot:
        drafts = (lot_draft(listable),)
    else:
        drafts = tuple(single_draft(card) for card in listable)
    return ListingPlan(drafts, tuple(refused), as_lot)


def _stock_of(uow: UnitOfWork, card: CardRecord, listing_id: int) -> None:
    """The card's own storage item becomes the listing's stock: the listing's location follows it, and
    the sale of its last unit takes it off the shelf. A binder page shared with other cards is not."""
    item_id = card.storage_item_id
    if item_id is None or uow.cards.count_in_storage_item(item_id) != 1:
        return
    item = uow.storage.get_item(item_id)
    if item.listing_id is None and item.removed_at is None:
        uow.storage.link_listing(item_id, listing_id)


def create_listings(new_uow: UnitOfWorkFactory, drafts: Sequence[ListingDraft]) -> list[ListingRecord]:
    """Create the draft listings and link their cards, all or nothing."""
    with new_uow() as uow:
        all_ids = [card_id for draft in drafts for card_id in draft.card_ids]
        linked = _pages(uow).linked_listings(all_ids, lock=True)
        cards = {card_id: uow.cards.get(card_id) for card_id in all_ids}
        refused = [r for card in cards.values() if (r := _refusal(card, linked.get(card.id))) is not None]
        if refused:
            raise CardAlreadyListedError(refused)
        created = []
        for draft in drafts:
            listing = uow.listings.add(draft.listing_values())
            for card_id in draft.card_ids:
                uow.cards.update(card_id, {"listing_id": listing.id})
                _stock_of(uow, cards[card_id], listing.id)
            created.append(listing)
        uow.commit()
        return created
