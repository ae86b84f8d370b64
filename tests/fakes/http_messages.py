"""What goes in and out of the test servers: a request as received, an answer to send, multipart parts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it. `headers` keys are lower-case; `query` keeps the last
    value; `origin` is the address it was sent to (http://127.0.0.1:port), for links in answers."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_pairs: tuple[tuple[str, str], ...] = ()
    origin: str = ""

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
