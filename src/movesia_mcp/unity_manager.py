"""``UnityManager``: the public face of the connection layer.

It owns the session table, the heartbeat, the router and the pending commands, accepts
WebSocket connections (``handle_connection``) and sends commands (``send_and_wait``).
Several editors (projects) may be connected at once; a command targets one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Coroutine, Iterable
from dataclasses import dataclass, replace
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._version import __version__
from .bounds import ByteBoundedDeque, clip_compile_result, clip_sized, json_size
from .catalog import UNITY_TOOLS
from .commands import CommandState, CommandTable, PendingCommand
from .config import UnityManagerConfig
from .connection import UnityConnection
from .envelope import (
    PROTOCOL_VERSION,
    CloseCode,
    MovesiaMessage,
    close_reason,
    decode_frame,
    error_message,
    new_id,
)
from .exceptions import (
    AmbiguousProjectError,
    CommandTimeoutError,
    ConnectionLostError,
    EnvelopeError,
    NotConnectedError,
    ServerShuttingDownError,
    UnityError,
)
from .handshake import (
    CANCEL,
    COMMAND_ACK,
    DEDUP,
    HandshakeError,
    Identity,
    identify,
    is_handshake_message,
    new_session_secret,
    normalise_project_path,
    query_conn_seq,
)
from .heartbeat import HeartbeatManager, Verdict
from .router import Event, MessageRouter, Rejected, Reply
from .security import origin_ok, secret_matches, token_ok
from .sessions import SessionTable
from .unity_session import (
    CommandProgress,
    DomainEventHandler,
    ProgressCallback,
    StateChange,
    StateKind,
    StateListener,
    StateSignal,
    UnitySession,
    describe,
    merge_identity,
)

logger = logging.getLogger("movesia_mcp.unity")

# How long a takeover waits for the superseded socket's read loop to route the frames it
# already holds (an editor that reloads has closed it already; this bounds a live one).
SUPERSEDE_DRAIN_S = 0.25

# Commands that make Unity recompile or reload: Unity answers them after the reload, on
# the session's next connection, with the original request id.
DEFAULT_RELOAD_SURVIVING: frozenset[str] = frozenset(
    {
        "refresh_assets",
        "import_asset",
        "delete_asset",
        "create_script",
        "write_script",
        "update_script",
        "delete_script",
        "request_compile",
    }
)
# Commands that leave the project as they found it when run twice (catalog
# ``idempotent``): the only ones resent to an editor without a ``dedup`` ledger.
DEFAULT_IDEMPOTENT: frozenset[str] = frozenset(s.command for s in UNITY_TOOLS if s.idempotent)


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a handshake may take its session (PROTOCOL.md §3.7, §3.8); decided with
    no await, right before the takeover table, so that nothing changes in between."""

    refused: tuple[int, str] | None = None
    fresh: bool = False  # start a new session record (new id, or another project)
    secret_ok: bool = False  # presented the session's secret


