"""One editor link, many MCP clients: a stdio server that relays to the port holder.

Each MCP client (Claude Desktop, Claude Code, Cursor...) starts its own ``movesia-mcp``
over stdio, but only one process can hold the Unity port. The first one holds it; each
later one, finding the port held by a ``movesia-mcp`` of the same user, becomes a
*relay*: it serves its client on stdio with the same server (tools, resources,
schemas, annotations, capabilities), and forwards every request to the holder's
``/relay`` endpoint (streamable HTTP on the Unity port, holder.py) with the per-user
secret (relay_secret.py). Notifications come back to the client that asked: the relay
subscribes upstream to every resource and fans updates out to what its own client
subscribed to (either protocol era), forwards progress of its own calls, and relays
log notifications.

Failover: when the holder goes (its connection drops or stops answering pings), every
relay tries to bind the port; the kernel lets exactly one succeed. The winner becomes
the holder (Unity listener, ``/relay``, a fresh secret) and relays its own client to
its own server in memory; the editors reconnect by themselves. The others find the new
holder and re-point: a new upstream session, re-subscribed, with nothing restarted.
A call in flight when the holder went fails at once with a retryable error.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import logging
import os
import random
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import httpx2
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp.shared.memory import create_client_server_memory_streams
from mcp.shared.subscriptions import ResourcesListChanged, ToolsListChanged
from mcp.types import CONNECTION_CLOSED, INTERNAL_ERROR
from pydantic import BaseModel, ValidationError

from .._config import Config
from .._exceptions import PortInUseError, RelaySecretError
from .._status import probe
from .._version import __version__
from .holder import RELAY_CLIENT_NAME
from .hub import ClientHub
from .relay_secret import RELAY_HEADER, read_secret
from .runtime import Runtime, bind_listener, serve_stdio, watch_signals

logger = logging.getLogger("movesia_mcp.relay")

R = TypeVar("R", bound=BaseModel)

PING_INTERVAL_S = 1.0
PING_TIMEOUT_S = 10.0  # a holder this slow to answer a ping is taken for gone
CONNECT_TIMEOUT_S = 10.0
WAIT_FOR_HOLDER_S = 20.0  # a request arriving mid-switch waits this long for the next holder
RETRY_MIN_S = 0.1
RETRY_MAX_S = 0.5
NO_ANSWER_RETRIES = 2


class HolderLostError(Exception):
    """The holder went away during the request (or none is there); retrying is safe to try."""


@dataclass(frozen=True, slots=True)
class Holder:
    """A movesia-mcp this process may relay to."""

    host: str
    port: int
    pid: int | None
    transport: str
    path: str
    secret: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"


def _probe_host(config: Config) -> str:
    return "127.0.0.1" if config.server_host in ("0.0.0.0", "::") else config.server_host


def locate_holder(config: Config, in_use_message: str) -> Holder | None:
    """The movesia-mcp holding the port, ready to relay to; None if nothing answers any
    more (it just exited). Anything else holding it raises ``PortInUseError``."""
    host, port = _probe_host(config), config.server_port
    diagnosis = probe(host, port, config.token)
    for _ in range(NO_ANSWER_RETRIES):  # a holder that bound a moment ago may not serve yet
        if diagnosis.verdict != "no_answer":
            break
        diagnosis = probe(host, port, config.token)
    if diagnosis.verdict == "port_closed":
        return None
    if diagnosis.verdict != "ok" or diagnosis.status is None:
        raise PortInUseError(f"{in_use_message} ({diagnosis.message})")
    status = diagnosis.status
    holder = status.get("holder")
    version = status.get("version", "?")
    if not isinstance(holder, dict):
        raise PortInUseError(
            f"port {port} is held by movesia-mcp {version}, which is too old to share the "
            "Unity port with other MCP clients: upgrade it (the same way you installed "
            "this one) or stop it, then restart your MCP clients."
        )
    pid = holder.get("pid")
    uid = holder.get("uid")
    if hasattr(os, "getuid") and uid is not None and uid != os.getuid():
        raise PortInUseError(
            f"port {port} is held by another user's movesia-mcp (pid {pid}, uid {uid}); "
            "it cannot be shared across users. Use another port with --port N "
            "(SERVER_PORT=N) and point the Unity plug-in there."
        )
    path = holder.get("relay_path")
    if not isinstance(path, str):
        raise PortInUseError(
            f"movesia-mcp pid {pid} holds port {port} but cannot share it (it could not "
            "write its relay secret; see its log). Stop it, or use another port."
        )
    try:
        secret = read_secret(port)
    except RelaySecretError as exc:
        raise PortInUseError(
            f"movesia-mcp pid {pid} holds port {port}, but its relay secret cannot be used: {exc}"
        ) from None
    return Holder(host, port, pid, str(holder.get("transport", "?")), path, secret)


def check_access(holder: Holder, token: str | None, timeout: float = 5.0) -> None:
    """Present the secret once (a GET with no session): 403 means it is refused."""
    headers = {RELAY_HEADER: holder.secret}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(holder.host, holder.port, timeout=timeout)
    try:
        conn.request("GET", holder.path, headers=headers)
        response = conn.getresponse()
        raw = response.read(65536)
    except OSError as exc:
        raise PortInUseError(f"cannot reach movesia-mcp pid {holder.pid}: {exc}") from None
    finally:
        conn.close()
    if response.status in (401, 403):
        try:
            message = json.loads(raw).get("message", "")
        except (ValueError, AttributeError):
            message = ""
        raise PortInUseError(
            f"movesia-mcp pid {holder.pid} on port {holder.port} refused this relay "
            f"(HTTP {response.status}: {message or 'forbidden'})"
        )


@dataclass(eq=False)
class Upstream:
    """One session with the holder; ``drop()`` fails whatever is in flight on it."""

    session: ClientSession
    label: str
    lost: anyio.Event = field(default_factory=anyio.Event)
    scopes: set[anyio.CancelScope] = field(default_factory=set)

    def drop(self) -> None:
        if not self.lost.is_set():
            self.lost.set()
            for scope in list(self.scopes):
                scope.cancel()


class Relay:
    """The stdio-side server of a relay, and the loop that keeps it pointed at a holder."""

    def __init__(self, config: Config) -> None:
        self.config = config
        # The very server a holder builds, so capabilities, instructions and the local
        # handlers (subscriptions, listen) are the holder's; its manager never starts:
        # what reaches Unity is forwarded (_install_forwarding).
        local = Runtime.create(config, "stdio")
        self.hub: ClientHub = local.hub
        self.server: MCPServer = local.mcp
        self._install_forwarding()
        self._upstream: Upstream | None = None
        self._ready = anyio.Event()
        self._stop = anyio.Event()
        self._attached = 0  # upstream sessions attached so far

    # ── forwarding ──────────────────────────────────────────────────────────────────

    def _install_forwarding(self) -> None:
        low = self.server._lowlevel_server
        forwarded: list[tuple[str, type[Any], Any, Any]] = [
            (
                "tools/list",
                types.PaginatedRequestParams,
                types.ListToolsRequest,
                types.ListToolsResult,
            ),
            (
                "resources/list",
                types.PaginatedRequestParams,
                types.ListResourcesRequest,
                types.ListResourcesResult,
            ),
            (
                "resources/templates/list",
                types.PaginatedRequestParams,
                types.ListResourceTemplatesRequest,
                types.ListResourceTemplatesResult,
            ),
            (
                "resources/read",
                types.ReadResourceRequestParams,
                types.ReadResourceRequest,
                types.ReadResourceResult,
            ),
            (
                "prompts/list",
                types.PaginatedRequestParams,
                types.ListPromptsRequest,
                types.ListPromptsResult,
            ),
            (
                "prompts/get",
                types.GetPromptRequestParams,
                types.GetPromptRequest,
                types.GetPromptResult,
            ),
            (
                "completion/complete",
                types.CompleteRequestParams,
                types.CompleteRequest,
                types.CompleteResult,
            ),
        ]
        for method, params_type, request_type, result_type in forwarded:
            if low.get_request_handler(method) is None:
                continue  # the holder's server does not serve it either
            handler = functools.partial(self._forward_request, request_type, result_type)
            low.add_request_handler(method, params_type, handler)
        low.add_request_handler("tools/call", types.CallToolRequestParams, self._forward_call)

    async def _forward_request(
        self,
        request_type: Callable[..., Any],
        result_type: type[R],
        ctx: ServerRequestContext[Any, Any],
        params: types.RequestParams | None,
    ) -> R:
        upstream_params = _without_meta(params)
        request = request_type(params=upstream_params)
        try:
            return await self._on_upstream(
                lambda session: session.send_request(request, result_type)
            )
        except HolderLostError as exc:
            raise MCPError(INTERNAL_ERROR, str(exc)) from None

    async def _forward_call(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        async def report(progress: float, total: float | None, message: str | None) -> None:
            await ctx.session.report_progress(progress, total, message)

        request = types.CallToolRequest(
            params=types.CallToolRequestParams(name=params.name, arguments=params.arguments)
        )
        try:
            return await self._on_upstream(
                lambda session: session.send_request(
                    request, types.CallToolResult, progress_callback=report
                )
            )
        except HolderLostError as exc:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=str(exc))], is_error=True
            )

    async def _on_upstream(self, send: Callable[[ClientSession], Awaitable[R]]) -> R:
        upstream = await self._current()
        with anyio.CancelScope() as scope:
            upstream.scopes.add(scope)
            try:
                return await send(upstream.session)
            except MCPError as exc:
                if exc.code != CONNECTION_CLOSED:
                    raise  # the holder's own answer (unknown tool, bad params...)
                upstream.drop()
            except ValidationError as exc:
                raise MCPError(INTERNAL_ERROR, f"the holder's answer is malformed: {exc}") from None
            except Exception as exc:  # the transport broke: the holder is gone
                logger.debug("upstream request failed: %r", exc)
                upstream.drop()
            finally:
                upstream.scopes.discard(scope)
        raise HolderLostError(
            f"The movesia-mcp that held the Unity port ({upstream.label}) went away during "
            "this request, so whether it reached Unity is unknown. Another one takes over "
            "within seconds: check the result (for example with find_objects) and retry."
        )

    async def _current(self) -> Upstream:
        with anyio.move_on_after(WAIT_FOR_HOLDER_S):
            while True:
                upstream = self._upstream
                if upstream is not None and not upstream.lost.is_set():
                    return upstream
                if self._ready.is_set():  # lost, not yet cleared: a moment
                    await anyio.sleep(0.05)
                else:
                    await self._ready.wait()
        raise HolderLostError(
            f"No movesia-mcp holds the Unity port {self.config.server_port} at the moment "
            f"(waited {WAIT_FOR_HOLDER_S:g} s for one to take over). Retry shortly; if it "
            "persists, restart your MCP client."
        )

    def _set_upstream(self, upstream: Upstream | None) -> None:
        self._upstream = upstream
        if upstream is not None:
            self._ready.set()
        elif self._ready.is_set():
            self._ready = anyio.Event()

    # ── notifications from the holder ───────────────────────────────────────────────

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.hub.mark(str(message.params.uri))
        elif isinstance(message, types.ToolListChangedNotification):
            for session in list(self.hub.sessions.values()):
                with contextlib.suppress(Exception):
                    await session.send_tool_list_changed()
            await self.hub.bus.publish(ToolsListChanged())
        elif isinstance(message, types.ResourceListChangedNotification):
            for session in list(self.hub.sessions.values()):
                with contextlib.suppress(Exception):
                    await session.send_resource_list_changed()
            await self.hub.bus.publish(ResourcesListChanged())
        elif isinstance(message, Exception):
            logger.debug("upstream transport: %r", message)

    async def _on_log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.hub.log(params.level, params.data, params.logger or "unity")

    def _client_session(self, read: Any, write: Any, name: str) -> ClientSession:
        return ClientSession(
            read,
            write,
            message_handler=self._on_message,
            logging_callback=self._on_log,
            client_info=types.Implementation(name=name, version=__version__),
        )

    async def _attach(self, session: ClientSession, label: str) -> Upstream:
        """Handshake, then subscribe to every resource: updates are filtered here."""
        with anyio.fail_after(CONNECT_TIMEOUT_S):
            await session.initialize()
            cursor: str | None = None
            while True:
                listed = await session.list_resources(
                    params=types.PaginatedRequestParams(cursor=cursor) if cursor else None
                )
                for resource in listed.resources:
                    with warnings.catch_warnings():  # deprecated for 2026-07-28 only
                        warnings.simplefilter("ignore", MCPDeprecationWarning)
                        await session.subscribe_resource(str(resource.uri))
                cursor = listed.next_cursor
                if not cursor:
                    break
        upstream = Upstream(session, label)
        self._set_upstream(upstream)
        self._attached += 1
        return upstream

    # ── the supervisor: relay, and take over when the holder goes ─────────────────────

    async def supervise(self, first: Holder) -> None:
        """Runs until ``stop()``: relays to ``first``, then to whoever holds the port."""
        holder: Holder | None = first
        delay = RETRY_MIN_S
        said = ""
        while not self._stop.is_set():
            if holder is not None:
                attached = self._attached
                try:
                    await self._relay_to(holder)
                except Exception as exc:
                    logger.info("relay to pid %s ended: %r", holder.pid, exc)
                holder = None
                if self._stop.is_set():
                    return
                if self._attached != attached:  # it worked for a while: retry at once
                    delay = RETRY_MIN_S
                    logger.warning(
                        "the movesia-mcp holding port %d is gone; taking over or re-pointing",
                        self.config.server_port,
                    )
                else:  # refused or broken from the start: do not spin
                    await self._sleep(delay * random.uniform(0.5, 1.5))
                    delay = min(delay * 2, RETRY_MAX_S)
            try:
                sock = bind_listener(self.config.server_host, self.config.server_port)
            except PortInUseError as exc:
                if exc.in_use:
                    try:
                        holder = await anyio.to_thread.run_sync(
                            locate_holder, self.config, str(exc)
                        )
                    except PortInUseError as refused:
                        if str(refused) != said:  # once, not every half second
                            logger.warning("cannot relay yet: %s", refused)
                            said = str(refused)
                elif str(exc) != said:
                    logger.error("%s", exc)
                    said = str(exc)
                if holder is None:
                    await self._sleep(delay * random.uniform(0.5, 1.5))
                    delay = min(delay * 2, RETRY_MAX_S)
                continue
            await self._hold(sock)
            return

    async def _sleep(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._stop.wait()

    async def _relay_to(self, holder: Holder) -> None:
        headers = {RELAY_HEADER: holder.secret}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        # No read timeout: a long tool call streams its answer; the pings watch the holder.
        timeout = httpx2.Timeout(CONNECT_TIMEOUT_S, read=None)
        label = f"pid {holder.pid} on port {holder.port}"
        upstream: Upstream | None = None
        with anyio.CancelScope() as scope:
            try:
                async with (
                    httpx2.AsyncClient(headers=headers, timeout=timeout) as client,
                    streamable_http_client(holder.url, http_client=client) as (read, write),
                    self._client_session(read, write, RELAY_CLIENT_NAME) as session,
                ):
                    upstream = await self._attach(session, label)
                    logger.info(
                        "relaying MCP to movesia-mcp pid %s on port %d (it holds the Unity "
                        "port; transport %s)",
                        holder.pid,
                        holder.port,
                        holder.transport,
                    )
                    async with anyio.create_task_group() as tg:
                        tg.start_soon(self._watch, upstream)
                        await _first(upstream.lost.wait(), self._stop.wait())
                        tg.cancel_scope.cancel()
                    if not self._stop.is_set():
                        scope.cancel()  # gone: no goodbye to send
                    else:
                        scope.deadline = anyio.current_time() + 2.0  # a short goodbye (DELETE)
            finally:
                if upstream is not None:
                    upstream.drop()
                self._set_upstream(None)

    async def _watch(self, upstream: Upstream) -> None:
        while True:
            await anyio.sleep(PING_INTERVAL_S)
            try:
                with anyio.fail_after(PING_TIMEOUT_S):
                    await upstream.session.send_ping()
            except Exception as exc:
                logger.info("the holder stopped answering: %r", exc)
                upstream.drop()
                return

    async def _hold(self, sock: Any) -> None:
        """This process won the port: hold it, and relay our own client to ourselves."""
        runtime = Runtime.create(self.config, "stdio")
        port = sock.getsockname()[1]
        runtime.enable_relay(port)
        logger.warning(
            "took over port %d: this movesia-mcp (pid %d) now holds the Unity listener; "
            "editors reconnect by themselves",
            port,
            os.getpid(),
        )
        async with runtime.holding(sock), anyio.create_task_group() as tg:
            tg.start_soon(self._relay_in_memory, runtime)
            await self._stop.wait()
            tg.cancel_scope.cancel()

    async def _relay_in_memory(self, runtime: Runtime) -> None:
        low = runtime.mcp._lowlevel_server
        async with (
            create_client_server_memory_streams() as (client_streams, server_streams),
            anyio.create_task_group() as tg,
        ):
            tg.start_soon(
                functools.partial(
                    low.run,
                    server_streams[0],
                    server_streams[1],
                    low.create_initialization_options(),
                )
            )
            async with self._client_session(*client_streams, "movesia-mcp-own-client") as session:
                upstream = await self._attach(session, f"this process, pid {os.getpid()}")
                try:
                    await self._stop.wait()
                finally:
                    upstream.drop()
                    self._set_upstream(None)
            tg.cancel_scope.cancel()

    def stop(self) -> None:
        self._stop.set()


async def _first(*waits: Awaitable[Any]) -> None:
    """Return when the first of ``waits`` does."""
    async with anyio.create_task_group() as tg:

        async def run(wait: Awaitable[Any]) -> None:
            await wait
            tg.cancel_scope.cancel()

        for wait in waits:
            tg.start_soon(run, wait)


def _without_meta(params: types.RequestParams | None) -> Any:
    """The downstream request's parameters as the upstream request takes them (its own
    ``_meta``: progress tokens belong to one connection)."""
    if params is None:
        return None
    data = params.model_dump(by_alias=True, exclude_none=True, exclude={"meta"})
    return type(params).model_validate(data)


def find_holder(config: Config, in_use_message: str) -> Holder | None:
    """At start-up: the holder to relay to; None when the port was just freed (bind it
    again); ``PortInUseError`` saying why not when it cannot be shared."""
    holder = locate_holder(config, in_use_message)
    if holder is not None:
        check_access(holder, config.token)
    return holder


async def run_relay(config: Config, holder: Holder) -> None:
    """Serve MCP on stdio by relaying to ``holder`` until stdin closes or a signal."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for noisy in ("httpx2", "mcp.client.streamable_http"):  # a line per request
            logging.getLogger(noisy).setLevel(logging.WARNING)
    relay = Relay(config)
    stop = anyio.Event()
    async with anyio.create_task_group() as signals:
        await signals.start(watch_signals, stop)
        async with anyio.create_task_group() as tg:
            tg.start_soon(serve_stdio, relay.server, stop)  # its lifespan runs relay.hub

            async def stop_relay() -> None:
                await stop.wait()
                logger.info("shutting down")
                relay.stop()

            tg.start_soon(stop_relay)
            await relay.supervise(holder)
            tg.cancel_scope.cancel()
        signals.cancel_scope.cancel()
