"""One process, one event loop: the Unity listener plus MCP over stdio or streamable HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.abc
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from .._config import Config
from .._exceptions import PortInUseError, RelaySecretError
from .._routes import create_app
from .._unity_manager import UnityManager
from .app import build_server
from .deadlines import deadline_protocol
from .holder import RELAY_PATH, holder_status, relay_route
from .hub import ClientHub
from .relay_secret import remove_secret, write_secret
from .stdio import stdio_streams
from .websocket_protocol import websocket_protocol

logger = logging.getLogger("movesia_mcp._server")

Transport = Literal["stdio", "http"]

GRACEFUL_SHUTDOWN_S = 1
STARTUP_BIND_ATTEMPTS = 20
RELAY_IDLE_TIMEOUT_S = 60.0


@dataclass
class Runtime:
    """Everything one server process holds."""

    config: Config
    manager: UnityManager
    hub: ClientHub
    mcp: MCPServer
    transport: Transport
    # Set once the relay secret is written (enable_relay): /relay is then served.
    relay_secret: str | None = None
    port: int = 0

    @classmethod
    def create(cls, config: Config, transport: Transport) -> Runtime:
        manager = UnityManager(
            config.unity,
            token=config.token,
            allowed_origins=config.allowed_origins,
        )  # reload-surviving commands: the catalog's (the manager's default)
        hub = ClientHub(max_logs_per_s=config.max_log_notifications_per_s)
        server = build_server(
            manager,
            hub,
            max_resource_bytes=config.max_resource_bytes,
            max_console_entry_bytes=config.max_console_entry_bytes,
        )
        return cls(config, manager, hub, server, transport)

    def enable_relay(self, port: int) -> None:
        """Write this holder's relay secret, so other movesia-mcp of this user can relay
        their MCP clients to it; without it (the directory is not private) they cannot."""
        self.port = port
        try:
            path, self.relay_secret = write_secret(port)
        except (RelaySecretError, OSError) as exc:
            logger.warning("other MCP clients cannot share this server: %s", exc)
            return
        logger.debug("relay secret in %s", path)

    def _security(self) -> TransportSecuritySettings:
        # A rebinding attack reaches us under a foreign host name, so loopback names
        # (any port: SERVER_PORT may be 0) and the configured host are all we accept.
        names = {"127.0.0.1", "localhost", "[::1]", _host_literal(self.config.server_host)}
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=sorted(f"{name}:*" for name in names),
            allowed_origins=[
                *sorted(f"http://{name}:*" for name in names),
                *self.config.allowed_origins,
            ],
        )

    def app(self) -> Starlette:
        extra_routes: list[Any] = []
        extra_lifespan = None
        http_app = None
        if self.transport == "http":
            http_app = self.mcp.streamable_http_app(
                streamable_http_path="/mcp", transport_security=self._security()
            )
        elif self.relay_secret is not None:  # only the session manager: /relay alone
            self.mcp.streamable_http_app(
                streamable_http_path=RELAY_PATH,
                transport_security=self._security(),
                # Relays ping every second: one silent this long was killed, not idle.
                session_idle_timeout=RELAY_IDLE_TIMEOUT_S,
            )
        if self.relay_secret is not None:
            extra_routes.append(relay_route(self.mcp.session_manager, self.relay_secret))
        if http_app is not None:
            extra_routes.append(Mount("/", app=http_app))
        if http_app is not None or self.relay_secret is not None:

            def extra_lifespan(_: Starlette) -> contextlib.AbstractAsyncContextManager[None]:
                return self.mcp.session_manager.run()

        return create_app(
            self.manager,
            extra_routes=extra_routes,
            extra_lifespan=extra_lifespan,
            status_extra=lambda: {
                "mcp_clients": self.hub.client_count,
                "transport": self.transport,
                **holder_status(self.hub, self.transport, self.relay_secret is not None),
            },
        )

    @contextlib.asynccontextmanager
    async def holding(self, sock: socket.socket) -> AsyncIterator[None]:
        """Serve the Unity listener (and /relay) on ``sock`` until the block exits.

        The notification loop is the MCP server's (its lifespan runs it): whatever serves
        the server here (stdio, streamable HTTP, the relay route) starts and stops it."""
        try:
            async with serving(
                self.app(),
                sock,
                self.manager,
                max_message_bytes=self.config.max_message_bytes,
                request_timeout=self.config.http_request_timeout,
            ):
                yield
        finally:
            if self.relay_secret is not None:
                remove_secret(self.port, self.relay_secret)


def bind_listener(host: str, port: int) -> socket.socket:
    """Bind the Unity port now, so a clash is reported before anything starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then, and
    # without it back-to-back small frames (ack then answer) stall on Nagle's algorithm.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    if sys.platform == "win32":
        # There SO_REUSEADDR lets a second socket take a port in use: two holders.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Two binds with SO_REUSEADDR can both succeed before either listens; then only
        # one listen() does, and the other sees EADDRINUSE here: exactly one wins.
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(
                f"port {port} on {host} is already in use. Another movesia-mcp (or another "
                f"Unity bridge) may be running: check with 'movesia-mcp status --port {port}', "
                "stop it, or start this one with --port N (SERVER_PORT=N) and point the Unity "
                "plug-in at the new port.",
                in_use=True,
            ) from None
        raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.setblocking(False)
    return sock


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runtime owns shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    app: ASGIApp,
    sock: socket.socket,
    manager: UnityManager | None,
    *,
    max_message_bytes: int,
    request_timeout: float = 10.0,
    ws: type[asyncio.Protocol] | str | None = None,
) -> AsyncIterator[uvicorn.Server]:
    """Run uvicorn on ``sock`` until the block exits.

    An HTTP request (the Unity upgrade included) that has not arrived whole within
    ``request_timeout`` seconds is closed (see deadlines.py). ``ws``: uvicorn's
    WebSocket protocol, ``websocket_protocol()`` unless given (a benchmark's reference).

    On exit the manager (if any) shuts down first, so editors see 1001 and waiting
    callers get ``ServerShuttingDownError``, before uvicorn closes what is left. Tests and
    benchmarks reach this through ``inprocess.serve_in_process``.
    """
    config = uvicorn.Config(
        app,
        http=deadline_protocol(request_timeout),
        # uvicorn's own WebSocket protocol, pausing reads only when the app falls behind.
        ws=websocket_protocol() if ws is None else ws,
        log_level="warning",
        lifespan="on",
        ws_max_size=max_message_bytes,
        ws_ping_interval=None,
        access_log=False,
        # An editor that stops reading never completes its close: do not wait for it.
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = _QuietServer(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        while not server.started:
            if server.should_exit:
                raise RuntimeError("uvicorn failed to start")
            await anyio.sleep(0.01)
        try:
            yield server
        finally:
            if manager is not None:
                await manager.shutdown()
            server.should_exit = True


async def run(
    config: Config,
    transport: Transport = "stdio",
    *,
    simulate_unity: bool = False,
    simulated_objects: int | None = None,
) -> None:
    """Serve until stdin closes (stdio), or SIGINT/SIGTERM.

    When another movesia-mcp of this user holds the port, a stdio server relays its MCP
    client to it instead (relay.py), and takes the port over when that one exits."""
    sock: socket.socket | None = None
    for _ in range(STARTUP_BIND_ATTEMPTS):
        try:
            sock = bind_listener(config.server_host, config.server_port)
            break
        except PortInUseError as exc:
            if not exc.in_use or transport != "stdio":
                raise
            from .relay import find_holder, run_relay

            holder = await anyio.to_thread.run_sync(find_holder, config, str(exc))
            if holder is None:  # it was just leaving: bind again
                await anyio.sleep(0.1)
                continue
            if simulate_unity:
                logger.warning(
                    "--simulate-unity ignored: the holder (pid %s) has the editors", holder.pid
                )
            await run_relay(config, holder)
            return
    if sock is None:
        sock = bind_listener(config.server_host, config.server_port)
    runtime = Runtime.create(config, transport)
    port = sock.getsockname()[1]
    runtime.enable_relay(port)
    logger.info(
        "Unity listener on ws://%s:%d/ws/unity%s",
        config.server_host,
        port,
        f"; MCP at http://{config.server_host}:{port}/mcp" if transport == "http" else "",
    )
    stop = anyio.Event()
    async with anyio.create_task_group() as signals:
        # Before anything serves: a signal that arrives once an editor can connect must
        # find our handler, not the default one (which kills without closing editors).
        await signals.start(watch_signals, stop)
        async with runtime.holding(sock), anyio.create_task_group() as tg:
            if simulate_unity:
                tg.start_soon(_simulated_editor, config, port, simulated_objects, stop)
                # Serve MCP only once the editor is there, so the first tool call finds it.
                if not await runtime.manager.wait_for_connection(10.0):
                    logger.error("the simulated editor did not connect within 10 s")
            if transport == "stdio":
                tg.start_soon(_stdio, runtime, stop)
            await stop.wait()
            logger.info("shutting down")
            tg.cancel_scope.cancel()
        signals.cancel_scope.cancel()


async def _stdio(runtime: Runtime, stop: anyio.Event) -> None:
    await serve_stdio(runtime.mcp, stop)


async def serve_stdio(server: MCPServer, stop: anyio.Event) -> None:
    """Serve ``server`` on this process's stdin/stdout; ``stop`` is set when it ends."""
    try:
        if sys.platform == "win32":  # no loop-driven pipes there; the SDK's own transport
            await server.run_stdio_async()
        else:
            # Not run_stdio_async(): its stdin thread cannot be cancelled, so a signal
            # could not stop the server while stdin stayed open (see stdio.py).
            low = server._lowlevel_server
            async with (
                stdio_streams() as (stdin, stdout),
                stdio_server(stdin=stdin, stdout=stdout) as (read_stream, write_stream),
            ):
                await low.run(read_stream, write_stream, low.create_initialization_options())
        logger.info("MCP client closed stdin")
    except OSError as exc:  # stdin or stdout not open at all: nothing to serve MCP on
        logger.error("cannot serve MCP on stdio: %s", exc)
    finally:
        stop.set()


async def watch_signals(
    stop: anyio.Event, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        async for signum in signals:
            logger.info("received %s", signal.Signals(signum).name)
            stop.set()
            return


async def _simulated_editor(
    config: Config, port: int, objects: int | None, stop: anyio.Event
) -> None:
    from .._simulator.editor import run_simulated_editor

    host = "127.0.0.1" if config.server_host in ("0.0.0.0", "::") else config.server_host
    await run_simulated_editor(
        f"ws://{_host_literal(host)}:{port}/ws/unity",
        token=config.token,
        objects=objects,
        stop=stop,
    )


def _host_literal(host: str) -> str:
    """``host`` as it appears in a URL or a Host header (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
