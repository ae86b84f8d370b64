"""Alice's bin B with two sections and three items, for the label tests, and what a PDF's pages are."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import UserRecord

Factory = Callable[[], UnitOfWork]


@dataclass(frozen=True)
class Stock:
    bin_id: int
    full_section: int  # "3": three items
    empty_section: int  # "1": nothing in it
    item_ids: tuple[int, ...]
    storage_ids: tuple[str, ...]


def make_stock(factory: Factory) -> Stock:
    """Alice's bin B (a tote) with sections 1 (empty) and 3 (a lamp, two chairs and an untitled item)."""
    with factory() as uow:
        bin_ = uow.storage.add_bin("B", "tote")
        three = uow.storage.add_section(bin_.id, "3", capacity=12)
        one = uow.storage.add_section(bin_.id, "1")
        uow.commit()
    item_ids = (
        add_item(factory, title="Lamp", section_id=three.id, item_type="home"),
        add_item(factory, title="chair", section_id=three.id, quantity=2),
        add_item(factory, storage_id="SI-NONAME", section_id=three.id),
    )
    with factory() as uow:
        storage_ids = tuple(uow.storage.get_item(item_id).storage_id for item_id in item_ids)
    return Stock(bin_.id, three.id, one.id, item_ids, storage_ids)


@pytest.fixture(name="as_alice")  # named apart: test parameters do not shadow an import
def as_alice_fixture(database: Database, alice: UserRecord) -> Factory:
    return lambda: database.unit_of_work(alice.id)


@pytest.fixture(name="stock")  # named apart: test parameters do not shadow an import
def stock_fixture(as_alice: Factory) -> Stock:
    return make_stock(as_alice)


def add_item(factory: Factory, storage_id: str | None = None, **values: object) -> int:
    """A storage item; with `storage_id`, one the web app gave a code of its own (the desktop makes SI-…)."""
    with factory() as uow:
        item = uow.storage.add_item(values)
        if storage_id is not None:
            uow.connection.execute(
                text("UPDATE storage_items SET storage_id = :code WHERE id = :id"), {"code": storage_id, "id": item.id}
            )
        uow.commit()
    return item.id


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def pdf_page_sizes(data: bytes) -> set[tuple[float, float]]:
    """The (width, height) in points of every page's MediaBox."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    return {(float(width), float(height)) for width, height in boxes}
