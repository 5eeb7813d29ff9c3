"""``UnityManager``: the public face of the connection layer.

A facade over four parts, each in its own module, sharing one clock:

- ``links.EditorLinks``: the socket life of each editor link (``handle_connection``);
- ``directory.ProjectDirectory``: the projects and what a command targets (pure);
- ``dispatch.CommandDispatch``: sending commands and the one deadline sweep;
- ``event_feed.EventFeed``: recent events and the subscribers' delivery queue.

Several editors (projects) may be connected at once; a command targets one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import anyio
from starlette.types import Receive, Send
from starlette.websockets import WebSocket

from ._bounds import ByteBoundedDeque
from ._commands import CommandTable, PendingCommand
from ._config import UnityManagerConfig
from ._connection import UnityConnection
from ._directory import Admission, ProjectDirectory
from ._dispatch import CommandDispatch
from ._envelope import PROTOCOL_VERSION, CloseCode, MovesiaMessage
from ._event_feed import EventFeed
from ._handshake import Identity
from ._heartbeat import HeartbeatManager
from ._links import EditorLinks
from ._router import MessageRouter
from ._sessions import SessionTable
from ._unity_session import (
    DomainEventHandler,
    ProgressCallback,
    StateChange,
    StateListener,
    UnitySession,
)
from ._version import __version__
from .catalog import RELOAD_SURVIVING, UNITY_TOOLS

__all__ = ["DEFAULT_IDEMPOTENT", "UnityManager"]

# Commands that leave the project as they found it when run twice (catalog
# ``idempotent``): the only ones resent to an editor without a ``dedup`` ledger.
DEFAULT_IDEMPOTENT: frozenset[str] = frozenset(s.command for s in UNITY_TOOLS if s.idempotent)


class UnityManager:
    def __init__(
        self,
        config: UnityManagerConfig | None = None,
        on_domain_event: DomainEventHandler | None = None,
        interrupt_manager: Any = None,
        *,
        token: str | None = None,
        allowed_origins: Iterable[str] = (),
        reload_surviving: Iterable[str] = RELOAD_SURVIVING,
        idempotent: Iterable[str] = DEFAULT_IDEMPOTENT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``reload_surviving`` (default: the catalog's ``survives_reload`` commands)
        stay pending across a domain reload; ``clock`` is the one clock of every timing
        rule (deadlines, grace, stale compiles, heartbeat)."""
        self.config = config = config or UnityManagerConfig()
        self.clock = clock
        self.table: SessionTable[UnityConnection] = SessionTable()
        self.commands: CommandTable[UnityConnection] = CommandTable()
        self.heartbeat: HeartbeatManager[UnityConnection] = HeartbeatManager(
            config.heartbeat, clock
        )
        self.directory = ProjectDirectory(config)
        self.feed = EventFeed(config, on_domain_event, interrupt_manager)
        self.dispatch = CommandDispatch(
            config,
            self.commands,
            self.directory,
            clock,
            reload_surviving=reload_surviving,
            idempotent=idempotent,
            connections=lambda: self.connections,
        )
        self.links = EditorLinks(
            config,
            table=self.table,
            commands=self.commands,
            heartbeat=self.heartbeat,
            directory=self.directory,
            dispatch=self.dispatch,
            feed=self.feed,
            clock=clock,
            token=token,
            allowed_origins=frozenset(allowed_origins),
        )
        self.started_at = time.time()

    # ── the parts' state, under the names the design gives them ────────────────────

    @property
    def sessions(self) -> dict[str, UnitySession]:
        return self.directory.sessions

    @sessions.setter
    def sessions(self, sessions: dict[str, UnitySession]) -> None:
        self.directory.sessions = sessions

    @property
    def default_project(self) -> str | None:
        return self.directory.default_project

    @default_project.setter
    def default_project(self, session_id: str | None) -> None:
        self.directory.default_project = session_id

    @property
    def router(self) -> MessageRouter[UnityConnection]:
        return self.links.router

    @property
    def token(self) -> str | None:
        return self.links.token

    @property
    def allowed_origins(self) -> frozenset[str]:
        return self.links.allowed_origins

    @property
    def reload_surviving(self) -> frozenset[str]:
        return self.dispatch.reload_surviving

    @property
    def idempotent(self) -> frozenset[str]:
        return self.dispatch.idempotent

    @property
    def interrupt_manager(self) -> Any:
        return self.feed.interrupt_manager

    @interrupt_manager.setter
    def interrupt_manager(self, interrupt_manager: Any) -> None:
        self.feed.interrupt_manager = interrupt_manager

    @property
    def recent_events(self) -> ByteBoundedDeque[MovesiaMessage]:
        return self.feed.recent_events

    @property
    def dropped_deliveries(self) -> int:
        return self.feed.dropped

    @property
    def _deliveries(self) -> asyncio.Queue[StateChange] | None:
        return self.feed.queue

    # ── public state ────────────────────────────────────────────────────────────────

    @property
    def is_connected(self) -> bool:
        return any(s.connection is not None for s in self.sessions.values())

    @property
    def is_compiling(self) -> bool:
        return self.directory.is_compiling(self.clock())

    @property
    def connections(self) -> list[UnityConnection]:
        return self.links.connections

    def projects(self) -> list[dict[str, Any]]:
        return self.directory.projects(self.clock())

    def status(self) -> dict[str, Any]:
        return {
            "server": "movesia-mcp",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
            "connected": self.is_connected,
            "compiling": self.is_compiling,
            "default_project": self.default_project,
            "projects": self.projects(),
            "pending_commands": len(self.commands),
            "uptime_s": round(time.time() - self.started_at, 1),
        }

    def add_event_listener(self, handler: DomainEventHandler) -> None:
        self.feed.event_handlers.append(handler)

    def add_state_listener(self, listener: StateListener) -> None:
        self.feed.state_listeners.append(listener)

    async def wait_for_connection(self, timeout: float) -> bool:
        """Wait until at least one editor is connected. False when ``timeout`` ran out."""
        deadline = self.clock() + timeout
        while not self.is_connected:
            if self.clock() >= deadline:
                return False
            await self.dispatch.wait_until(deadline, self.links.attached.next())
        return True

    def find_session(self, project: str | None = None) -> UnitySession:
        """The session a command goes to: ``project`` if named, else the only candidate."""
        return self.directory.find(project, self.clock())

    def select_project(self, project: str | None) -> UnitySession | None:
        """Make ``project`` the default target of commands (None clears the choice)."""
        return self.directory.select(project, self.clock())

    # ── lifecycle ───────────────────────────────────────────────────────────────────

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[UnityManager]:
        """Run the heartbeat sweeper, the deadline sweep and the subscriber queue; on
        exit close every editor and fail every command."""
        async with anyio.create_task_group() as tg:
            self.dispatch.closing = False
            self.dispatch.tasks = tg
            tg.start_soon(self._sweep_forever)
            tg.start_soon(self.dispatch.sweep_deadlines)
            tg.start_soon(self.feed.run, self.feed.open())
            try:
                yield self
            finally:
                await self.shutdown()
                tg.cancel_scope.cancel()
                self.dispatch.tasks = None

    async def shutdown(self) -> None:
        self.dispatch.fail_all()
        for session in self.sessions.values():
            session.changed.notify()
        # In parallel: an editor that does not read holds its close for up to a second.
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as tg:
                for connection in self.connections:
                    tg.start_soon(connection.close, CloseCode.GOING_AWAY, "server shutting down")

    async def _sweep_forever(self) -> None:
        interval = self.config.heartbeat.sweep_interval_ms / 1000
        while True:
            await anyio.sleep(interval)
            await self.sweep_heartbeats()

    async def sweep_heartbeats(self) -> None:
        self.forget_offline_sessions()
        await self.links.sweep_heartbeats()

    def forget_offline_sessions(self) -> list[str]:
        """Drop sessions that are offline with nothing pending, so the table stays bounded
        however many projects (or random session ids) have come and gone."""
        busy = {c.session_id for c in self.commands.pending()}
        gone = self.directory.offline(self.clock(), busy)
        for sid in gone:
            self.heartbeat.forget_session(sid)
            self.commands.forget_session(sid)
        return gone

    # ── connections ─────────────────────────────────────────────────────────────────

    async def handle_connection(
        self, websocket: WebSocket, *, direct: tuple[Receive, Send] | None = None
    ) -> None:
        """The whole life of one Unity WebSocket, from upgrade to close.

        ``direct``: the server's own ASGI ``receive`` and ``send`` under ``websocket``,
        when no middleware wraps them (``create_app``'s ``UnitySockets`` passes them), for
        the frames after the handshake."""
        await self.links.serve(websocket, direct)

    async def _serve_socket(self, websocket: WebSocket) -> None:
        await self.links.serve_socket(websocket)

    def _admit(self, identity: Identity) -> Admission:
        return self.links.admit(identity)

    # ── commands ────────────────────────────────────────────────────────────────────

    async def send_and_wait(
        self,
        command_type: str,
        timeout: float | None = None,
        *,
        project: str | None = None,
        on_progress: ProgressCallback | None = None,
        survives_reload: bool | None = None,
        **params: Any,
    ) -> dict[str, Any]:
        """Send ``command_type`` with ``params`` to Unity and return the response body.

        Raises a ``UnityError`` subclass: ``NotConnectedError`` (or
        ``AmbiguousProjectError``), ``ConnectionLostError``, ``CommandTimeoutError``,
        ``UnityCommandError`` or ``ServerShuttingDownError``.
        """
        return await self.dispatch.execute(
            command_type,
            params,
            timeout=timeout,
            project=project,
            on_progress=on_progress,
            survives_reload=survives_reload,
        )

    async def execute(
        self,
        command_type: str,
        params: dict[str, Any],
        *,
        timeout: float | None = None,
        project: str | None = None,
        on_progress: ProgressCallback | None = None,
        survives_reload: bool | None = None,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """``send_and_wait`` with the parameters as a dict (no name clashes).

        ``idempotent`` (default: the catalog's word for ``command_type``) allows a resend
        to an editor without a ``dedup`` ledger (PROTOCOL.md §6.1)."""
        return await self.dispatch.execute(
            command_type,
            params,
            timeout=timeout,
            project=project,
            on_progress=on_progress,
            survives_reload=survives_reload,
            idempotent=idempotent,
        )

    async def wait_until_ready(
        self,
        session: UnitySession,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        command_type: str = "wait_for_compile",
    ) -> UnityConnection:
        """The session's connection, once it is connected and not compiling.

        Waits up to ``timeout`` (default ``INTERRUPT_TIMEOUT``) through a compile or a
        reload, reporting progress every ``progress_interval``.
        """
        return await self.dispatch.wait_until_ready(
            session, timeout=timeout, on_progress=on_progress, command_type=command_type
        )

    def _time_out(self, command: PendingCommand[UnityConnection], started: float) -> None:
        self.dispatch.time_out(command, started)
