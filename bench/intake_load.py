"""A small, fast HTTP/1.1 load client for the intake API (keep-alive connections, asyncio).

httpx costs more CPU per request than the server it measures; this client writes
prepared request bytes and reads ``Content-Length`` bodies, so on the same 2 cores the
server gets most of the machine. Used by ``bench/intake.py`` and the crash test.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Sent:
    """One request: its idempotency key, body, the status (None: no answer) and latency."""

    key: str
    body: bytes
    status: int | None = None
    seconds: float = 0.0
    answer: dict[str, Any] | None = None


def post_bytes(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """An HTTP/1.1 POST with a JSON body, as bytes."""
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def get_bytes(path: str) -> bytes:
    """An HTTP/1.1 GET, as bytes."""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _client(
    port: int,
    next_request: Callable[[], tuple[bytes, Sent] | None],
    done: list[Sent],
    until: float,
    stop: asyncio.Event,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until and not stop.is_set():
            request = next_request()
            if request is None:
                return
            data, sent = request
            done.append(sent)
            started = time.perf_counter()
            writer.write(data)
            status, body = await _read_answer(reader)
            sent.seconds, sent.status = time.perf_counter() - started, status
            if body[:1] == b"{":
                sent.answer = json.loads(body)
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        return  # the server went away: this client's last request stays unanswered
    finally:
        writer.close()


def run_load(
    port: int,
    next_request: Callable[[], tuple[bytes, Sent] | None],
    *,
    clients: int,
    seconds: float,
    stop_after: Callable[[list[Sent]], bool] | None = None,
) -> list[Sent]:
    """``clients`` connections sending ``next_request()`` back to back for ``seconds``; every
    request sent, answered or not. ``stop_after`` is polled; True stops the load."""

    async def main() -> list[Sent]:
        done: list[Sent] = []
        stop = asyncio.Event()
        until = time.perf_counter() + seconds
        tasks = [asyncio.create_task(_client(port, next_request, done, until, stop)) for _ in range(clients)]
        while not all(task.done() for task in tasks):
            await asyncio.sleep(0.05)
            if stop_after is not None and stop_after(done):
                stop.set()
        return done

    try:
        import uvloop

        return uvloop.run(main())
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(main())


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")
