"""A tiny scripted HTTP server on 127.0.0.1 for the HTTP layer's own tests: it answers from a script,
first in first out, and 200 {} once the script is empty. Unlike the fake marketplaces it knows no
platform: the tests say exactly what comes back (an error body, a Retry-After, a dropped connection)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx
from tests.fakes.http_messages import RecordedRequest, Reply
from tests.fakes.local_server import LocalServer


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drop: bool = False  # close the connection without answering (after reading the request)


def json_answer(status: int, body: str, **headers: str) -> Answer:
    return Answer(status, body.encode(), {"Content-Type": "application/json", **headers})


class ScriptedServer:
    """Answers requests from a script (first in, first out), then 200 {} when the script is empty.
    `seen` has every request; `errors` every failure of the server itself (none is expected)."""

    def __init__(self) -> None:
        self.script: list[Answer] = []
        self.seen: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.clients: list[httpx.Client] = []  # closed with the server
        self.lock = threading.Lock()
        self._server = LocalServer(self._answer, self.errors.append)

    def _answer(self, request: RecordedRequest) -> Reply | None:
        with self.lock:
            self.seen.append(request)
            answer = self.script.pop(0) if self.script else Answer()
        return None if answer.drop else Reply(answer.status, answer.body, answer.headers)

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def then(self, *answers: Answer) -> None:
        with self.lock:
            self.script.extend(answers)

    def client(self, timeout: float = 5.0) -> httpx.Client:
        client = httpx.Client(timeout=timeout)
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self._server.stop()
