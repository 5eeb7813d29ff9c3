"""Where an inbound Unity frame is decided on (PROTOCOL.md §2, §4 to §7).

frame ─▶ decode + validate ──bad──▶ ``error`` envelope back, connection stays open
             │
             ├─ hb             ─▶ pong (same id)
             ├─ pong, error    ─▶ activity only
             ├─ ack            ─▶ command marked ACKED
             ├─ response       ─▶ pending command answered
             ├─ stray response ─▶ ``error`` envelope (unknown_request / duplicate_response)
             └─ anything else  ─▶ domain event: ACK if required, then ``on_event``

Acks, answers and ``error`` envelopes count only for commands of the connection's own
session (PROTOCOL.md §6.1); another session's id is ``unknown_request``. A reply (pong,
ack, error) that fails because the socket is closing does not stop the routing: frames
already received are still handled in order, so an answer or ack that came in the same
TCP write as an event is never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from .commands import CommandTable, ResponseKind
from .connection import UnityConnection
from .envelope import (
    ACK_REQUIRED_TYPES,
    MovesiaMessage,
    decode_frame,
    error_message,
    parse_envelope,
)
from .exceptions import ConnectionLostError, EnvelopeError

logger = logging.getLogger("movesia_mcp.router")

EventSink = Callable[[UnityConnection, MovesiaMessage], Awaitable[None]]


class MessageRouter:
    def __init__(self, commands: CommandTable[UnityConnection], on_event: EventSink) -> None:
        self.commands = commands
        self.on_event = on_event

    async def handle_message(
        self, connection: UnityConnection, raw: str | bytes
    ) -> MovesiaMessage | None:
        """Route one frame. Returns the envelope, or None when the frame was rejected."""
        try:
            message = parse_envelope(decode_frame(raw))
        except EnvelopeError as exc:
            logger.warning("%s: rejected frame: %s (%s)", connection.label, exc.message, exc.code)
            await reply(connection, error_message(exc, connection.session_id))
            return None
        await self.route(connection, message)
        return message

    async def route(self, connection: UnityConnection, message: MovesiaMessage) -> None:
        kind = message.type
        session = connection.session_id
        if kind == "hb":
            await reply(
                connection, MovesiaMessage.create("pong", {}, session=session, msg_id=message.id)
            )
            return
        if kind == "pong":
            return
        if kind == "error":
            self._unity_error(connection, message)
            return
        if kind == "ack":
            if not self.commands.ack(message.id, session):
                logger.debug("%s: ack for unknown command %s", connection.label, message.id)
            return

        if kind not in ACK_REQUIRED_TYPES:  # those are events, whatever ids they carry
            command = self.commands.response_for(message, session)
            if command is not None:
                self.commands.answer(command, message.body)
                return
            stray = self.commands.classify_orphan(message, session)
            if stray is not None:
                await self._reject_stray(connection, message, stray)
                return

        if kind in ACK_REQUIRED_TYPES:
            await reply(
                connection,
                MovesiaMessage.create("ack", {"type": kind}, session=session, msg_id=message.id),
            )
        await self.on_event(connection, message)

    def _unity_error(self, connection: UnityConnection, message: MovesiaMessage) -> None:
        """An ``error`` envelope from Unity fails the command it names, if any."""
        body = message.body
        session = connection.session_id
        command = self.commands.response_for(message, session)
        ref = body.get("ref_id")
        if command is None and isinstance(ref, str):
            command = self.commands.response_for(MovesiaMessage("error", ref), session)
        if command is None:
            logger.warning("%s: Unity reported an error: %s", connection.label, body)
            return
        text = body.get("error") or body.get("message") or body.get("code")
        self.commands.fail_with_unity_error(command, str(text or "Unity reported an error"), body)

    async def _reject_stray(
        self, connection: UnityConnection, message: MovesiaMessage, kind: ResponseKind
    ) -> None:
        ref = message.request_id or (None if message.id_assigned else message.id)
        if kind is ResponseKind.LATE:
            logger.info(
                "%s: late response to %s (its caller gave up); dropped", connection.label, ref
            )
            if connection.legacy:  # version 1: a late answer is dropped silently
                return
            # 1.1 (§6.2): the command was forgotten; tell the editor, it harms nothing.
            text = f"request {ref} is no longer pending (its caller gave up)"
            await reply(
                connection,
                error_message(EnvelopeError("unknown_request", text, ref), connection.session_id),
            )
            return
        code = "duplicate_response" if kind is ResponseKind.DUPLICATE else "unknown_request"
        text = (
            f"request {ref} was already answered"
            if kind is ResponseKind.DUPLICATE
            else f"no pending command has id {ref}"
            if ref is not None
            else "the response names no pending command"
        )
        # A duplicate is benign (an answer that crossed a resend, §6.1); unknown is not.
        level = logging.INFO if kind is ResponseKind.DUPLICATE else logging.WARNING
        logger.log(level, "%s: %s", connection.label, text)
        await reply(
            connection, error_message(EnvelopeError(code, text, ref), connection.session_id)
        )


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
