"""Fake eBay and Etsy servers for the test suite: real HTTP on 127.0.0.1, stateful, and validating every
request and answer against the platforms' OpenAPI files (tests/fixtures/marketplace-specs, a copy of shared/)."""

from tests.fakes.fake_ebay import FakeEbay
from tests.fakes.fake_etsy import FakeEtsy
from tests.fakes.http_messages import RecordedRequest

__all__ = ["FakeEbay", "FakeEtsy", "RecordedRequest"]
