"""Inbound flow control of the Unity port's WebSockets (``_server/websocket_protocol.py``).

uvicorn's protocol asks for a pause after every frame it queues; the gate defers it until
``PAUSE_AFTER_BYTES`` wait unconsumed, so memory stays bounded while an app that keeps up
never stops the socket. Real uvicorn (the CLI's ``serving``), a real client; each case
runs on asyncio's loop and on uvloop's (the CLI's default where it is installed), whose
transports are not ``asyncio.Transport`` subclasses.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.util import find_spec

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect

from movesia_mcp._server import websocket_protocol
from movesia_mcp._server.runtime import bind_listener, serving
from movesia_mcp._server.websocket_protocol import (
    PAUSE_AFTER_BYTES,
    LazyPauseProtocol,
    ReadGate,
)

from .conftest import eventually


class HeldApp:
    """A WebSocket endpoint that reads nothing until ``release`` is set, then everything."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.received: list[str] = []
        self.done = asyncio.Event()
        self.app = Starlette(routes=[WebSocketRoute("/ws", self.endpoint)])

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await self.release.wait()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            self.received.append(message["text"])
            if message["text"] == "end":
                self.done.set()


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[tuple[uvicorn.Server, int]]:
    sock = bind_listener("127.0.0.1", 0)
    try:
        async with serving(app, sock, None, max_message_bytes=1 << 20) as server:
            yield server, sock.getsockname()[1]
    finally:
        sock.close()


def gate_of(server: uvicorn.Server) -> ReadGate:
    assert LazyPauseProtocol is not None  # this uvicorn has its sans-I/O protocol
    protocols = [c for c in server.server_state.connections if isinstance(c, LazyPauseProtocol)]
    assert len(protocols) == 1, protocols
    gate = getattr(protocols[0], "gate", None)
    assert isinstance(gate, ReadGate)
    return gate


async def the_unity_port_serves_websockets_with_the_lazy_pause_protocol() -> None:
    held = HeldApp()
    async with served(held.app) as (server, port):
        assert server.config.ws_protocol_class is LazyPauseProtocol
        async with connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws:
            await eventually(lambda: len(server.server_state.connections) == 1)
            assert gate_of(server).transport.is_reading()
            held.release.set()
            await ws.send("end")
            await asyncio.wait_for(held.done.wait(), 5)
    assert held.received == ["end"]


async def a_frame_waiting_for_the_app_does_not_stop_the_socket_being_read() -> None:
    held = HeldApp()
    async with (
        served(held.app) as (server, port),
        connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws,
    ):
        await eventually(lambda: len(server.server_state.connections) == 1)
        gate = gate_of(server)
        await ws.send("first")
        await eventually(lambda: gate.wanted)  # queued, the app has not taken it
        # uvicorn alone would have paused the socket here, for one small frame.
        assert gate.transport.is_reading()
        assert not gate.paused
        held.release.set()
        await ws.send("end")
        await asyncio.wait_for(held.done.wait(), 5)
        await eventually(lambda: not gate.wanted)
        assert gate.transport.is_reading()
    assert held.received == ["first", "end"]


async def an_app_that_falls_behind_stops_the_socket_being_read_and_loses_nothing() -> None:
    held = HeldApp()
    frames = [f"{i:05d}:" + "x" * 1000 for i in range(3 * PAUSE_AFTER_BYTES // 1000)]
    async with (
        served(held.app) as (server, port),
        connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws,
    ):
        await eventually(lambda: len(server.server_state.connections) == 1)
        gate = gate_of(server)

        async def send_all() -> None:
            for frame in frames:
                await ws.send(frame)
            await ws.send("end")

        # From a task: once the server stops reading, the client's sends may wait for
        # the kernel's buffers, until the app catches up.
        sender = asyncio.create_task(send_all())
        # More than the limit arrived unread: the socket is no longer read, and what
        # the server holds is bounded by the limit plus one read.
        await eventually(lambda: gate.paused)
        assert not gate.transport.is_reading()
        assert PAUSE_AFTER_BYTES <= gate.behind < PAUSE_AFTER_BYTES + 256 * 1024
        held.release.set()
        await asyncio.wait_for(sender, 5)
        await asyncio.wait_for(held.done.wait(), 5)
        assert not gate.paused
        assert gate.transport.is_reading()
    assert held.received == [*frames, "end"]


SCENARIOS: list[Callable[[], Awaitable[None]]] = [
    the_unity_port_serves_websockets_with_the_lazy_pause_protocol,
    a_frame_waiting_for_the_app_does_not_stop_the_socket_being_read,
    an_app_that_falls_behind_stops_the_socket_being_read_and_loses_nothing,
]
NAMES = [scenario.__name__ for scenario in SCENARIOS]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=NAMES)
async def test_on_asyncio(scenario: Callable[[], Awaitable[None]]) -> None:
    await scenario()


@pytest.mark.skipif(find_spec("uvloop") is None, reason="uvloop is not installed")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=NAMES)
def test_on_uvloop(scenario: Callable[[], Awaitable[None]]) -> None:
    import uvloop

    async def run() -> None:
        await asyncio.wait_for(scenario(), 30)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(run())


def test_a_uvicorn_whose_default_is_not_the_sans_io_protocol_keeps_its_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from uvicorn.protocols.websockets import auto

    assert LazyPauseProtocol is not None
    # What the gate wraps is what uvicorn's "auto" picks on this install.
    assert issubclass(LazyPauseProtocol, auto.AutoWebSocketsProtocol)  # type: ignore[arg-type]
    monkeypatch.setattr(auto, "AutoWebSocketsProtocol", object)
    assert websocket_protocol._lazy_pause_protocol() is None


def test_a_uvicorn_without_the_sans_io_protocol_gets_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = "uvicorn.protocols.websockets.websockets_sansio_impl"
    monkeypatch.setitem(sys.modules, name, None)  # the import fails, as on an old uvicorn
    assert websocket_protocol._lazy_pause_protocol() is None
    monkeypatch.setattr(websocket_protocol, "LazyPauseProtocol", None)
    assert websocket_protocol.websocket_protocol() == "auto"
