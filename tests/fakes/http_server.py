"""The machinery both fake marketplaces share: a real threaded HTTP server on 127.0.0.1, request
recording, fault injection, OAuth token bookkeeping, and validation against the platforms' OpenAPI files.

A request the contract refuses is answered with the platform's error answer and recorded in
`validation_errors`; an answer of the fake that breaks the contract is a bug of the fake and is
recorded there too. The fixtures assert the list is empty when a test ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.security.exceptions import SecurityProviderError
from openapi_core.security.factories import SecurityProviderFactory
from openapi_core.security.providers import BaseProvider
from openapi_core.validation.request.exceptions import SecurityValidationError
from werkzeug.datastructures import Headers, ImmutableMultiDict


# ----- what goes in and out -----------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it. `headers` keys are lower-case; `query` keeps the last value."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))

    def values(self, name: str, *, in_query: bool = False) -> list[str]:
        """Every value of a repeated form (or query) field, comma-separated ones split."""
        pairs = self.query_pairs if in_query else parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)
        return [item.strip() for key, value in pairs if key == name for item in value.split(",") if item.strip()]

    def bearer(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None


@dataclass
class Reply:
    """An answer. `checked=False` for answers the OpenAPI files do not describe (OAuth endpoints, the
    gateway's 401/403/429, injected faults): those follow the platform docs and are checked by hand."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    checked: bool = True

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Mapping[str, str] | None = None, checked: bool = True
    ) -> Reply:
        return cls(
            status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}, checked
        )

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls(302, b"", {"Location": location}, checked=False)


@dataclass(frozen=True)
class FilePart:
    filename: str | None
    content_type: str
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> dict[str, FilePart]:
    """A multipart/form-data body by field name (the stdlib `cgi` module is gone since Python 3.13)."""
    message: Message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts: dict[str, FilePart] = {}
    if not message.is_multipart():
        return parts
    for part in message.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            parts[name] = FilePart(
                part.get_filename(), part.get_content_type(), payload if isinstance(payload, bytes) else b""
            )
    return parts


# ----- the contracts ------------------------------------------------------------------------------
SPECS_DIR = Path(
    os.environ.get("MARKETPLACE_SPECS_DIR") or Path(__file__).resolve().parents[3] / "shared" / "marketplace-specs"
)
_VALIDATION_LOCK = threading.Lock()  # openapi-core fills caches lazily; one validation at a time is cheap enough


@dataclass(frozen=True)
class Contract:
    """One OpenAPI file, and the host its `servers` name: requests are matched as if sent there."""

    file: str
    host: str


class _BearerProvider(BaseProvider):
    """openapi-core leaves oauth2 schemes unchecked (with a warning, an error under pytest). The
    contract's share of OAuth is that a Bearer token is sent; whether it is valid is the fake's job."""

    def __call__(self, parameters: RequestParameters) -> Any:
        scheme, _, token = str(parameters.header.get("Authorization", "")).partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SecurityProviderError("no Authorization: Bearer <token> header")
        return token


class _SecurityProviders(SecurityProviderFactory):
    PROVIDERS = {**SecurityProviderFactory.PROVIDERS, "oauth2": _BearerProvider}  # noqa: RUF012 (as in the base)


def _multipart_loads(value: bytes, **parameters: str) -> ImmutableMultiDict[str, Any]:
    """Text parts as text, files as bytes. openapi-core's own loader gives bytes for every part, which
    its casters cannot turn into the integers and booleans the Etsy contract declares (rank=1)."""
    parts = parse_multipart(value, f'multipart/form-data; boundary="{parameters.get("boundary", "")}"')
    return ImmutableMultiDict(
        [
            (name, part.data if part.filename is not None else part.data.decode("utf-8", "replace"))
            for name, part in parts.items()
        ]
    )


