"""The server's app served in this process, on an ephemeral loopback port, for the tests
and the benchmarks.

There is one uvicorn set-up, ``runtime.serving``: the CLI serves through it
(``Runtime.holding``), and so does ``serve_in_process``, which adds what a test or a
benchmark needs around it: a freshly bound port (``bind_listener``, as the CLI binds it:
TCP_NODELAY on accepted sockets) and a task of its own, so that a pytest-asyncio fixture
may enter the block in one task and leave it in another (the server's task group stays
in its task).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.types import ASGIApp

from .._config import Config
from .._unity_manager import UnityManager
from .runtime import bind_listener, serving

STOP_TIMEOUT_S = 10.0
DEFAULT_MAX_MESSAGE_BYTES = Config().max_message_bytes  # MAX_MESSAGE_BYTES's default


@dataclass(frozen=True)
class Served:
    """Where the app listens."""

    host: str
    port: int

    def url(self, scheme: str, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{path}"

    @property
    def ws_url(self) -> str:
        """The Unity endpoint."""
        return self.url("ws", "/ws/unity")

    @property
    def http_url(self) -> str:
        return self.url("http", "")


@contextlib.asynccontextmanager
async def serve_in_process(
    app: ASGIApp,
    manager: UnityManager | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    request_timeout: float = 10.0,
    ws: type[asyncio.Protocol] | str | None = None,
) -> AsyncIterator[Served]:
    """Serve ``app`` on ``host``:``port`` (0: an ephemeral port) until the block exits.

    ``manager`` is the app's ``UnityManager``, shut down first on exit (editors see 1001)
    as the CLI does; None for an app without one (a benchmark's reference server).
    ``ws``: uvicorn's WebSocket protocol, the CLI's unless given (``runtime.serving``).
    A server that cannot start raises here, before the block runs.
    """
    sock = bind_listener(host, port)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(
            app,
            sock,
            manager,
            max_message_bytes=max_message_bytes,
            request_timeout=request_timeout,
            ws=ws,
        ):
            up.set()
            await stop.wait()

    task = asyncio.create_task(run(), name=f"serve_in_process:{sock.getsockname()[1]}")
    started = asyncio.create_task(up.wait())
    try:
        await asyncio.wait([task, started], return_when=asyncio.FIRST_COMPLETED)
    finally:
        started.cancel()
    if task.done():
        sock.close()
        task.result()  # raises why it stopped
        raise RuntimeError("the server stopped before it started")
    try:
        yield Served(host, int(sock.getsockname()[1]))
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, STOP_TIMEOUT_S)
        finally:
            sock.close()
