"""The base of both fake marketplaces: routes, fault injection, OAuth token checks and test controls,
and validation of every request and answer against the platforms' OpenAPI files.

A request the contract refuses is answered with the platform's error answer and recorded in
`validation_errors`; an answer of the fake that breaks the contract is a bug of the fake and is
recorded there too. The fixtures assert the list is empty when a test ends.

For load (the benchmarks), a fake can also answer every request after a network `latency` and
refuse calls beyond `requests_per_second` with the platform's 429, as a platform's gateway does.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Self
from urllib.parse import unquote

from tests.fakes.contracts import Contract, check_request, check_response
from tests.fakes.http_messages import RecordedRequest, Reply
from tests.fakes.local_server import LocalServer
from tests.fakes.oauth import TokenBook

MULTI_STATUS = 207


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[..., Reply]
    contract: Contract | None = None  # None: not in the OpenAPI files; the handler follows the platform docs
    needs_token: bool = False


def route(
    method: str,
    path_regex: str,
    handler: Callable[..., Reply],
    contract: Contract | None = None,
    *,
    needs_token: bool = False,
) -> Route:
    return Route(method, re.compile(path_regex), handler, contract, needs_token)


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int | None
    body: bytes | None
    headers: dict[str, str] | None
    delay: float
    drop: Literal["before", "after"] | None
    times: int


class RequestBudget:
    """A gateway's per-second limit: a token bucket holding one second's worth of calls (at least
    one), so a client may burst up to the limit and then goes at the limit's pace."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("requests_per_second must be above 0")
        self.per_second = per_second
        self.capacity = max(1.0, per_second)
        self._clock = clock
        self._tokens = self.capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one call; False when the second's allowance is used up (answer 429)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.per_second)
            self._stamp = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