def _prepare(spec: dict[str, Any]) -> dict[str, Any]:
    """Fix what the published files get wrong against the platforms' own docs, so that the fakes refuse
    what the platforms refuse and nothing else:
    - eBay's servers are `https://api.ebay.com{basePath}`, which openapi-core cannot match: expand it;
    - Etsy gives many optional parameters `default: null` without `nullable`, which would make every
      request that leaves them out invalid: a null default means no default;
    - multipart fields are text on the wire; `style: form` makes openapi-core cast them like form fields;
    - eBay declares `product.aspects` a string, but its docs and every client send {"Brand": ["Acme"]}."""
    servers = []
    for server in spec.get("servers", []):
        url = server["url"]
        for name, variable in server.get("variables", {}).items():
            url = url.replace("{" + name + "}", variable["default"])
        servers.append({"url": url})
    spec["servers"] = servers

    def strip_null_defaults(node: Any) -> None:
        if isinstance(node, dict):
            if "default" in node and node["default"] is None and not node.get("nullable"):
                del node["default"]
            for child in node.values():
                strip_null_defaults(child)
        elif isinstance(node, list):
            for child in node:
                strip_null_defaults(child)

    strip_null_defaults(spec)
    for operations in spec["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media_type, body in content.items():
                if media_type.startswith("multipart/"):
                    scalars = {"integer", "number", "boolean"}
                    properties = body.get("schema", {}).get("properties", {})
                    body["encoding"] = {
                        name: {"style": "form", "explode": True}
                        for name, prop in properties.items()
                        if prop.get("type") in scalars
                    }
    product = spec.get("components", {}).get("schemas", {}).get("Product", {}).get("properties", {})
    if product.get("aspects", {}).get("type") == "string":
        product["aspects"] = {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
    return spec


@cache
def openapi(file: str) -> OpenAPI:
    """The OpenAPI object for one file, built once per process (the files are large)."""
    path = SPECS_DIR / file
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the fakes need shared/marketplace-specs beside the checkout (or MARKETPLACE_SPECS_DIR)"
        )
    config = Config(
        spec_validator_cls=None,  # Etsy's file fails openapi-spec-validator (a null default); _prepare handles it
        security_provider_factory=_SecurityProviders(),
        additional_properties_default_policy="forbid",  # a misspelt field is refused, not silently dropped
        extra_media_type_deserializers={"multipart/form-data": _multipart_loads},
    )
    return OpenAPI(SchemaPath.from_dict(_prepare(json.loads(path.read_text(encoding="utf-8")))), config=config)


class _ApiRequest:
    """A recorded request as openapi-core reads one."""

    def __init__(self, contract: Contract, request: RecordedRequest) -> None:
        mimetype, _, parameters = request.content_type.partition(";")
        self.host_url = contract.host
        self.path = request.path
        self.method = request.method.lower()
        self.body = request.body
        self.content_type = mimetype.strip().lower() + (";" + parameters if parameters else "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.query_pairs)), header=Headers(list(request.headers.items()))
        )


class _ApiResponse:
    def __init__(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.status_code = status
        self.data = body
        self.headers = Headers(list(headers.items()))
        self.content_type = self.headers.get("Content-Type", "")


def _describe(error: BaseException) -> str:
    """One line per finding: what is wrong and where, without echoing the whole body."""
    if isinstance(error, SecurityValidationError):
        return "no credentials the contract asks for (a Bearer token / x-api-key)"
    head = str(error).split(": Value ", 1)[0]
    details = [
        f"{'/'.join(map(str, detail.absolute_path))}: {detail.message}" if detail.absolute_path else detail.message
        for detail in getattr(error.__cause__, "schema_errors", None) or ()
    ]
    return f"{head}: {'; '.join(details)}" if details else head


def check_request(contract: Contract, request: RecordedRequest) -> tuple[list[str], bool]:
    """What the contract finds wrong with a request, and whether it is the security part (no token/key)."""
    with _VALIDATION_LOCK:
        errors = list(openapi(contract.file).iter_request_errors(_ApiRequest(contract, request)))
    return [_describe(error) for error in errors], any(isinstance(error, SecurityValidationError) for error in errors)


def check_response(
    contract: Contract, request: RecordedRequest, status: int, body: bytes, headers: Mapping[str, str]
) -> list[str]:
    with _VALIDATION_LOCK:
        errors = list(
            openapi(contract.file).iter_response_errors(
                _ApiRequest(contract, request), _ApiResponse(status, body, headers)
            )
        )
    return [_describe(error) for error in errors]


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


# ----- OAuth tokens -------------------------------------------------------------------------------
class TokenBook:
    """Access and refresh tokens the fake issued. Access tokens expire after `access_ttl` seconds or
    when a test calls `expire_all_access`; refresh tokens stop working when revoked or rotated."""

    def __init__(self, access_ttl: int, prefix: str = "") -> None:
        self.access_ttl = access_ttl
        self.prefix = prefix
        self._access: dict[str, float] = {}  # token -> monotonic deadline
        self._refresh: set[str] = set()

    def _new(self, kind: str) -> str:
        return f"{self.prefix}{kind}-{secrets.token_urlsafe(24)}"

    def issue_access(self) -> str:
        token = self._new("access")
        self._access[token] = time.monotonic() + self.access_ttl
        return token

    def issue_refresh(self) -> str:
        token = self._new("refresh")
        self._refresh.add(token)
        return token

    def access_state(self, token: str | None) -> Literal["valid", "expired", "unknown"]:
        if token is None or token not in self._access:
            return "unknown"
        return "valid" if time.monotonic() < self._access[token] else "expired"

    def refresh_is_valid(self, token: str) -> bool:
        return token in self._refresh

    def retire_refresh(self, token: str) -> None:
        self._refresh.discard(token)

    def expire_all_access(self) -> None:
        self._access = dict.fromkeys(self._access, 0.0)

    def revoke_all_refresh(self) -> None:
        self._refresh.clear()


# ----- the server ---------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platforms and httpx's pool expect
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test output stays quiet; `fake.requests` has every request

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        pairs = tuple(parse_qsl(url.query, keep_blank_values=True))
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=dict(pairs),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
            query_pairs=pairs,
        )
        reply = self.server.fake.serve(request)
        if reply is None:  # an injected drop: close without a word, as a failing proxy or network does
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client hung up first (its timeout, an injected delay): nothing is wrong here
        self.fake.record(f"the fake's server failed: {error!r}")  # fails the test at teardown, not silently

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)


