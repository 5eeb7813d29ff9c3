"""Where an inbound Unity frame is decided on (PROTOCOL.md §2, §4 to §7), with no I/O.

``MessageRouter.receive(peer, raw)`` returns what the frame means, as a list of outcomes;
the read loop does the sending, in that order::

    frame ─▶ decode + validate ──bad──▶ Rejected (its ``error`` envelope to send back)
                 │
                 ├─ hb             ─▶ Reply(pong, same id)
                 ├─ pong           ─▶ nothing (activity only)
                 ├─ error          ─▶ Answered (the command it names fails), or nothing
                 ├─ ack            ─▶ Acked (the command is marked ACKED)
                 ├─ response       ─▶ Answered (the pending command has its answer)
                 ├─ stray response ─▶ Rejected (unknown_request / duplicate_response)
                 └─ anything else  ─▶ Reply(ack) if required, then Event

Acks, answers and ``error`` envelopes count only for commands of the peer's own session
(PROTOCOL.md §6.1); another session's id is ``unknown_request``. The router applies what
a frame decides to the command table (an ack, an answer) before it returns, so a frame
is decided exactly once, in arrival order, whatever happens to the replies.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ._commands import CommandTable, PendingCommand, ResponseKind
from ._envelope import (
    ACK_REQUIRED_TYPES,
    MovesiaMessage,
    decode_frame,
    error_message,
    parse_envelope,
)
from ._exceptions import EnvelopeError

logger = logging.getLogger("movesia_mcp._router")

C = TypeVar("C", bound=Hashable)


class Peer(Protocol):
    """What the router needs to know of the connection a frame came in on."""

    @property
    def session_id(self) -> str: ...

    @property
    def legacy(self) -> bool: ...

    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Reply:
    """A frame to send back on the same connection (``pong``, ``ack``)."""

    frame: MovesiaMessage


@dataclass(frozen=True, slots=True)
class Answered:
    """A pending command got its answer (or Unity's ``error`` for it)."""

    command: PendingCommand[Any]


@dataclass(frozen=True, slots=True)
class Acked:
    """Unity acknowledged the command with this id."""

    id: str


@dataclass(frozen=True, slots=True)
class Event:
    """A domain event for the event feed (already acked, if its type needs it)."""

    message: MovesiaMessage


@dataclass(frozen=True, slots=True)
class Rejected:
    """A frame refused: a bad envelope, or a stray answer. ``reply`` is the ``error``
    envelope to send back; None when version 1 says to drop it silently."""

    code: str
    message: str
    ref_id: str | None
    reply: MovesiaMessage | None


Outcome = Reply | Answered | Acked | Event | Rejected


class MessageRouter(Generic[C]):
    """Decides on inbound frames against one command table. Never awaits, never sends."""

    def __init__(self, commands: CommandTable[C]) -> None:
        self.commands = commands

    def receive(self, peer: Peer, raw: str | bytes) -> list[Outcome]:
        """Decode, validate and route one frame."""
        try:
            message = parse_envelope(decode_frame(raw))
        except EnvelopeError as exc:
            logger.warning("%s: rejected frame: %s (%s)", peer.label, exc.message, exc.code)
            return [_rejected(exc, peer.session_id)]
        return self.route(peer, message)

    def route(self, peer: Peer, message: MovesiaMessage) -> list[Outcome]:
        """Route one envelope that has already been validated."""
        kind = message.type
        session = peer.session_id
        if kind == "hb":
            return [Reply(MovesiaMessage.create("pong", {}, session=session, msg_id=message.id))]
        if kind == "pong":
            return []
        if kind == "error":
            return self._unity_error(peer, message)
        if kind == "ack":
            if not self.commands.ack(message.id, session):
                logger.debug("%s: ack for unknown command %s", peer.label, message.id)
                return []
            return [Acked(message.id)]

        if kind in ACK_REQUIRED_TYPES:  # those are events, whatever ids they carry
            ack = MovesiaMessage.create("ack", {"type": kind}, session=session, msg_id=message.id)
            return [Reply(ack), Event(message)]
        command = self.commands.response_for(message, session)
        if command is not None:
            self.commands.answer(command, message.body)
            return [Answered(command)]
        stray = self.commands.classify_orphan(message, session)
        if stray is not None:
            return [self._reject_stray(peer, message, stray)]
        return [Event(message)]

    def _unity_error(self, peer: Peer, message: MovesiaMessage) -> list[Outcome]:
        """An ``error`` envelope from Unity fails the command it names, if any."""
        body = message.body
        session = peer.session_id
        command = self.commands.response_for(message, session)
        ref = body.get("ref_id")
        if command is None and isinstance(ref, str):
            command = self.commands.response_for(MovesiaMessage("error", ref), session)
        if command is None:
            logger.warning("%s: Unity reported an error: %s", peer.label, body)
            return []
        text = body.get("error") or body.get("message") or body.get("code")
        self.commands.fail_with_unity_error(command, str(text or "Unity reported an error"), body)
        return [Answered(command)]

    def _reject_stray(self, peer: Peer, message: MovesiaMessage, kind: ResponseKind) -> Rejected:
        ref = message.request_id or (None if message.id_assigned else message.id)
        if kind is ResponseKind.LATE:
            logger.info("%s: late response to %s (its caller gave up); dropped", peer.label, ref)
            # 1.1 (§6.2): the command was forgotten; tell the editor, it harms nothing.
            text = f"request {ref} is no longer pending (its caller gave up)"
            error = EnvelopeError("unknown_request", text, ref)
            if peer.legacy:  # version 1: a late answer is dropped silently
                return Rejected(error.code, text, ref, None)
            return _rejected(error, peer.session_id)
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
        logger.log(level, "%s: %s", peer.label, text)
        return _rejected(EnvelopeError(code, text, ref), peer.session_id)


def _rejected(error: EnvelopeError, session: str) -> Rejected:
    return Rejected(error.code, error.message, error.ref_id, error_message(error, session))