class UnityManager:
    def __init__(
        self,
        config: UnityManagerConfig | None = None,
        on_domain_event: DomainEventHandler | None = None,
        interrupt_manager: Any = None,
        *,
        token: str | None = None,
        allowed_origins: Iterable[str] = (),
        reload_surviving: Iterable[str] = DEFAULT_RELOAD_SURVIVING,
        idempotent: Iterable[str] = DEFAULT_IDEMPOTENT,
    ) -> None:
        self.config = config or UnityManagerConfig()
        self.token = token
        self.allowed_origins = frozenset(allowed_origins)
        self.interrupt_manager = interrupt_manager
        self.reload_surviving = frozenset(reload_surviving)
        self.idempotent = frozenset(idempotent)
        self._background: set[asyncio.Task[None]] = set()
        self.sessions: dict[str, UnitySession] = {}
        self.table: SessionTable[UnityConnection] = SessionTable()
        self.commands: CommandTable[UnityConnection] = CommandTable()
        self.heartbeat: HeartbeatManager[UnityConnection] = HeartbeatManager(self.config.heartbeat)
        self.router: MessageRouter[UnityConnection] = MessageRouter(self.commands)
        self.recent_events: ByteBoundedDeque[MovesiaMessage] = ByteBoundedDeque(
            self.config.recent_events, self.config.max_recent_events_bytes, _event_size
        )
        self.default_project: str | None = None
        self._event_handlers: list[DomainEventHandler] = (
            [on_domain_event] if on_domain_event else []
        )
        self._state_listeners: list[StateListener] = []
        self._attached = StateSignal()
        self._deliveries: asyncio.Queue[StateChange] | None = None
        self.dropped_deliveries = 0
        self._delivery_bytes = 0
        self._delivery_costs: deque[int] = deque()  # in the queue's order
        self._open_sockets = 0
        self._closing = False
        # The deadline sweep: running while ``running()`` is; woken when a deadline earlier
        # than the one it sleeps for is added.
        self._sweeping = False
        self._sweep_wake_at = math.inf
        self._deadline_added = asyncio.Event()
        self.started_at = time.time()

    # ── public state ────────────────────────────────────────────────────────────────

    @property
    def is_connected(self) -> bool:
        return any(s.connection is not None for s in self.sessions.values())

    @property
    def is_compiling(self) -> bool:
        now = self._now()
        live = [s for s in self.sessions.values() if s.status(now) != "offline"]
        for session in live:
            self._expire_stale_compile(session, now)
        return any(s.compiling for s in live)

    @property
    def connections(self) -> list[UnityConnection]:
        return [c for _, c in self.table.items()]

    def projects(self) -> list[dict[str, Any]]:
        now = self._now()
        return [s.to_dict(now) for s in self.sessions.values() if s.status(now) != "offline"]

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
        self._event_handlers.append(handler)

    def add_state_listener(self, listener: StateListener) -> None:
        self._state_listeners.append(listener)

    async def wait_for_connection(self, timeout: float) -> bool:
        """Wait until at least one editor is connected. False when ``timeout`` ran out."""
        deadline = self._now() + timeout
        while not self.is_connected:
            remaining = deadline - self._now()
            if remaining <= 0:
                return False
            await self._attached.wait(remaining)
        return True

    def select_project(self, project: str | None) -> UnitySession | None:
        """Make ``project`` the default target of commands (None clears the choice)."""
        if project is None:
            self.default_project = None
            return None
        session = self.find_session(project)
        self.default_project = session.session_id
        return session

    # ── lifecycle ───────────────────────────────────────────────────────────────────

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[UnityManager]:
        """Run the heartbeat sweeper and the subscriber queue; on exit close every editor
        and fail every command."""
        async with anyio.create_task_group() as tg:
            self._closing = False
            self._deliveries = asyncio.Queue(self.config.max_pending_deliveries)
            self._delivery_bytes = 0
            self._delivery_costs.clear()
            tg.start_soon(self._sweep_forever)
            tg.start_soon(self._sweep_deadlines)
            tg.start_soon(self._deliver_forever, self._deliveries)
            try:
                yield self
            finally:
                await self.shutdown()
                tg.cancel_scope.cancel()
        self._deliveries = None

    async def shutdown(self) -> None:
        self._closing = True
        for command in self.commands.pending():
            self.commands.fail(
                command,
                ServerShuttingDownError(
                    f"server is shutting down; {command.command_type!r} was not answered"
                ),
            )
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
        verdicts = self.heartbeat.sweep()
        if not verdicts:
            return
        async with anyio.create_task_group() as tg:
            for connection, verdict in verdicts:
                if verdict is Verdict.EXPIRE:
                    logger.info("%s: idle past max_idle; closing with 4004", connection.label)
                    tg.start_soon(
                        connection.close, CloseCode.SESSION_EXPIRED, "session_expired: idle_timeout"
                    )
                else:
                    tg.start_soon(self._ping, connection)

    def forget_offline_sessions(self) -> list[str]:
        """Drop sessions that are offline with nothing pending, so the table stays bounded
        however many projects (or random session ids) have come and gone."""
        now = self._now()
        busy = {c.session_id for c in self.commands.pending()}
        gone = [
            sid
            for sid, session in self.sessions.items()
            if session.status(now) == "offline" and sid not in busy
        ]
        for sid in gone:
            del self.sessions[sid]
            self.heartbeat.forget_session(sid)
            self.commands.forget_session(sid)
        return gone

    async def _sweep_deadlines(self) -> None:
        """The one timer of every command: time out what is due, then sleep until the
        earliest deadline (or until an earlier one is added). Also the send watchdog:
        a connection whose oldest send has waited ``send_timeout`` is closed with 1008
        (the backlog bound catches an editor that stops reading under heavy traffic;
        this one catches it under light traffic)."""
        watch_every = max(0.01, self.config.send_timeout / 4)
        self._sweeping = True
        try:
            await self._sweep_deadlines_until_cancelled(watch_every)
        finally:
            self._sweeping = False
            self._sweep_wake_at = math.inf

    async def _sweep_deadlines_until_cancelled(self, watch_every: float) -> None:
        async with anyio.create_task_group() as closers:
            while True:
                now = self._now()
                for command in self.commands.due(now):
                    self._time_out(command, command.started)
                for connection in self.connections:
                    stuck = connection.stuck_for(now)
                    if stuck >= connection.send_timeout and not connection.closed:
                        logger.warning(
                            "%s: Unity is not reading (a send waited %.1fs); closing",
                            connection.label,
                            stuck,
                        )
                        closers.start_soon(
                            connection.close,
                            CloseCode.POLICY_VIOLATION,
                            f"slow_consumer: a send waited {connection.send_timeout:g}s",
                        )
                wake_at = min(self.commands.next_deadline() or math.inf, now + watch_every)
                self._sweep_wake_at = wake_at
                self._deadline_added.clear()
                with anyio.move_on_after(max(0.0, wake_at - now)):
                    await self._deadline_added.wait()

    async def _ping(self, connection: UnityConnection) -> None:
        with contextlib.suppress(Exception):
            await connection.send(MovesiaMessage.create("hb", {}, session=connection.session_id))

    # ── connections ─────────────────────────────────────────────────────────────────

    async def handle_connection(self, websocket: WebSocket) -> None:
        """The whole life of one Unity WebSocket, from upgrade to close."""
        if not origin_ok(websocket, self.allowed_origins):
            logger.warning("refused WebSocket from browser origin %r", websocket.headers["origin"])
            await websocket.close(code=CloseCode.AUTHENTICATION_FAILED)  # before accept → 403
            return
        await websocket.accept()
        if self._closing:
            await websocket.close(CloseCode.GOING_AWAY, "server shutting down")
            return
        if self._open_sockets >= self.config.max_connections:
            logger.warning("refused Unity connection: %d already open", self._open_sockets)
            await websocket.close(
                CloseCode.TRY_AGAIN_LATER,
                f"try_again_later: {self.config.max_connections} connections already open",
            )
            return
        self._open_sockets += 1
        try:
            await self._serve_socket(websocket)
        finally:
            self._open_sockets -= 1

    async def _serve_socket(self, websocket: WebSocket) -> None:
        if not token_ok(websocket, self.token):
            logger.warning("refused Unity connection: bad or missing token")
            await websocket.close(CloseCode.AUTHENTICATION_FAILED, "authentication_failed")
            return
        try:
            identity, first = await self._handshake(websocket)
        except HandshakeError as exc:
            logger.warning("handshake failed: %s", exc)
            await websocket.close(
                CloseCode.HANDSHAKE_FAILED, close_reason(f"handshake_failed: {exc}")
            )
            return
        except WebSocketDisconnect:
            return

        connection = UnityConnection(
            websocket,
            identity,
            send_timeout=self.config.send_timeout,
            max_backlog_bytes=self.config.max_send_backlog_bytes,
        )
        # No await from here to the takeover table: admission and takeover are one step.
        admission = self._admit(identity)
        if admission.refused is not None:
            code, reason = admission.refused
            logger.warning("%s: refused, %s", connection.label, reason)
            await connection.close(code, reason)
            return
        decision = self.table.accept(identity.session_id, identity.conn_seq, connection)
        if not decision.accepted:
            logger.warning("%s: rejected, %s", connection.label, decision.reason)
            await connection.close(
                CloseCode.DUPLICATE_SESSION, decision.reason or "duplicate_session"
            )
            return
        if decision.supersede is not None:
            old = decision.supersede
            logger.info("%s: takes over; %s", connection.label, decision.reason)
            # An editor that reloads closes its old socket before it connects again, but
            # that socket's last frames (an answer, an ack, compile_finished) may still wait
            # to be read: while commands wait on it, let its read loop route them before
            # they are settled (PROTOCOL.md 1.1 §6.1). A live old editor is superseded
            # after the bound.
            if any(c.connection is old for c in self.commands.for_session(old.session_id)):
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(SUPERSEDE_DRAIN_S):
                        await old.finished.wait()
            await self._drop(old, "superseded")
            await old.close(CloseCode.SUPERSEDED, decision.reason or "superseded")
        try:
            await self._attach(connection, first, admission)
            await self._read_loop(connection)
        except WebSocketDisconnect as exc:
            connection.close_code = connection.close_code or exc.code
        except ConnectionLostError:
            pass  # a send found the socket gone: an ordinary disconnect
        except Exception:
            logger.exception("%s: connection handler failed", connection.label)
            await connection.close(CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            connection.closed = True
            await self._drop(connection, f"closed with {connection.close_code}")
            connection.finished.set()

    async def _handshake(self, websocket: WebSocket) -> tuple[Identity, str | bytes | None]:
        """Identity from the query string, or from the first frame within the timeout.

        Returns the first frame too when it is an envelope that still has to be routed.
        """
        query = dict(websocket.query_params)
        if query.get("session") and query_conn_seq(query) is not None:
            identity = identify(query, None)
            if identity.project_path is not None or not self._bound_and_claimed(identity):
                return identity, None
            # The session is taken and bound to a project, and the query names none:
            # learn the project from the first frame (the hello) before any takeover
            # (§3.8), so that another project never takes the session even for a moment.
            raw = await self._first_frame(websocket)
            try:
                data = decode_frame(raw)
            except EnvelopeError:
                return identity, raw  # routed (and refused) like any later frame
            if not is_handshake_message(data):
                return identity, raw
            return identify(query, data), (raw if "type" in data else None)
        raw = await self._first_frame(websocket)
        try:
            data = decode_frame(raw)
        except EnvelopeError as exc:
            raise HandshakeError(f"first message is not JSON: {exc.message}") from None
        if not is_handshake_message(data):
            raise HandshakeError("first message must be a handshake object or a hello envelope")
        identity = identify(query, data)
        return identity, (raw if "type" in data else None)

    def _admit(self, identity: Identity) -> Admission:
        """May ``identity`` take its session? (§3.7 secret, §3.8 one project)

        A session that is live or has commands pending is claimed: it takes the same
        project and, once the session is known to keep its secret, the secret. A session
        with neither may be taken by anyone, and for another project it starts afresh.
        """
        sid = identity.session_id
        session = self.sessions.get(sid)
        if session is None:
            return Admission(fresh=True)
        secret_ok = secret_matches(identity.session_secret, session.secret)
        wanted = normalise_project_path(identity.project_path)
        other_project = (
            wanted is not None and session.bound_path is not None and wanted != session.bound_path
        )
        claimed = self.table.live(sid) is not None or self.commands.has_pending(sid)
        if not claimed:  # anyone may take it; another project starts a new record
            return Admission(fresh=other_project, secret_ok=secret_ok and not other_project)
        if other_project:
            return Admission(
                refused=(
                    CloseCode.PROJECT_MISMATCH,
                    f"project_mismatch: session {sid[:40]} belongs to another project",
                )
            )
        if session.requires_secret and not secret_ok:
            return Admission(
                refused=(
                    CloseCode.AUTHENTICATION_FAILED,
                    "authentication_failed: session_secret missing or wrong for a live "
                    "or pending session",
                )
            )
        return Admission(secret_ok=secret_ok)

    async def _first_frame(self, websocket: WebSocket) -> str | bytes:
        try:
            async with asyncio.timeout(self.config.handshake_timeout):
                return await _receive_frame(websocket)
        except TimeoutError:
            raise HandshakeError(
                f"no handshake within {self.config.handshake_timeout:g}s"
            ) from None

    def _bound_and_claimed(self, identity: Identity) -> bool:
        sid = identity.session_id
        session = self.sessions.get(sid)
        if session is None or session.bound_path is None:
            return False
        return self.table.live(sid) is not None or self.commands.has_pending(sid)

    async def _attach(
        self,
        connection: UnityConnection,
        first: str | bytes | None,
        admission: Admission | None = None,
    ) -> None:
        # Everything up to the first await is atomic: a newer connection that took over
        # while this one was being accepted wins, and this one stops here.
        if not self.table.is_live(connection.session_id, connection):
            return
        admission = admission or Admission(fresh=connection.session_id not in self.sessions)
        sid = connection.session_id
        own = connection.identity  # what this connection declared and presented
        session = self.sessions.get(sid)
        if session is None or admission.fresh:
            if session is not None:  # another project takes a session id nobody holds
                logger.info("%s: session id reused for another project", connection.label)
                self.commands.forget_session(sid)
                self.heartbeat.forget_session(sid)
            session = UnitySession(own)
            self.sessions[sid] = session
        else:
            session.reconnects += 1
            merged = merge_identity(session.identity, own, connection.conn_seq)
            session.identity = merged
            connection.identity = replace(
                merged, capabilities=own.capabilities, session_secret=own.session_secret
            )
        if session.bound_path is None:
            session.bound_path = normalise_project_path(session.identity.project_path)
        issued: str | None = None
        if not admission.secret_ok and not connection.legacy:
            # The session's first 1.1 welcome, or a claim without the secret.
            issued = session.secret = new_session_secret()
        # A 1.1 editor keeps the secret, and from now on a takeover must present it; a
        # version 1 editor knows none, so its session is served as in version 1.
        session.requires_secret = not connection.legacy or admission.secret_ok
        if not session.requires_secret:
            session.secret = None
        if COMMAND_ACK in connection.capabilities:
            self.commands.declare_acking(sid)
        session.connection = connection
        session.connected_at = time.time()
        self.heartbeat.track(connection, sid)
        # Detached commands belong to this socket from now on; claimed before any await so
        # that a connection which takes over meanwhile finds them and not a stale owner.
        resend = self._adopt(connection)
        cancels = list(session.cancel_on_reconnect)
        session.cancel_on_reconnect.clear()
        logger.info("%s: connected (unity %s)", connection.label, connection.identity.unity_version)
        body: dict[str, Any] = {
            "session": sid,
            "conn_seq": connection.conn_seq,
            "server": "movesia-mcp",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
        }
        if not connection.legacy:  # an editor that declares nothing is served as in 1.0
            body["capabilities"] = sorted(connection.capabilities)
            if issued is not None:
                body["session_secret"] = issued
        # A welcome that fails on a closing socket does not stop what follows: the
        # handshake frame and anything after it are still handled (§6.1).
        await reply(connection, MovesiaMessage.create("welcome", body, session=sid))
        if first is not None:
            await self._handle_frame(connection, first)
        if CANCEL in connection.capabilities:
            for request_id in cancels:
                await reply(connection, _cancel_envelope(request_id, sid))
        await self._resend(connection, resend)
        session.changed.notify()
        self._attached.notify()
        await self._notify_state(StateChange("connected", sid))

    def _adopt(self, connection: UnityConnection) -> list[PendingCommand[UnityConnection]]:
        """Give the session's detached commands to ``connection``; returns the ones to
        send again on it (``commands.should_resend`` decides, PROTOCOL.md §6.1)."""
        return self.commands.adopt(
            connection,
            connection.session_id,
            dedup=DEDUP in connection.capabilities,
            legacy=connection.legacy,
        )

    async def _resend(
        self, connection: UnityConnection, commands: list[PendingCommand[UnityConnection]]
    ) -> None:
        for command in commands:
            if command.connection is not connection or command.future.done():
                continue  # answered, or moved on to a newer connection meanwhile
            logger.info(
                "%s: resending %s %s (%s)",
                connection.label,
                command.command_type,
                command.id,
                "never sent" if not command.written else "unanswered",
            )
            command.written = True
            try:
                await connection.send(command.envelope(connection.session_id))
            except UnityError as exc:  # stays pending; this socket's own end settles it
                logger.warning("%s: resend of %s failed: %s", connection.label, command.id, exc)
                return

    async def _read_loop(self, connection: UnityConnection) -> None:
        """Route frames until the socket closes, or until the connection is abandoned.

        An editor that stops reading cannot take the close frame either, so no
        disconnect ever arrives for it (``UnityConnection.abandoned``). Stop reading
        then, so that ``_drop`` fails its commands at once instead of at their timeout
        and the session is free for the editor's next connection.
        """
        reader = asyncio.ensure_future(self._read_frames(connection))
        abandoned = asyncio.ensure_future(connection.abandoned.wait())
        try:
            await asyncio.wait((reader, abandoned), return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            abandoned.cancel()
            await asyncio.gather(reader, abandoned, return_exceptions=True)
        if connection.abandoned.is_set():
            logger.info("%s: abandoned (%s)", connection.label, connection.close_reason)
            return
        reader.result()  # how the socket ended: WebSocketDisconnect, or a failure

    async def _read_frames(self, connection: UnityConnection) -> None:
        websocket = connection.websocket
        while True:
            raw = await _receive_frame(websocket)
            await self._handle_frame(connection, raw)
            if connection.frames_in % 64 == 0:
                await asyncio.sleep(0)  # one flooding editor must not starve the others

    async def _handle_frame(self, connection: UnityConnection, raw: str | bytes) -> None:
        connection.frames_in += 1
        self.heartbeat.touch(connection)
        for outcome in self.router.receive(connection, raw):
            if isinstance(outcome, Reply):
                await reply(connection, outcome.frame)
            elif isinstance(outcome, Event):
                await self._on_event(connection, outcome.message)
            elif isinstance(outcome, Rejected) and outcome.reply is not None:
                await reply(connection, outcome.reply)

    async def _drop(self, connection: UnityConnection, reason: str) -> None:
        """``connection`` is no longer live: settle its commands and its session."""
        was_live = self.table.release(connection.session_id, connection)
        self.heartbeat.forget(connection)
        session = self.sessions.get(connection.session_id)
        now = self._now()
        # Kept commands wait for the reload, unless a newer connection adopts them now.
        holds = session is not None and session.connection is connection
        hold_until = now + self.config.interrupt_timeout if holds else None
        kept = self.commands.detach(connection, reason=reason, hold_until=hold_until)
        if session is None:
            return
        if session.connection is not connection:
            live = session.connection
            if live is not None and kept:  # superseded while it still held commands
                await self._resend(live, self._adopt(live))
            return
        session.connection = None
        reload_likely = session.compiling or bool(kept)
        grace = self.config.interrupt_timeout if reload_likely else self.config.reconnect_grace
        session.expected_back_until = now + grace
        if was_live:
            logger.info(
                "%s: disconnected (%s); %d command(s) wait for the reload",
                connection.label,
                reason,
                len(kept),
            )
        session.changed.notify()
        await self._notify_state(StateChange("disconnected", connection.session_id))

    # ── events ──────────────────────────────────────────────────────────────────────

    async def _on_event(self, connection: UnityConnection, message: MovesiaMessage) -> None:
        # The session secret is never kept, relayed or shown (§3.7).
        message.body.pop("session_secret", None)
        if not self.table.is_live(connection.session_id, connection):
            logger.debug(
                "%s: %s from a superseded connection ignored", connection.label, message.type
            )
            return
        if message.session is None:
            message.session = connection.session_id
        if message.type == "compile_finished":
            message.body = clip_compile_result(
                message.body, self.config.max_compile_errors, self.config.max_compile_errors_bytes
            )
            cost = _event_size(message)
        else:
            message.body, body_bytes = clip_sized(message.body, self.config.max_event_bytes)
            cost = body_bytes + len(message.type) + 64
        session = self.sessions.get(connection.session_id)
        kind: StateKind = "event"
        if message.type == "hello":
            if session is not None:
                with contextlib.suppress(HandshakeError):
                    refined = identify({"session": session.session_id}, message.to_dict())
                    wanted = normalise_project_path(refined.project_path)
                    if session.bound_path is None or (
                        wanted is not None
                        and wanted != session.bound_path
                        and not self.commands.has_pending(session.session_id)
                    ):
                        # Nothing of another project is at stake: the session is this one's.
                        session.bound_path = wanted or session.bound_path
                    elif wanted is not None and wanted != session.bound_path:
                        # A later hello cannot move the session, and its pending commands,
                        # to another project (§3.8): the binding stays, the connection too.
                        logger.warning(
                            "%s: hello names another project; the session stays bound to its own",
                            connection.label,
                        )
                        refined = replace(refined, project_path=None)
                        if not connection.legacy:
                            text = "the session belongs to another project; hello ignored"
                            await reply(
                                connection,
                                error_message(
                                    EnvelopeError("project_mismatch", text, message.id),
                                    connection.session_id,
                                ),
                            )
                    session.identity = merge_identity(
                        session.identity, refined, connection.conn_seq
                    )
                    connection.identity = replace(
                        session.identity,
                        capabilities=refined.capabilities or connection.capabilities,
                        session_secret=connection.identity.session_secret,
                    )
                    if COMMAND_ACK in connection.capabilities:
                        self.commands.declare_acking(connection.session_id)
            kind = "connected"
        elif message.type == "compile_started":
            self.heartbeat.compile_started(connection.session_id)
            if session is not None:
                session.compiling = True
                session.compile_started_mono = self._now()
            kind = "compile"
        elif message.type == "compile_finished":
            self.heartbeat.compile_finished(connection.session_id)
            if session is not None:
                session.compiling = False
                session.last_compile = dict(message.body)
            kind = "compile"
        elif message.type == "selection_changed":
            if session is not None:
                session.selection = dict(message.body)
            kind = "selection"
        self.recent_events.append(message, cost)
        if session is not None and kind == "compile":
            session.changed.notify()
        await self._notify_state(StateChange(kind, connection.session_id, message), cost)

    async def _notify_state(self, change: StateChange, cost: int = 0) -> None:
        """Hand ``change`` to subscribers, in order, off the editor's read loop: a handler
        may itself send a command, whose answer arrives on that very socket."""
        queue = self._deliveries
        if queue is None:  # not running(): nothing else would deliver it
            await self._deliver(change)
            return
        try:
            if self._delivery_bytes + cost > self.config.max_pending_delivery_bytes:
                raise asyncio.QueueFull
            queue.put_nowait(change)
            self._delivery_costs.append(cost)
            self._delivery_bytes += cost
        except asyncio.QueueFull:
            self.dropped_deliveries += 1
            if self.dropped_deliveries % 1000 == 1:
                logger.warning(
                    "subscribers are %d changes behind; dropped %d so far",
                    queue.qsize(),
                    self.dropped_deliveries,
                )

    async def _deliver_forever(self, queue: asyncio.Queue[StateChange]) -> None:
        while True:
            change = await queue.get()
            self._delivery_bytes -= self._delivery_costs.popleft()
            await self._deliver(change)

    async def _deliver(self, change: StateChange) -> None:
        message = change.message
        if message is not None:  # a domain event, not a connect/disconnect of the layer
            await self._call_each(self._event_handlers, message, "on_domain_event handler")
        if message is not None and message.type == "compile_finished" and self.interrupt_manager:
            resume = getattr(self.interrupt_manager, "resume_all", None)
            if resume is not None:
                await self._call_each([resume], None, "interrupt_manager.resume_all")
        await self._call_each(self._state_listeners, change, "state listener")

    async def _call_each(self, callbacks: Iterable[Any], argument: Any, what: str) -> None:
        for callback in list(callbacks):
            try:
                await (callback() if argument is None else callback(argument))
            except Exception:
                logger.exception("%s failed", what)

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
        return await self.execute(
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
        if self._closing:
            raise ServerShuttingDownError("server is shutting down")
        session = self.find_session(project)
        started = self._now()
        connection = session.connection
        if connection is None or session.compiling:
            connection = await self.wait_until_ready(
                session, command_type=command_type, on_progress=on_progress
            )
        loop = asyncio.get_running_loop()
        command: PendingCommand[UnityConnection] = PendingCommand(
            id=new_id(),
            command_type=command_type,
            session_id=session.session_id,
            params=params,
            survives_reload=(
                command_type in self.reload_surviving
                if survives_reload is None
                else survives_reload
            ),
            future=loop.create_future(),
            connection=connection,
            deadline=self._now()
            + (timeout if timeout is not None else self.config.command_timeout),
            started=started,
            idempotent=command_type in self.idempotent if idempotent is None else idempotent,
        )
        self.commands.add(command)
        if command.deadline < self._sweep_wake_at:
            self._deadline_added.set()  # the sweep sleeps past it: wake it up
        if connection.closed and command.survives_reload:
            # The death window: the socket is gone, its read loop has not noticed yet.
            # The command waits for the reconnect like any other reload-surviving one
            # (that connection's end detaches it), and is sent on the next connection.
            command.written = False
            logger.info(
                "%s: %s issued on a closed socket; it waits for the reconnect",
                connection.label,
                command_type,
            )
        else:
            try:
                await connection.send(command.envelope(session.session_id))
            except BaseException as exc:
                future = command.future
                if (
                    isinstance(exc, ConnectionLostError)
                    and command.survives_reload
                    and command.id in self.commands
                ):
                    # The socket died under the send: the command may or may not have
                    # arrived, and stays pending like any in-flight reload-surviving one.
                    logger.info("%s: %s send failed: %s", connection.label, command_type, exc)
                else:
                    # Never left this process: forget it, the caller may retry safely.
                    self.commands.give_up(command, CommandState.CANCELLED)
                    # Settled while its send was blocked (the server shut down, or the
                    # connection was dropped): that outcome is the caller's answer.
                    lost = isinstance(exc, ConnectionLostError) and future.done()
                    settled = future.exception() if lost and not future.cancelled() else None
                    if settled is not None:
                        raise settled from None
                    raise
        try:
            return await self._await_answer(command, started, on_progress)
        except BaseException:  # cancelled, or the progress callback failed
            if self.commands.give_up(command, CommandState.CANCELLED):
                self._cancel_in_unity(command)
            raise

    def _cancel_in_unity(self, command: PendingCommand[UnityConnection]) -> None:
        """The caller gave up on ``command`` (§6.2): tell an editor that declared
        ``cancel``. Off the caller's task, which is being cancelled itself."""
        if not command.written:
            return
        session = self.sessions.get(command.session_id)
        target = command.connection
        if target is None or target.closed:
            if session is not None:  # reloading: tell the next connection
                session.cancel_on_reconnect.append(command.id)
            return
        if CANCEL not in target.capabilities:
            return
        self._spawn(reply(target, _cancel_envelope(command.id, command.session_id)))

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        async def run() -> None:
            try:
                await coroutine
            except Exception:  # a courtesy to the editor; nobody waits for it
                logger.debug("background send failed", exc_info=True)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _await_answer(
        self,
        command: PendingCommand[UnityConnection],
        started: float,
        on_progress: ProgressCallback | None,
    ) -> dict[str, Any]:
        future = command.future
        if on_progress is None and self._sweeping:
            return await future  # the hot path: the deadline sweep times it out
        # Reporting progress, or outside ``running()`` (no sweep): watch the deadline here.
        interval = self.config.progress_interval if on_progress is not None else math.inf
        while not future.done():
            remaining = command.deadline - self._now()
            if remaining <= 0:
                self._time_out(command, started)
                break
            wait = min(remaining, interval)
            await asyncio.wait((future,), timeout=None if wait == math.inf else wait)
            if not future.done() and on_progress is not None:
                reloading = command.connection is None
                await on_progress(
                    CommandProgress(
                        command.command_type,
                        "waiting_for_reconnect" if reloading else "waiting_for_answer",
                        self._now() - started,
                        "Unity is reloading; the command will be answered after it reconnects"
                        if reloading
                        else f"waiting for Unity to answer {command.command_type}",
                    )
                )
        return future.result()

    def _time_out(self, command: PendingCommand[UnityConnection], started: float) -> None:
        if command.future.done():
            return
        if self.commands.give_up(command, CommandState.TIMED_OUT):
            self._cancel_in_unity(command)
        command.future.set_exception(
            CommandTimeoutError(
                f"Unity did not answer {command.command_type!r} within "
                f"{self._now() - started:.1f}s (state: {command.state.value})"
            )
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
        started = self._now()
        limit = self.config.interrupt_timeout if timeout is None else timeout
        deadline = started + limit
        while True:
            if self._closing:
                raise ServerShuttingDownError("server is shutting down")
            now = self._now()
            self._expire_stale_compile(session, now)
            connection = session.connection
            if connection is not None and not session.compiling:
                return connection
            if connection is None and now >= session.expected_back_until:
                raise NotConnectedError(
                    f"Unity project {session.name!r} disconnected and did not come back; "
                    "check that the editor is open and the Movesia plug-in is running"
                )
            if now >= deadline:
                what = "compiling" if session.compiling else "reconnecting"
                raise CommandTimeoutError(
                    f"Unity project {session.name!r} was still {what} after "
                    f"{limit:g}s; {command_type!r} was not sent"
                )
            if on_progress is not None:
                compiling = connection is not None
                await on_progress(
                    CommandProgress(
                        command_type,
                        "waiting_for_compile" if compiling else "waiting_for_reconnect",
                        now - started,
                        "Unity is compiling scripts; the command will run when it finishes"
                        if compiling
                        else "Unity is reloading; the command will run when it reconnects",
                    )
                )
            wake_by = session.expected_back_until if connection is None else deadline
            await session.changed.wait(
                min(min(wake_by, deadline) - now, self.config.progress_interval)
            )

    def _expire_stale_compile(self, session: UnitySession, now: float) -> None:
        """A compile_finished lost with a crashed editor must not block the project forever."""
        started = session.compile_started_mono
        if not session.compiling or started is None:
            return
        horizon = max(
            self.config.heartbeat.compile_suspend_ms / 1000, self.config.interrupt_timeout
        )
        if now - started > horizon:
            logger.warning(
                "project %s: no compile_finished %.0fs after compile_started; assuming the "
                "compile is over",
                session.name,
                now - started,
            )
            session.compiling = False

    def find_session(self, project: str | None = None) -> UnitySession:
        """The session a command goes to: ``project`` if named, else the only candidate."""
        now = self._now()
        if project is not None:
            matches = self._sessions_matching(project)
            live = [s for s in matches if s.status(now) != "offline"]
            if len(live) > 1:
                raise AmbiguousProjectError(
                    f"{len(live)} connected Unity projects match {project!r}: "
                    f"{describe(live)}; name one by its path or session id",
                    [s.name for s in live],
                )
            if live:
                return live[0]
            if matches:
                raise NotConnectedError(
                    f"Unity project {matches[0].name!r} is not connected right now"
                )
            raise NotConnectedError(
                f"no connected Unity project matches {project!r}; connected: "
                f"{describe(self._candidates(now)) or 'none'}"
            )
        if self.default_project is not None:
            chosen = self.sessions.get(self.default_project)
            if chosen is not None and chosen.status(now) != "offline":
                return chosen
        candidates = self._candidates(now)
        if not candidates:
            raise NotConnectedError(
                "no Unity editor is connected; open the project in Unity with the Movesia "
                "plug-in pointed at this server (ws://<host>:<port>/ws/unity)"
            )
        if len(candidates) > 1:
            names = [s.name for s in candidates]
            raise AmbiguousProjectError(
                f"{len(candidates)} Unity projects are connected ({describe(candidates)}); "
                "name one with the 'project' argument or select_project",
                names,
            )
        return candidates[0]

    def _candidates(self, now: float) -> list[UnitySession]:
        return [s for s in self.sessions.values() if s.status(now) != "offline"]

    def _sessions_matching(self, project: str) -> list[UnitySession]:
        """The sessions ``project`` names: a session id exactly; else a project path
        (normalised as §3.8 compares them); else a name, path or id case-insensitively,
        which may match several (two folders holding a project of the same name)."""
        exact = self.sessions.get(project)
        if exact is not None:
            return [exact]
        path = normalise_project_path(project)
        if path is not None and ("/" in project or "\\" in project):
            by_path = [s for s in self.sessions.values() if s.bound_path == path]
            if by_path:
                return by_path
        wanted = project.casefold()
        return [s for s in self.sessions.values() if wanted in s.target_names()]

    def _now(self) -> float:
        return time.monotonic()


def _event_size(message: MovesiaMessage) -> int:
    """What keeping ``message`` costs: its body (the part an editor controls the size of)
    and a fixed allowance for the rest."""
    return json_size(message.body) + len(message.type) + 64


async def reply(connection: UnityConnection, message: MovesiaMessage) -> bool:
    """Send a reply to an inbound frame. False when the socket is already going away:
    the caller keeps routing the frames it has received (the read loop ends when the
    socket's close arrives, not on a failed reply)."""
    try:
        await connection.send(message)
    except ConnectionLostError as exc:
        logger.debug("%s: %s not sent: %s", connection.label, message.type, exc)
        return False
    return True


def _cancel_envelope(request_id: str, session: str) -> MovesiaMessage:
    return MovesiaMessage.create("cancel", {"request_id": request_id}, session=session)


async def _receive_frame(websocket: WebSocket) -> str | bytes:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    if text is not None:
        return text
    data: bytes = message.get("bytes") or b""
    return data
