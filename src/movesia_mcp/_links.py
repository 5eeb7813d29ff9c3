"""The socket life of each editor link: from the WebSocket upgrade to its close
(PROTOCOL.md §3, §4, §6.1, §7).

Upgrade checks (Origin, token, the connection cap), the handshake, admission and the
takeover table, the ``welcome``, then the read loop: every frame goes to the sans-I/O
router and its outcomes are sent or handed on here, in arrival order. When the socket
ends, its commands are settled (``CommandTable.detach``) and its project is marked
dropped. The decisions themselves live elsewhere: ``sessions`` (takeover),
``directory`` (admission, grace), ``router`` (frames), ``commands`` (life-cycle).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import anyio
from starlette.types import Message, Receive, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ._commands import CommandTable
from ._config import UnityManagerConfig
from ._connection import UnityConnection
from ._directory import Admission, ProjectDirectory
from ._dispatch import CommandDispatch, cancel_envelope, send_quietly
from ._envelope import (
    PROTOCOL_VERSION,
    CloseCode,
    MovesiaMessage,
    close_reason,
    decode_frame,
    error_message,
)
from ._event_feed import EventFeed
from ._exceptions import ConnectionLostError, EnvelopeError, HandshakeError
from ._handshake import (
    CANCEL,
    COMMAND_ACK,
    Identity,
    identify,
    is_handshake_message,
    new_session_secret,
    normalise_project_path,
    query_conn_seq,
)
from ._heartbeat import HeartbeatManager, Verdict
from ._router import Acked, Answered, Event, MessageRouter, Outcome, Rejected, Reply
from ._security import origin_ok, token_ok
from ._sessions import SessionTable
from ._unity_session import StateChange, StateKind, StateSignal, UnitySession, merge_identity
from ._version import __version__

logger = logging.getLogger("movesia_mcp.unity")

# How long a takeover waits for the superseded socket's read loop to route the frames it
# already holds (an editor that reloads has closed it already; this bounds a live one).
SUPERSEDE_DRAIN_S = 0.25

# Outcomes the router has already applied to the command table: nothing left to do.
_SETTLED = (Answered, Acked)


class EditorLinks:
    """Accepts editor sockets and serves each for its whole life (``serve``)."""

    def __init__(
        self,
        config: UnityManagerConfig,
        *,
        table: SessionTable[UnityConnection],
        commands: CommandTable[UnityConnection],
        heartbeat: HeartbeatManager[UnityConnection],
        directory: ProjectDirectory,
        dispatch: CommandDispatch,
        feed: EventFeed,
        clock: Callable[[], float],
        token: str | None = None,
        allowed_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.config = config
        self.table = table
        self.commands = commands
        self.heartbeat = heartbeat
        self.router: MessageRouter[UnityConnection] = MessageRouter(commands)
        self.directory = directory
        self.dispatch = dispatch
        self.feed = feed
        self.clock = clock
        self.token = token
        self.allowed_origins = allowed_origins
        self.attached = StateSignal()  # notified on each new connection
        self._open_sockets = 0

    @property
    def connections(self) -> list[UnityConnection]:
        return [c for _, c in self.table.items()]

    # ── heartbeat ──────────────────────────────────────────────────────────────────

    async def sweep_heartbeats(self) -> None:
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

    async def _ping(self, connection: UnityConnection) -> None:
        with contextlib.suppress(Exception):
            await connection.send(MovesiaMessage.create("hb", {}, session=connection.session_id))

    # ── one socket ─────────────────────────────────────────────────────────────────

    async def serve(self, websocket: WebSocket, direct: tuple[Receive, Send] | None = None) -> None:
        """The whole life of one Unity WebSocket, from upgrade to close.

        ``direct``: the server's own ASGI ``receive`` and ``send`` under ``websocket``
        (no middleware wraps them), for frames after the handshake."""
        if not origin_ok(websocket, self.allowed_origins):
            logger.warning("refused WebSocket from browser origin %r", websocket.headers["origin"])
            await websocket.close(code=CloseCode.AUTHENTICATION_FAILED)  # before accept → 403
            return
        await websocket.accept()
        if self.dispatch.closing:
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
            await self.serve_socket(websocket, direct)
        finally:
            self._open_sockets -= 1

    async def serve_socket(
        self, websocket: WebSocket, direct: tuple[Receive, Send] | None = None
    ) -> None:
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
            clock=self.clock,
            asgi_receive=direct[0] if direct is not None else None,
            asgi_send=direct[1] if direct is not None else None,
        )
        # No await from here to the takeover table: admission and takeover are one step.
        admission = self.admit(identity)
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
                old.draining = True
                try:
                    with anyio.move_on_after(SUPERSEDE_DRAIN_S):
                        await old.finished.wait()
                finally:
                    old.draining = False
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

    def admit(self, identity: Identity) -> Admission:
        """May ``identity`` take its session? (``ProjectDirectory.admit``)"""
        sid = identity.session_id
        claimed = self.table.live(sid) is not None or self.commands.has_pending(sid)
        return self.directory.admit(identity, claimed=claimed)

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
        session = self.directory.sessions.get(sid)
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
        sid = connection.session_id
        admission = admission or Admission(fresh=sid not in self.directory.sessions)
        own = connection.identity  # what this connection declared and presented
        session = self.directory.sessions.get(sid)
        if session is None or admission.fresh:
            if session is not None:  # another project takes a session id nobody holds
                logger.info("%s: session id reused for another project", connection.label)
                self.commands.forget_session(sid)
                self.heartbeat.forget_session(sid)
            session = UnitySession(own)
            self.directory.sessions[sid] = session
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
        resend = self.dispatch.adopt(connection)
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
        await send_quietly(connection, MovesiaMessage.create("welcome", body, session=sid))
        if first is not None:
            await self._handle_frame(connection, first)
        if CANCEL in connection.capabilities:
            for request_id in cancels:
                await send_quietly(connection, cancel_envelope(request_id, sid))
        await self.dispatch.resend(connection, resend)
        session.changed.notify()
        self.attached.notify()
        await self.feed.publish(StateChange("connected", sid))

    async def _read_loop(self, connection: UnityConnection) -> None:
        """Route frames until the socket closes, or until the connection is abandoned.

        An editor that stops reading cannot take the close frame either, so no
        disconnect ever arrives for it (``UnityConnection.abandoned``). Stop reading
        then, so that ``_drop`` fails its commands at once instead of at their timeout
        and the session is free for the editor's next connection.
        """
        ended: Exception | None = None
        # The connection's scope: reading, and the watcher that stops it when abandoned.
        async with anyio.create_task_group() as scope:
            scope.start_soon(_cancel_when_set, connection.abandoned, scope.cancel_scope)
            try:
                await self._read_frames(connection)
            except Exception as exc:  # how the socket ended: WebSocketDisconnect, or a failure
                ended = exc
            scope.cancel_scope.cancel()
        if connection.abandoned.is_set():
            logger.info("%s: abandoned (%s)", connection.label, connection.close_reason)
            return
        if ended is not None:
            raise ended

    async def _read_frames(self, connection: UnityConnection) -> None:
        # ``_handle_frame`` inlined: this loop runs once per frame, and an answer or an
        # ack (most frames) needs no await beyond the receive.
        websocket = connection.websocket
        receive = self.router.receive
        touch = self.heartbeat.touch
        next_message: Receive = websocket.receive
        if connection.asgi_receive is not None and websocket.client_state is _CONNECTED:
            next_message = connection.asgi_receive  # Starlette's checks are in ``_frame``
        while True:
            raw = _frame(await next_message(), websocket)
            connection.frames_in += 1
            touch(connection)
            for outcome in receive(connection, raw):
                if not isinstance(outcome, _SETTLED):
                    await self._act(connection, outcome)
            if connection.frames_in % 64 == 0:
                await asyncio.sleep(0)  # one flooding editor must not starve the others

    async def _handle_frame(self, connection: UnityConnection, raw: str | bytes) -> None:
        connection.frames_in += 1
        self.heartbeat.touch(connection)
        for outcome in self.router.receive(connection, raw):
            await self._act(connection, outcome)

    async def _act(self, connection: UnityConnection, outcome: Outcome) -> None:
        """Do what the router decided that needs I/O: a reply, an event, an error."""
        if isinstance(outcome, Reply):
            await send_quietly(connection, outcome.frame)
        elif isinstance(outcome, Event):
            await self._on_event(connection, outcome.message)
        elif isinstance(outcome, Rejected) and outcome.reply is not None:
            await send_quietly(connection, outcome.reply)

    async def _drop(self, connection: UnityConnection, reason: str) -> None:
        """``connection`` is no longer live: settle its commands and its session."""
        was_live = self.table.release(connection.session_id, connection)
        self.heartbeat.forget(connection)
        session = self.directory.sessions.get(connection.session_id)
        now = self.clock()
        # Kept commands wait for the reload, unless a newer connection adopts them now.
        holds = session is not None and session.connection is connection
        hold_until = now + self.config.interrupt_timeout if holds else None
        kept = self.commands.detach(connection, reason=reason, hold_until=hold_until)
        if session is None:
            return
        if session.connection is not connection:
            live = session.connection
            if live is not None and kept:  # superseded while it still held commands
                await self.dispatch.resend(live, self.dispatch.adopt(live))
            return
        self.directory.dropped(session, now, holds_commands=bool(kept))
        if was_live:
            logger.info(
                "%s: disconnected (%s); %d command(s) wait for the reload",
                connection.label,
                reason,
                len(kept),
            )
        session.changed.notify()
        await self.feed.publish(StateChange("disconnected", connection.session_id))

    # ── events ──────────────────────────────────────────────────────────────────────

    async def _on_event(self, connection: UnityConnection, message: MovesiaMessage) -> None:
        # The session secret is never kept, relayed or shown (§3.7).
        message.body.pop("session_secret", None)
        if not connection.draining and not self.table.is_live(connection.session_id, connection):
            logger.debug(
                "%s: %s from a superseded connection ignored", connection.label, message.type
            )
            return
        if message.session is None:
            message.session = connection.session_id
        cost = self.feed.clip(message)
        session = self.directory.sessions.get(connection.session_id)
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
                            await send_quietly(
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
                self.directory.compile_started(session, self.clock())
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
        self.feed.recent_events.append(message, cost)
        if session is not None and kind == "compile":
            session.changed.notify()
        await self.feed.publish(StateChange(kind, connection.session_id, message), cost)


async def _cancel_when_set(event: asyncio.Event, scope: anyio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


async def _receive_frame(websocket: WebSocket) -> str | bytes:
    return _frame(await websocket.receive(), websocket)


_CONNECTED = WebSocketState.CONNECTED


def _frame(message: Message, websocket: WebSocket) -> str | bytes:
    """The frame a received ASGI message carries; ``WebSocketDisconnect`` at the end.

    Keeps ``websocket``'s client state as Starlette's ``receive`` does (the read loop may
    take its messages from the ASGI ``receive`` itself)."""
    kind = message["type"]
    if kind != "websocket.receive":
        if kind != "websocket.disconnect":
            raise RuntimeError(
                'Expected ASGI message "websocket.receive" or "websocket.disconnect", '
                f"but got {kind!r}"
            )
        websocket.client_state = WebSocketState.DISCONNECTED
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text: str | None = message.get("text")
    if text is not None:
        return text
    data: bytes = message.get("bytes") or b""
    return data
