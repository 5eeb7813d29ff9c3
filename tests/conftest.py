"""Shared fixtures: a real uvicorn server on an ephemeral loopback port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from movesia_mcp import UnityManager, UnityManagerConfig, create_app
from movesia_mcp.server.runtime import bind_listener, serving
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
async def serve(
    manager: UnityManager, *, max_message_bytes: int = 16 * 1024 * 1024
) -> AsyncIterator[RunningServer]:
    """Run the Unity listener on an ephemeral loopback port until the block exits.

    The server runs in a task of its own: pytest-asyncio sets a fixture up and tears it
    down in different tasks, and the server's task group must stay in one.
    """
    sock = bind_listener("127.0.0.1", 0)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(create_app(manager), sock, manager, max_message_bytes=max_message_bytes):
            up.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait([task, asyncio.create_task(up.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield RunningServer(manager, sock.getsockname()[1])
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    config = UnityManagerConfig(command_timeout=5.0, interrupt_timeout=10.0, reconnect_grace=1.0)
    async with serve(UnityManager(config)) as running:
        yield running
