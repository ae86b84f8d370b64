"""Bulk changes to many listings at once, and undo of the last one.

Each listing is checked by the same rules as a single edit; the ones a rule refuses are skipped
with the reason, the rest change in one transaction. What they held before is kept in an
`UndoToken`, so the seller can take the whole change back (a deleted listing comes back with its
id, platform rows and links). One activity_logs row records each bulk change and each undo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import bindparam, cast, insert, literal, select, update

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.listing_status import BULK_STATUSES, check_transition
from reseller_desktop.domain.money import CENT, MAX_PRICE, from_real, parse_money, to_real
from reseller_desktop.repositories.base import utc_now

t = schema.listings
pl = schema.platform_listings
_LOGGED_IDS = 1000  # ids kept in the activity row; the count is always complete


@dataclass(frozen=True)
class BulkChange:
    """What to do: kind is status, price, price_percent, storage_location or delete."""

    kind: str
    value: Any = None

    def describe(self) -> str:
        return {
            "status": f"status set to {self.value}",
            "price": f"price set to {self.value}",
            "price_percent": f"price changed by {self.value}%",
            "storage_location": f"storage location set to {self.value}",
            "delete": "deleted",
        }[self.kind]


@dataclass(frozen=True)
class UndoToken:
    description: str
    # updated rows: id, the columns as they were, and as the change left them
    before: tuple[dict[str, Any], ...] = ()
    deleted: tuple[dict[str, Any], ...] = ()  # deleted rows in full, with their platform rows and links


@dataclass(frozen=True)
class BulkResult:
    changed: int
    skipped: tuple[tuple[int, str], ...]  # (listing id, why not)
    undo: UndoToken = field(repr=False)


def apply_bulk(uow: UnitOfWork, ids: Sequence[int], change: BulkChange) -> BulkResult:
    rows = (
        uow.connection.execute(
            select(t.c.id, t.c.title, t.c.status, t.c.price, t.c.storage_location)
            .where(t.c.id.in_(list(ids)), t.c.user_id == uow.user_id)
            .order_by(t.c.id)
            .with_for_update()
        )
        .mappings()
        .all()
    )
    if change.kind == "delete":
        return _delete(uow, [r["id"] for r in rows], change)
    new_values: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    skipped: list[tuple[int, str]] = []
    for row in rows:
        try:
            values = _new_values(row, change)
        except ValidationError as exc:
            skipped.append((row["id"], "; ".join(e.message for e in exc.errors)))
            continue
        if all(row[k] == v for k, v in values.items()):
            continue  # already so: not a change, and nothing to undo
        new_values.append({"b_id": row["id"], **{f"b_{k}": v for k, v in values.items()}})
        before.append({"id": row["id"], "before": {k: row[k] for k in values}, "after": values})
    found = {r["id"] for r in rows}
    skipped.extend((i, "not found (deleted elsewhere?)") for i in ids if i not in found)
    if new_values:
        columns = [k[2:] for k in new_values[0] if k != "b_id"]
        changed_at = utc_now()
        uow.connection.execute(
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.user_id == uow.user_id)
            .values(updated_at=changed_at, **{c: bindparam(f"b_{c}") for c in columns}),
            new_values,
        )
        for entry in before:  # any later edit or sale moves updated_at on: undo then leaves the row alone
            entry["after"] = {**entry["after"], "updated_at": changed_at}
    token = UndoToken(f"{len(new_values)} listing(s) {change.describe()}", before=tuple(before))
    _log(uow, "bulk_update_listings", change, [entry["id"] for entry in before])
    return BulkResult(len(new_values), tuple(skipped), token)


def _new_values(row: Any, change: BulkChange) -> dict[str, Any]:
    if change.kind == "status":
        if change.value not in BULK_STATUSES:
            raise ValidationError([FieldError("status", f"Bulk changes can set {', '.join(BULK_STATUSES)}.")])
        check_transition(row["status"], change.value)
        if change.value == "active" and not (row["storage_location"] or "").strip():
            raise ValidationError([FieldError("storage_location", "no storage location; set one first")])
        return {"status": change.value}
    if change.kind == "price":
        return {"price": to_real(parse_money(change.value))}
    if change.kind == "price_percent":
        percent = Decimal(str(change.value))
        current = from_real(row["price"]) or Decimal(0)
        price = (current * (1 + percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        if not Decimal(0) <= price <= MAX_PRICE:
            raise ValidationError([FieldError("price", f"{price:,} would be outside 0 to {MAX_PRICE:,}")])
        return {"price": to_real(price)}
    if change.kind == "storage_location":
        location = (change.value or "").strip() or None
        if location is None and row["status"] == "active":
            raise ValidationError([FieldError("storage_location", "an active listing needs a storage location")])
        return {"storage_location": location}
    raise ValidationError([FieldError("change", f"Unknown bulk change {change.kind!r}.")])


def _delete(uow: UnitOfWork, ids: list[int], change: BulkChange) -> BulkResult:
    conn, items, notes = uow.connection, schema.storage_items, schema.notifications
    skipped = [
        (i, f"still listed on {', '.join(live)}; take it down first")
        for i in ids
        if (live := uow.listings.live_platforms(i))
    ]
    ids = [i for i in ids if i not in {s for s, _ in skipped}]
    snapshot: list[dict[str, Any]] = []
    for row in conn.execute(select(t).where(t.c.id.in_(ids), t.c.user_id == uow.user_id)).mappings():
        listing_id = row["id"]
        snapshot.append(
            {
                "listing": dict(row),
                "platforms": [
                    dict(p) for p in conn.execute(select(pl).where(pl.c.listing_id == listing_id)).mappings()
                ],
                "items": list(conn.scalars(select(items.c.id).where(items.c.listing_id == listing_id))),
                "notifications": list(conn.scalars(select(notes.c.id).where(notes.c.listing_id == listing_id))),
            }
        )
    for listing_id in ids:
        uow.listings.delete(listing_id)  # one place knows how a listing is unlinked and removed
    token = UndoToken(f"{len(ids)} listing(s) deleted", deleted=tuple(snapshot))
    _log(uow, "bulk_delete_listings", change, ids)
    return BulkResult(len(ids), tuple(skipped), token)


@dataclass(frozen=True)
class UndoOutcome:
    restored: int
    changed_since: int  # left alone: changed again after the bulk change (a sale, another edit)


def undo_bulk(uow: UnitOfWork, token: UndoToken) -> UndoOutcome:
    """Put back what `token` recorded, where nothing changed the listing since."""
    conn = uow.connection
    restored = changed_since = 0
    for entry in token.before:
        # Only a row that still holds what the bulk change wrote goes back; a later edit or a sale
        # of it is not clobbered.
        unchanged = [
            t.c[column] == cast(literal(value), t.c[column].type) if value is not None else t.c[column].is_(None)
            for column, value in entry["after"].items()
        ]
        done = conn.execute(
            update(t)
            .where(t.c.id == entry["id"], t.c.user_id == uow.user_id, *unchanged)
            .values(**{**entry["before"], "updated_at": utc_now()})
            .returning(t.c.id)
        ).first()
        restored, changed_since = (restored + 1, changed_since) if done else (restored, changed_since + 1)
    for entry in token.deleted:
        listing = entry["listing"]
        if listing["user_id"] != uow.user_id:
            changed_since += 1
            continue
        conn.execute(insert(t).values(**listing))
        if entry["platforms"]:
            conn.execute(insert(pl), entry["platforms"])
        if entry["items"]:
            items = schema.storage_items
            conn.execute(
                update(items)
                .where(items.c.id.in_(entry["items"]), items.c.user_id == uow.user_id)
                .values(listing_id=listing["id"])
            )
        if entry["notifications"]:
            notes = schema.notifications
            conn.execute(update(notes).where(notes.c.id.in_(entry["notifications"])).values(listing_id=listing["id"]))
        restored += 1
    if restored:
        details = {"undone": token.description, "count": restored, "changed_since": changed_since}
        uow.activity_log.record("undo_bulk_change", "listing", None, details)
    return UndoOutcome(restored, changed_since)


def _log(uow: UnitOfWork, action: str, change: BulkChange, ids: Sequence[int]) -> None:
    details = {"change": change.kind, "value": change.value, "count": len(ids), "ids": list(ids[:_LOGGED_IDS])}
    uow.activity_log.record(action, "listing", None, details)
