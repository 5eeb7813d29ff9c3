"""Helpers for the protocol integration tests: raw sockets and condition polling.

The ``server`` fixture and ``serve()`` live in ``tests/conftest.py``; these helpers add
what the simulated peer does not do on purpose (stay silent, send odd frames, send
headers) and a way to wait for a condition without fixed sleeps.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from movesia_mcp import UnityManager, UnityManagerConfig
from movesia_mcp._simulator import SimulatedUnity
from movesia_mcp._simulator.peer import envelope

Message = dict[str, Any]
ENVELOPE_FIELDS = {"v", "source", "type", "ts", "id", "body", "session"}


async def eventually(
    predicate: Callable[[], object], timeout: float = 2.0, interval: float = 0.005
) -> None:
    """Return as soon as ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:g}s: {predicate}")
        await asyncio.sleep(interval)


def fast_manager(*, clock: Callable[[], float] = time.monotonic, **config: Any) -> UnityManager:
    """A manager with test-sized timeouts; ``config`` overrides ``UnityManagerConfig``."""
    defaults: dict[str, Any] = {
        "command_timeout": 5.0,
        "interrupt_timeout": 10.0,
        "reconnect_grace": 1.0,
    }
    return UnityManager(UnityManagerConfig(**{**defaults, **config}), clock=clock)


class FakeClock:
    """A clock the test moves by hand: the manager's timing rules without real waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def sweep_deadlines_after(manager: UnityManager, clock: FakeClock, seconds: float) -> None:
    """Move the manager's clock and run one pass of its deadline sweep at once (the
    background sweep would also see the new time, but only when it next wakes): the
    commands now due time out, the progress ticks now due fire."""
    clock.advance(seconds)
    manager.dispatch.sweep(clock())
    await asyncio.sleep(0)  # let a settled caller's task see its answer


def frame(
    msg_type: str,
    body: dict[str, Any] | None = None,
    *,
    msg_id: str | None = None,
    session: str | None = None,
) -> str:
    """A Unity-side envelope as the text of one frame."""
    return json.dumps(envelope(msg_type, body, msg_id=msg_id, session=session))


def hello(session: str | None = None, *, msg_id: str | None = None, **body: Any) -> str:
    """A Movesia-style ``hello`` envelope."""
    return frame("hello", body, msg_id=msg_id, session=session)


@asynccontextmanager
async def raw_client(url: str, **kwargs: Any) -> AsyncIterator[ClientConnection]:
    """A bare ``websockets`` client: answers nothing, sends only what the test sends."""
    kwargs.setdefault("ping_interval", None)
    kwargs.setdefault("open_timeout", 5)
    async with connect(url, **kwargs) as ws:
        yield ws


async def receive(
    ws: ClientConnection,
    predicate: Callable[[Message], bool] = lambda m: True,
    timeout: float = 2.0,
    seen: list[Message] | None = None,
) -> Message:
    """The next server message matching ``predicate``; earlier ones go to ``seen``."""
    async with asyncio.timeout(timeout):
        while True:
            message: Message = json.loads(await ws.recv())
            if seen is not None:
                seen.append(message)
            if predicate(message):
                return message


async def close_of(
    ws: ClientConnection, timeout: float = 2.0, seen: list[Message] | None = None
) -> tuple[int | None, str]:
    """Read until the server closes ``ws``; return its close code and reason."""
    async with asyncio.timeout(timeout):
        try:
            while True:
                message = json.loads(await ws.recv())
                if seen is not None:
                    seen.append(message)
        except ConnectionClosed as exc:
            if exc.rcvd is None:
                return None, ""
            return exc.rcvd.code, exc.rcvd.reason


def of_type(msg_type: str, msg_id: str | None = None) -> Callable[[Message], bool]:
    return lambda m: m.get("type") == msg_type and (msg_id is None or m.get("id") == msg_id)


async def round_trip(peer: SimulatedUnity, timeout: float = 2.0) -> None:
    """Send ``hb`` and wait for its ``pong``: the server has handled every earlier frame
    of this connection, and what it sent for them has arrived."""
    hb_id = uuid.uuid4().hex
    await peer.send(envelope("hb", msg_id=hb_id, session=peer.session_id))
    await eventually(
        lambda: any(m["type"] == "pong" and m["id"] == hb_id for m in peer.received), timeout
    )