class FakeServer:
    """Base of the fakes: subclasses list their routes and say how the platform answers errors."""

    platform = "marketplace"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self.validation_errors: list[str] = []
        self._faults: list[Fault] = []
        self._routes = self.routes()
        self._httpd = _Server(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._stopped = False

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        with self._httpd.connections_lock:  # idle keep-alive connections would hold their threads
            for connection in list(self._httpd.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(5)

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
        with self.lock:
            self.requests.append(request)
            fault = self._take_fault(request)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.drop == "before":
            return None
        if fault and fault.status is not None:
            return self.decorate(request, self.fault_reply(fault.status, fault.body, fault.headers))
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
        if candidate.contract is not None:
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
            return self.fault_reply(500, None, None)
        if candidate.contract is not None and reply.checked:
            for error in check_response(candidate.contract, request, reply.status, reply.body, reply.headers):
                self.record(
                    f"{request.method} {request.path}: the fake's {reply.status} answer breaks the contract: {error}"
                )
        return reply

    def record(self, error: str) -> None:
        with self.lock:
            self.validation_errors.append(error)

    # ----- what subclasses say ----------------------------------------------------------------------
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

    def fault_reply(self, status: int, body: bytes | None, headers: dict[str, str] | None) -> Reply:
        raise NotImplementedError

    def decorate(self, request: RecordedRequest, reply: Reply) -> Reply:
        """Headers the platform puts on every answer (Etsy's rate-limit headers)."""
        return reply
