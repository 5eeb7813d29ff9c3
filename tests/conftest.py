"""Shared fixtures: a real uvicorn server on an ephemeral loopback port."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Literal

import pytest
from starlette.applications import Starlette

from movesia_mcp import UnityManager, UnityManagerConfig, create_app, unity_routes
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._simulator import SimulatedUnity


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


# How the Unity routes are served: ``create_app``'s app (its ``UnitySockets`` middleware
# hands each socket over on the server's own receive/send), or ``unity_routes`` mounted
# in an embedder's own Starlette app (Starlette's WebSocket layers all the way).
AppKind = Literal["create_app", "embedded"]
APP_KINDS: tuple[AppKind, ...] = ("create_app", "embedded")


def embedded_app(manager: UnityManager) -> Starlette:
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.running():
            yield

    return Starlette(routes=unity_routes(manager), lifespan=lifespan)


@asynccontextmanager
async def serve(
    manager: UnityManager,
    *,
    max_message_bytes: int = 16 * 1024 * 1024,
    app: AppKind = "create_app",
) -> AsyncIterator[RunningServer]:
    """Run the Unity listener on an ephemeral loopback port until the block exits
    (``serve_in_process``: the CLI's uvicorn set-up, in a task of its own, so that a
    pytest-asyncio fixture may set it up and tear it down in different tasks)."""
    asgi = create_app(manager) if app == "create_app" else embedded_app(manager)
    async with serve_in_process(asgi, manager, max_message_bytes=max_message_bytes) as served:
        yield RunningServer(manager, served.port)


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    config = UnityManagerConfig(command_timeout=5.0, interrupt_timeout=10.0, reconnect_grace=1.0)
    async with serve(UnityManager(config)) as running:
        yield running
