"""Several clients at the same moment, for the tests that prove two writers do not collide."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(work: Callable[[int], object], clients: int = 2) -> list[BaseException]:
    """Run work(0) … work(clients - 1) on their own threads, released together; return what they raised."""
    start = threading.Barrier(clients)
    errors: list[BaseException] = []

    def client(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # collected: the test asserts there are none
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