class FakeServer:
    """Base of the fakes: subclasses list their routes and say how the platform answers errors.

    `latency`: seconds every answer takes (the network and the platform), spent outside the lock so
    calls overlap; `requests_per_second`: beyond it a call is refused with the platform's 429 before
    anything is done (counted in `throttled`); `validate=False` skips the contract checks, for load
    runs where their CPU (a tenth of a second for a bulk call) would add to the latency modelled."""

    platform = "marketplace"

    def __init__(
        self,
        tokens: TokenBook,
        *,
        latency: float = 0.0,
        requests_per_second: float | None = None,
        validate: bool = True,
    ) -> None:
        self.lock = threading.RLock()  # held while a handler runs and by every test control
        self.tokens = tokens
        self.requests: list[RecordedRequest] = []
        self.received_at: list[datetime] = []  # when each of `requests` arrived (aware UTC)
        self.throttled = 0
        self.latency = latency
        self.validate = validate
        self._budget = RequestBudget(requests_per_second) if requests_per_second else None
        self.validation_errors: list[str] = []
        self._faults: list[Fault] = []
        self._routes = self.routes()
        self._server = LocalServer(self.serve, self.record)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----- fault injection --------------------------------------------------------------------------
    def inject(
        self,
        method: str,
        path_regex: str,
        *,
        status: int | None = None,
        body: bytes | str | Mapping[str, Any] | list[Any] | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        drop: Literal["before", "after"] | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` requests whose method matches (or "*") and whose path `re.search`es
        `path_regex` get: `status` (+ `body`/`headers`, else the platform's usual body for that status)
        without acting; and/or a `delay` in seconds first; or `drop="after"` (act, then close the
        connection without answering) / `drop="before"` (close without acting). First added, first used."""
        if drop not in (None, "before", "after"):
            raise ValueError("drop is 'before', 'after' or None")
        if drop and status is not None:
            raise ValueError("a dropped request gets no answer: give status or drop, not both")
        if status is None and drop is None and not delay:
            raise ValueError("inject needs a status, a delay or a drop")
        raw = (
            body
            if body is None or isinstance(body, bytes)
            else body.encode()
            if isinstance(body, str)
            else json.dumps(body).encode()
        )
        fault = Fault(
            method.upper(), re.compile(path_regex), status, raw, dict(headers) if headers else None, delay, drop, times
        )
        with self.lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Forget every injected fault not used yet (the platform is back to normal)."""
        with self.lock:
            self._faults.clear()

    def _fault_answer(self, status: int, body: bytes | None, headers: dict[str, str] | None) -> Reply:
        if body is None:
            return self.fault_reply(status, headers)
        return Reply(status, body, {"Content-Type": "application/json", **(headers or {})}, checked=False)

    def _take_fault(self, request: RecordedRequest) -> Fault | None:
        for fault in self._faults:
            if fault.method in ("*", request.method) and fault.path.search(request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ----- serving ----------------------------------------------------------------------------------
    def serve(self, request: RecordedRequest) -> Reply | None:
        arrived = datetime.now(UTC)
        allowed = self._budget is None or self._budget.take()
        with self.lock:
            self.requests.append(request)
            self.received_at.append(arrived)
            if not allowed:
                self.throttled += 1
            fault = self._take_fault(request) if allowed else None
        if self.latency:
            time.sleep(self.latency)
        if not allowed:
            return self.decorate(request, self.fault_reply(429, None))
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop == "before":
            return None
        if fault and fault.status is not None:
            return self.decorate(request, self._fault_answer(fault.status, fault.body, fault.headers))
        reply = self._act(request)
        if fault and fault.drop == "after":
            return None
        return self.decorate(request, reply)

    def _act(self, request: RecordedRequest) -> Reply:
        gate = self.gateway(request)
        if gate is not None:
            return gate
        for candidate in self._routes:
            match = candidate.pattern.fullmatch(request.path)
            if match and candidate.method == request.method:
                break
        else:
            return self.not_found(request)
        checked = candidate.contract is not None and self.validate
        if candidate.contract is not None and checked:
            errors, security = check_request(candidate.contract, request)
            if errors:
                self.record(f"{request.method} {request.path}: request breaks the contract: {'; '.join(errors)}")
                return self.refuse_contract(request, errors, security)
        if candidate.needs_token:
            refused = self.check_token(request)
            if refused is not None:
                return refused
        params = {name: unquote(value) for name, value in match.groupdict().items()}
        try:
            with self.lock:
                reply = candidate.handler(request, **params)
        except Exception as exc:  # a bug of the fake: answer 500 and make the test fail at teardown
            self.record(f"{request.method} {request.path}: the fake crashed: {exc!r}")
            return self.fault_reply(500, None)
        if candidate.contract is not None and checked and reply.checked:
            # A bulk call's 207 (some entries failed) has the body of its 200, which the contracts
            # describe only under 200: checked as that.
            status = 200 if reply.status == MULTI_STATUS else reply.status
            for error in check_response(candidate.contract, request, status, reply.body, reply.headers):
                self.record(
                    f"{request.method} {request.path}: the fake's {reply.status} answer breaks the contract: {error}"
                )
        return reply

    def record(self, error: str) -> None:
        with self.lock:
            self.validation_errors.append(error)

    def arrivals(self, method: str, path_regex: str) -> list[tuple[datetime, RecordedRequest]]:
        """When each request whose method matches and whose path `re.search`es `path_regex` arrived."""
        pattern = re.compile(path_regex)
        with self.lock:
            pairs = list(zip(self.received_at, self.requests, strict=True))
        return [(when, r) for when, r in pairs if r.method == method.upper() and pattern.search(r.path)]

    # ----- OAuth test controls ---------------------------------------------------------------------
    def grant_tokens(self) -> dict[str, Any]:
        """A valid token pair without the consent dance, for tests that are not about OAuth."""
        with self.lock:
            tokens = self.issue_tokens()
        return {name: tokens[name] for name in ("access_token", "refresh_token", "expires_in")}

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.tokens.expire_all_access()

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.tokens.revoke_all_refresh()

    # ----- what subclasses say ----------------------------------------------------------------------
    def issue_tokens(self) -> dict[str, Any]:
        """The token endpoint's answer to a granted authorization code (with a refresh token)."""
        raise NotImplementedError

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def gateway(self, request: RecordedRequest) -> Reply | None:
        """An answer before routing (Etsy's x-api-key check), or None to go on."""
        return None

    def check_token(self, request: RecordedRequest) -> Reply | None:
        raise NotImplementedError

    def refuse_contract(self, request: RecordedRequest, errors: list[str], security: bool) -> Reply:
        raise NotImplementedError

    def not_found(self, request: RecordedRequest) -> Reply:
        raise NotImplementedError

    def fault_reply(self, status: int, headers: dict[str, str] | None) -> Reply:
        """The platform's usual answer for an error status (an injected fault, a crash of the fake)."""
        raise NotImplementedError

    def decorate(self, request: RecordedRequest, reply: Reply) -> Reply:
        """Headers the platform puts on every answer (Etsy's rate-limit headers)."""
        return reply
