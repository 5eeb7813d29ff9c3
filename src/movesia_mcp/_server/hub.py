"""Where Unity state changes leave as MCP notifications, to clients of both protocol eras.

- Handshake-era clients (``initialize``; Claude Desktop, Inspector 0.15) subscribe with
  ``resources/subscribe`` and are reached through the ``ServerSession`` captured when
  they initialised; it keeps working outside any request.
- 2026-07-28 clients listen on ``subscriptions/listen``; the SDK's subscription bus
  filters per stream, so every update is published there once.

Log notifications honour each client's level, the way its era defines it:

- handshake era: ``logging/setLevel`` sets the level for that connection (until then,
  every level is sent);
- 2026-07-28: no ``logging/setLevel`` and no connection-wide logging; a request opts in
  with the ``io.modelcontextprotocol/logLevel`` ``_meta`` key, and while it runs the logs
  at that level and above ride its own response stream (for example the compile logs
  of a ``write_script`` call).

Updates are coalesced: a URI marked dirty many times between flushes is announced
once, so an event flood from Unity cannot flood the clients. Log notifications are
coalesced too: at most ``max_logs_per_s`` leave per second, and the rest are folded
into one ``unity_logs_folded`` notification that counts them by event. Neither ever
blocks the caller: a client that stops reading stalls only this hub's flush loop,
and what waits for it stays bounded. The flush loop runs in the MCP server's lifespan
(``running``, entered by ``build_server``'s lifespan), never left to the embedder.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import time
import typing
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from mcp import types
from mcp.server.connection import allowed_log_levels
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types.version import MODERN_PROTOCOL_VERSIONS

logger = logging.getLogger("movesia_mcp.mcp")

CallNext = Callable[[ServerRequestContext[Any, Any]], Awaitable[Any]]
LogLevel = types.LoggingLevel
LISTEN = "subscriptions/listen"
LEVELS: tuple[LogLevel, ...] = typing.get_args(LogLevel)  # severity ascending (RFC 5424)


class ClientHub:
    def __init__(
        self,
        bus: InMemorySubscriptionBus | None = None,
        flush_interval: float = 0.05,
        *,
        max_logs_per_s: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.bus = bus or InMemorySubscriptionBus()
        self.flush_interval = flush_interval
        self.max_logs_per_s = max(2, max_logs_per_s)
        self.clock = clock
        self.logs_sent = 0
        self.logs_folded = 0
        self._logs: list[tuple[int, LogLevel, Any, str]] = []  # (seq, level, data, logger)
        self._seq = 0  # of the newest log
        self._folded: dict[str, int] = {}
        self._window_start = -math.inf
        self._window_sent = 0
        self.sessions: dict[int, ServerSession] = {}
        self.levels: dict[int, LogLevel] = {}  # logging/setLevel, per connection
        # 2026-07-28 requests in flight that opted in to logs (their sessions carry their
        # level), with the seq of the newest log before each started: it gets those after.
        self.log_requests: dict[int, tuple[ServerSession, int]] = {}
        self._request_seq = itertools.count()
        # Awaited before a 2026-07-28 request that opted in to logs ends: returns once
        # what Unity sent before the answer has reached ``log`` (build_server sets it).
        self.settle: Callable[[], Awaitable[None]] | None = None
        self.subscribers: dict[str, set[int]] = {}
        self.notifications_sent = 0
        self._dirty: set[str] = set()
        self._wake = anyio.Event()
        self._turn = anyio.Lock()  # of the flush loops running (see run)

    @property
    def client_count(self) -> int:
        return len(self.sessions)

    # ── registry (middleware + subscribe handlers) ──────────────────────────────────

    async def track_sessions(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        """Server middleware: remember each handshake-era connection once it initialised,
        and each 2026-07-28 request that opted in to logs while it runs."""
        if ctx.request_id is not None and _opted_in(ctx):
            token, start = next(self._request_seq), self._seq
            self.log_requests[token] = (ctx.session, start)
            try:
                return await call_next(ctx)
            finally:
                try:
                    if self.settle is not None:
                        await self.settle()
                finally:
                    del self.log_requests[token]
                # What this request caused and the flush loop has not sent yet goes out
                # before it ends, to it alone: a slow other client cannot hold it up.
                for seq, level, data, logger_name in list(self._logs):
                    if seq > start:
                        await self._send_one(ctx.session, level, data, logger_name)
        result = await call_next(ctx)
        if ctx.method == "notifications/initialized":
            session = ctx.session
            key = _key(session)
            self.sessions[key] = session
            # DEBUG: a stdio start says one line at INFO (the listener), no more.
            logger.debug("MCP client connected (%d now)", len(self.sessions))
            session._connection.exit_stack.callback(self._forget, key)
        return result

    def _forget(self, key: int) -> None:
        self.sessions.pop(key, None)
        self.levels.pop(key, None)
        for keys in self.subscribers.values():
            keys.discard(key)
        logger.debug("MCP client disconnected (%d left)", len(self.sessions))

    async def on_set_level(
        self, ctx: ServerRequestContext[Any, Any], params: types.SetLevelRequestParams
    ) -> types.EmptyResult:
        """``logging/setLevel``: this connection gets logs at ``params.level`` and above."""
        self.levels[_key(ctx.session)] = params.level
        return types.EmptyResult()

    def wants(self, key: int, level: LogLevel) -> bool:
        """Whether the handshake-era connection ``key`` asked for logs at ``level``."""
        threshold = self.levels.get(key, LEVELS[0])
        return LEVELS.index(level) >= LEVELS.index(threshold)

    async def on_subscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        self.subscribers.setdefault(str(params.uri), set()).add(_key(ctx.session))
        return types.EmptyResult()

    async def on_unsubscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        self.subscribers.get(str(params.uri), set()).discard(_key(ctx.session))
        return types.EmptyResult()

    # ── outbound ────────────────────────────────────────────────────────────────────

    def mark(self, *uris: str) -> None:
        """Announce that ``uris`` changed, at the next flush."""
        self._dirty.update(uris)
        self._wake.set()

    def log(self, level: LogLevel, data: Any, logger_name: str = "unity") -> None:
        """A log notification to every handshake-era client, at the next flush, or
        folded into a count when this second's share is spent."""
        self._roll(self.clock())
        reserved = 1 if self._folded else 0  # a slot for the summary of what was folded
        if self._window_sent + len(self._logs) + reserved < self.max_logs_per_s:
            self._seq += 1
            self._logs.append((self._seq, level, data, logger_name))
        else:
            event = data.get("event") if isinstance(data, dict) else None
            key = event if isinstance(event, str) else "log"
            self._folded[key] = self._folded.get(key, 0) + 1
            self.logs_folded += 1
        self._wake.set()

    def _roll(self, now: float) -> None:
        if now - self._window_start >= 1.0:
            self._window_start = now
            self._window_sent = 0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the flush loop for the life of the block, in a task group it owns.

        The MCP server's lifespan enters it (``build_server``), so whatever serves the
        server runs the loop: the stdio runner, the streamable-HTTP session manager in a
        Starlette app's lifespan, each in-process client. Those may overlap; their loops
        take turns (``run``), and leaving the block stops this one's loop.
        """
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.run)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    async def run(self) -> None:
        """Flush loop, until cancelled. Loops running at once take turns: one waits,
        flushes and pauses ``flush_interval`` while the others queue, so updates stay
        coalesced however many run."""
        while True:
            async with self._turn:
                timeout = math.inf
                if self._folded:  # the summary goes out when the next second starts
                    timeout = max(0.0, self._window_start + 1.0 - self.clock())
                with anyio.move_on_after(timeout):
                    await self._wake.wait()
                self._wake = anyio.Event()
                await self.flush()
                await anyio.sleep(self.flush_interval)

    async def flush(self) -> None:
        await self._flush_resources()
        await self._flush_logs()

    async def _flush_logs(self) -> None:
        self._roll(self.clock())
        batch, self._logs = self._logs, []
        if self._folded and self._window_sent + len(batch) < self.max_logs_per_s:
            folded, self._folded = self._folded, {}
            summary = {
                "event": "unity_logs_folded",
                "folded": sum(folded.values()),
                "by_event": folded,
                "message": "more log notifications than "
                f"{self.max_logs_per_s}/s; these were counted, not sent",
            }
            self._seq += 1
            batch.insert(0, (self._seq, "warning", summary, "movesia"))
        self._window_sent += len(batch)
        for n, (seq, level, data, logger_name) in enumerate(batch):
            try:
                await self._send_log(level, data, logger_name, seq)
            except BaseException:
                # This loop was cancelled (its server stops) while other loops may run on:
                # what it had not finished goes back for them, nothing is lost.
                self._logs[:0] = batch[n:]
                self._wake.set()
                raise

    async def _flush_resources(self) -> None:
        dirty, self._dirty = self._dirty, set()
        pending = sorted(dirty)
        for n, uri in enumerate(pending):
            try:
                await self._send_updated(uri)
            except BaseException:  # cancelled: the rest goes back for the other loops
                self._dirty.update(pending[n:])
                self._wake.set()
                raise

    async def _send_updated(self, uri: str) -> None:
        for key in list(self.subscribers.get(uri, ())):
            session = self.sessions.get(key)
            if session is None:
                continue
            try:
                await session.send_resource_updated(uri)
                self.notifications_sent += 1
            except Exception as exc:  # a client that went away must not stop the others
                logger.debug("resource update to a client failed: %s", exc)
        await self.bus.publish(ResourceUpdated(uri=uri))

    async def _send_log(self, level: LogLevel, data: Any, logger_name: str, seq: int) -> None:
        self.logs_sent += 1
        targets = [s for k, s in list(self.sessions.items()) if self.wants(k, level)]
        # A 2026-07-28 request gets what came after it started; its session drops the
        # levels below the one it asked for.
        targets.extend(s for s, start in list(self.log_requests.values()) if seq > start)
        for session in targets:
            await self._send_one(session, level, data, logger_name)

    async def _send_one(
        self, session: ServerSession, level: LogLevel, data: Any, logger_name: str
    ) -> None:
        try:
            # Deprecated (SEP-2577), still what both eras' clients show.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await session.send_log_message(level, data, logger=logger_name)
        except Exception as exc:  # a client that went away must not stop the others
            logger.debug("log notification to a client failed: %s", exc)


def _key(session: ServerSession) -> int:
    return id(session._connection)


def _opted_in(ctx: ServerRequestContext[Any, Any]) -> bool:
    """A 2026-07-28 request that asked for logs (handshake-era requests never do: their
    connection's level applies instead)."""
    if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS or ctx.method == LISTEN:
        return False  # a listen stream is not a request whose logs these are
    return bool(allowed_log_levels(ctx.protocol_version, ctx.meta))
