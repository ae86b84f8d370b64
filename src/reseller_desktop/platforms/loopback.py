"""A one-shot receiver for an OAuth redirect to http://localhost:<port>/callback (Etsy's sign-in).

It listens on 127.0.0.1 and, where the computer has IPv6, ::1 (browsers may resolve `localhost`
to either), answers the browser with a short page, and hands the code back to the caller once,
after checking that the `state` is the one this sign-in sent. It binds as soon as it is made, so the
browser can be opened right after without a race.
"""

from __future__ import annotations

import errno
import html
import logging
import socket
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reseller_desktop import APP_NAME
from reseller_desktop.domain.errors import UserError

log = logging.getLogger(__name__)

CALLBACK_PATH = "/callback"
_HANDLER_TIMEOUT_S = 10  # a browser's idle pre-connection must not hold a handler thread forever


class LoopbackError(UserError):
    """The sign-in did not come back to this app; the message says why and what to do."""


class RedirectPortInUseError(LoopbackError):
    def __init__(self, port: int, setting: str) -> None:
        super().__init__(
            f"Port {port} on this computer is already in use by another program, so the sign-in cannot return here.",
            f"Close that program, or choose another port under {setting} (and register "
            "http://localhost:<port>/callback as your app's redirect address with the marketplace), "
            "then connect again.",
        )
        self.port = port


class AuthorizationDeniedError(LoopbackError):
    """The platform redirected back with an error (the seller declined, or the app is misconfigured)."""

    def __init__(self, platform_label: str, error: str, description: str) -> None:
        detail = f"{error}: {description}" if description else error
        super().__init__(
            f"{platform_label} did not grant access ({detail}).",
            "Click Connect and approve the access, or check the app keys in Settings → Marketplaces.",
        )
        self.error = error


class StateMismatchError(LoopbackError):
    def __init__(self, platform_label: str) -> None:
        super().__init__(
            f"The answer from {platform_label} did not belong to this sign-in (its state did not match), "
            "so it was refused.",
            "Close old sign-in tabs in your browser and click Connect again.",
        )


class RedirectTimeoutError(LoopbackError):
    def __init__(self, platform_label: str) -> None:
        super().__init__(
            f"No answer came back from {platform_label}'s sign-in page in time.",
            "Click Connect again and approve the access in the browser window that opens.",
        )


class RedirectCancelledError(LoopbackError):
    def __init__(self) -> None:
        super().__init__("The connection was cancelled.", "Click Connect to start again.")


@dataclass(frozen=True)
class Redirect:
    code: str
    state: str


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body style="font-family: sans-serif; margin: 3em;"><h2>{title}</h2><p>{text}</p></body></html>
"""


class _Server(ThreadingHTTPServer):
    # On Windows SO_REUSEADDR lets a second program bind a port already listened on: never there.
    allow_reuse_address = sys.platform != "win32"
    daemon_threads = True
    receiver: LoopbackReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing its connection early is not the app's problem; never print to stderr.
        log.debug("loopback request from %s failed", client_address, exc_info=True)


class _V6Server(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = _HANDLER_TIMEOUT_S

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._answer(404, "Not found", "This address is only used to finish a sign-in.")
            return
        receiver = self.server.receiver
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        status, title, text, decided = receiver._take(params)
        try:
            self._answer(status, title, text)
        finally:
            # Only now: the caller stops the server once woken, and the browser should get its page first.
            if decided:
                receiver._done.set()

    def _answer(self, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes the request line (with the code in it) to stderr: log only the path.
        log.debug("loopback %s %s", self.command, urlsplit(self.path).path)


class LoopbackReceiver:
    """Listens for one redirect. `wait()` returns the code (state checked) or raises a LoopbackError."""

    def __init__(
        self,
        port: int,
        expected_state: str,
        *,
        platform_label: str = "The marketplace",
        port_setting: str = "Settings → Marketplaces",
    ) -> None:
        self.port = port
        self._expected_state = expected_state
        self._label = platform_label
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._outcome: Redirect | LoopbackError | None = None
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._bind(port, port_setting)
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth-loopback", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{CALLBACK_PATH}"

    def _bind(self, port: int, setting: str) -> None:
        try:
            self._servers.append(_Server(("127.0.0.1", port), _Handler))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise RedirectPortInUseError(port, setting) from None
            raise
        try:
            self._servers.append(_V6Server(("::1", port), _Handler))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                # Another program on ::1 could be handed the code by a browser that prefers IPv6.
                self._close_servers()
                raise RedirectPortInUseError(port, setting) from None
            log.debug("no IPv6 loopback (%s); listening on 127.0.0.1 only", exc.strerror)
        for server in self._servers:
            server.receiver = self

    def _take(self, params: dict[str, str]) -> tuple[int, str, str, bool]:
        """Decide on one request to /callback: the page for the browser (HTTP status, title, text), and
        whether it ended the wait."""
        with self._lock:
            if self._outcome is not None:
                return 410, "Already finished", f"This sign-in is already over. Return to {APP_NAME}.", False
            state = params.get("state", "")
            outcome: Redirect | LoopbackError
            if "code" not in params and "error" not in params:
                # Not the platform's redirect (a bookmark, a reload without parameters): keep waiting.
                return 400, "Nothing to do", "This address is only used to finish a sign-in.", False
            if state != self._expected_state:
                # Before the error too: only an answer to this sign-in may say it was declined.
                outcome = StateMismatchError(self._label)
                page = (400, "Sign-in refused", f"{outcome.message} Return to {APP_NAME}.")
            elif "error" in params:
                denied = AuthorizationDeniedError(self._label, params["error"], params.get("error_description", ""))
                outcome = denied
                page = (400, "Access was not granted", f"{denied.message} Return to {APP_NAME} to try again.")
            else:
                outcome = Redirect(params["code"], state)
                page = (200, "Connected", f"You can close this tab and return to {APP_NAME}.")
            self._outcome = outcome
        return (*page, True)

    def wait(self, timeout: float) -> Redirect:
        """Block until the browser comes back (or `cancel()`, or `timeout` seconds); then stop listening."""
        try:
            if not self._done.wait(timeout):
                with self._lock:
                    if self._outcome is None:
                        self._outcome = RedirectTimeoutError(self._label)
            outcome = self._outcome
            assert outcome is not None
            if isinstance(outcome, LoopbackError):
                raise outcome
            return outcome
        finally:
            self.close()

    def cancel(self) -> None:
        """Make a pending or later `wait()` end with RedirectCancelledError (from any thread)."""
        with self._lock:
            if self._outcome is None:
                self._outcome = RedirectCancelledError()
        self._done.set()

    def close(self) -> None:
        """Stop listening and free the port; calling it again does nothing."""
        self._close_servers()

    def _close_servers(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, []
            threads, self._threads = self._threads, []
        for server, serving in zip(servers, threads, strict=False):
            # shutdown() waits for serve_forever, so only for a server whose thread was started.
            if serving.ident is not None:
                server.shutdown()
        for server in servers:
            server.server_close()
        for thread in threads:
            thread.join()
