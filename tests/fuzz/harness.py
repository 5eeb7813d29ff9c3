"""A real server and raw editor sockets on a background event loop.

Hypothesis drives sync test functions, so the server (``serve()`` from
``tests/conftest.py``: uvicorn on an ephemeral loopback port) and the clients live on
an asyncio loop in a thread of their own; a test hands coroutines to it with ``call``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from conftest import RunningServer, serve
from movesia_mcp import UnityManager, UnityManagerConfig

T = TypeVar("T")
Message = dict[str, Any]


def fuzz_manager() -> UnityManager:
    return UnityManager(
        UnityManagerConfig(command_timeout=10.0, interrupt_timeout=10.0, reconnect_grace=1.0)
    )


class LoopThread:
    """A running server on an event loop in a daemon thread."""

    def __init__(self, manager: UnityManager) -> None:
        self.manager = manager
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._stop: asyncio.Event | None = None
        self._lifetime: concurrent.futures.Future[None] | None = None
        self.server: RunningServer | None = None

    def start(self) -> LoopThread:
        self._thread.start()
        ready: asyncio.Future[None] = self.call(self._make_future())
        self._lifetime = asyncio.run_coroutine_threadsafe(self._serve(ready), self.loop)
        self.call(asyncio.wait_for(asyncio.shield(ready), 10))
        return self

    async def _make_future(self) -> asyncio.Future[None]:
        self._stop = asyncio.Event()
        return asyncio.get_running_loop().create_future()

    async def _serve(self, ready: asyncio.Future[None]) -> None:
        assert self._stop is not None
        try:
            async with serve(self.manager) as running:
                self.server = running
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        if self._stop is not None and self._lifetime is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
            with contextlib.suppress(Exception):
                self._lifetime.result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url


class RawEditor:
    """A bare ``websockets`` client that records every frame the server sends."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.received: list[Message] = []
        self.closed_by_server: tuple[int, str] | None = None
        self.closed = False
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str) -> RawEditor:
        ws = await connect(url, ping_interval=None, open_timeout=5, max_size=None)
        return cls(ws)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                self.received.append(json.loads(raw))
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            rcvd = self.ws.protocol.close_rcvd
            if rcvd is not None:
                self.closed_by_server = (rcvd.code, rcvd.reason)
            self.closed = True
            self._changed.set()

    async def send(self, frame: str | bytes) -> None:
        await self.ws.send(frame)

    async def wait_for(
        self, predicate: Callable[[Message], bool], timeout: float = 10.0, start: int = 0
    ) -> Message:
        """The first message from index ``start`` on that matches; fails on close."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received[start:]:
                if predicate(message):
                    return message
            if self.closed:
                raise AssertionError(f"server closed the connection: {self.closed_by_server}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no matching message within {timeout:g}s")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self._changed.wait()

    async def wait_closed(self, timeout: float = 10.0) -> tuple[int, str] | None:
        async with asyncio.timeout(timeout):
            await self._reader
        return self.closed_by_server

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self._reader


async def eventually(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout:g}s")
        await asyncio.sleep(0.002)
