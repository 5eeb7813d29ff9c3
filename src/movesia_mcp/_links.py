"""The socket life of each editor link: from the WebSocket upgrade to its close
(PROTOCOL.md §3, §4, §6.1, §7).

Upgrade checks (Origin, token, the connection cap), the handshake, admission and the
takeover table, the ``welcome``, then the read loop: every frame goes to the sans-I/O
router and its outcomes are sent or handed on here, in arrival order. When the socket
ends, its commands are settled (``CommandTable.detach``) and its project is marked
dropped. The decisions themselves live elsewhere, and come back as plans this module
carries out: ``directory`` (``arrive``: admission and takeover; ``attach``: the session,
its secret, the welcome; reconnect grace), ``unity_events`` (``interpret``: what an
event means), ``sessions`` (the takeover table), ``router`` (frames), ``commands``
(life-cycle).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import anyio
from starlette.types import Message, Receive, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ._commands import CommandTable
from ._config import UnityManagerConfig
from ._connection import UnityConnection
from ._directory import Admission, ProjectDirectory
from ._dispatch import CommandDispatch, cancel_envelope, send_quietly
from ._envelope import CloseCode, MovesiaMessage, close_reason, decode_frame
from ._event_feed import EventFeed
from ._exceptions import ConnectionLostError, EnvelopeError, HandshakeError
from ._handshake import Identity, identify, is_handshake_message, query_conn_seq
from ._heartbeat import HeartbeatManager, Verdict
from ._router import Acked, Answered, Event, MessageRouter, Outcome, Rejected, Reply
from ._security import origin_ok, token_ok
from ._sessions import SessionTable
from ._unity_events import interpret
from ._unity_session import StateChange, StateSignal

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
            loop=asyncio.get_running_loop(),
        )
        # Admission and takeover are one step, with no await (``ProjectDirectory.arrive``).
        arrival = self.directory.arrive(
            identity, connection, self.table, pending=self.commands.has_pending(identity.session_id)
        )
        if arrival.refused is not None:
            code, reason = arrival.refused
            logger.warning("%s: refused, %s", connection.label, reason)
            await connection.close(code, reason)
            return
        if arrival.supersede is not None:
            old = arrival.supersede
            logger.info("%s: takes over; %s", connection.label, arrival.reason)
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
            await old.close(CloseCode.SUPERSEDED, arrival.reason or "superseded")
        try:
            await self._attach(connection, first, arrival.admission)
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
            claimed = self._claimed(identity.session_id)
            if not self.directory.learns_project_first(identity, claimed=claimed):
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
        return self.directory.admit(identity, claimed=self._claimed(identity.session_id))

    def _claimed(self, session_id: str) -> bool:
        """The session is live, or has commands pending (either claims it, §3.7, §3.8)."""
        return self.table.live(session_id) is not None or self.commands.has_pending(session_id)

    async def _first_frame(self, websocket: WebSocket) -> str | bytes:
        """The first frame, within ``handshake_timeout`` on the injected clock (the
        deadline sweep's tick; the loop's own timer when no sweep runs)."""
        timeout = self.config.handshake_timeout
        receiving = asyncio.get_running_loop().create_task(_receive_frame(websocket))
        try:
            if await self.dispatch.wait_until(self.clock() + timeout, receiving):
                return receiving.result()
        finally:
            if not receiving.done():
                receiving.cancel()
                # asyncio.wait, not ``await receiving``: the receive's own CancelledError is
                # not raised here, and a cancel of this task still is.
                await asyncio.wait((receiving,))
        raise HandshakeError(f"no handshake within {timeout:g}s")

    async def _attach(
        self, connection: UnityConnection, first: str | bytes | None, admission: Admission
    ) -> None:
        # Everything up to the first await is atomic: a newer connection that took over
        # while this one was being accepted wins, and this one stops here.
        if not self.table.is_live(connection.session_id, connection):
            return
        sid = connection.session_id
        plan = self.directory.attach(connection, admission, connected_at=time.time())
        connection.identity = plan.identity
        if plan.forget_previous:
            self.commands.forget_session(sid)
            self.heartbeat.forget_session(sid)
        if plan.acks_commands:
            self.commands.declare_acking(sid)
        self.heartbeat.track(connection, sid)
        # Detached commands belong to this socket from now on; claimed before any await so
        # that a connection which takes over meanwhile finds them and not a stale owner.
        resend = self.dispatch.adopt(connection)
        logger.info("%s: connected (unity %s)", connection.label, connection.identity.unity_version)
        # A welcome that fails on a closing socket does not stop what follows: the
        # handshake frame and anything after it are still handled (§6.1).
        await send_quietly(connection, MovesiaMessage.create("welcome", plan.welcome, session=sid))
        if first is not None:
            await self._handle_frame(connection, first)
        for request_id in plan.cancels:
            await send_quietly(connection, cancel_envelope(request_id, sid))
        await self.dispatch.resend(connection, resend)
        plan.session.changed.notify()
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
        sid = connection.session_id
        if message.session is None:
            message.session = sid
        cost = self.feed.clip(message)
        session = self.directory.sessions.get(sid)
        effects = interpret(
            session,
            message,
            self.clock(),
            sender=connection.identity,
            pending=message.type == "hello" and self.commands.has_pending(sid),
        )
        if effects.identity is not None:
            connection.identity = effects.identity
        if effects.acks_commands:
            self.commands.declare_acking(sid)
        if effects.compiling is not None:
            if effects.compiling:
                self.heartbeat.compile_started(sid)
            else:
                self.heartbeat.compile_finished(sid)
        if effects.reply is not None:
            await send_quietly(connection, effects.reply)
        self.feed.recent_events.append(message, cost)
        if session is not None and effects.wake:
            session.changed.notify()
        await self.feed.publish(StateChange(effects.kind, sid, message), cost)


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
