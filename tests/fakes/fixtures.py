"""pytest fixtures: a fresh fake eBay / Etsy per test, stopped after it. A test ends in error when the
code under test sent a request the contract refuses (or the fake answered outside the contract):
`validation_errors` must be empty. A test that sends a bad request on purpose clears the list."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.fake_etsy import FakeEtsy


@pytest.fixture
def fake_ebay() -> Iterator[FakeEbay]:
    with FakeEbay() as fake:
        yield fake
    assert not fake.validation_errors, "broke eBay's contract:\n" + "\n".join(fake.validation_errors)


@pytest.fixture
def fake_etsy() -> Iterator[FakeEtsy]:
    with FakeEtsy() as fake:
        yield fake
    assert not fake.validation_errors, "broke Etsy's contract:\n" + "\n".join(fake.validation_errors)
