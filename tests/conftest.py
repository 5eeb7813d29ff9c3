"""Shared fixtures: a real uvicorn server on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
import uvicorn

from movesia_mcp import UnityManager, UnityManagerConfig, create_app
from movesia_mcp.simulator import SimulatedUnity


@dataclass
class RunningServer:
    manager: UnityManager
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/unity"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def peer(self, **kwargs: object) -> SimulatedUnity:
        kwargs.setdefault("heartbeat_interval", None)
        return SimulatedUnity(self.url, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve(manager: UnityManager, *, max_message_bytes: int = 16 * 1024 * 1024) -> AsyncIterator[RunningServer]:
    """Run the Unity listener on an ephemeral loopback port until the block exits."""
    app = create_app(manager)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", ws_max_size=max_message_bytes,
        ws_ping_interval=None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.005)
    try:
        yield RunningServer(manager, port)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


ServerFactory = Callable[..., "asynccontextmanager[RunningServer]"]


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    config = UnityManagerConfig(command_timeout=5.0, interrupt_timeout=10.0, reconnect_grace=1.0)
    async with serve(UnityManager(config)) as running:
        yield running
