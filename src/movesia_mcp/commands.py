"""Command/response correlation (PROTOCOL.md §5, §6), with no I/O.

Life-cycle of one command::

    SENT ──ack──▶ ACKED ──response──▶ ANSWERED
      │             │
      ├─────────────┴──connection lost──▶ LOST             (caller fails at once)
      │                                   or stays pending (reload-surviving, detached)
      ├──timeout──▶ TIMED_OUT
      └──caller gone──▶ CANCELLED

A reload-surviving command whose connection died stays in the table, detached, until
Unity answers it on the session's next connection with the original id. It is sent
again only when Unity provably never received it: the session acks commands, and this
one was never acked.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from .envelope import MovesiaMessage
from .exceptions import ConnectionLostError, UnityCommandError

C = TypeVar("C", bound=Hashable)


class CommandState(Enum):
    SENT = "sent"
    ACKED = "acked"
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    LOST = "lost"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self not in (CommandState.SENT, CommandState.ACKED)


@dataclass(eq=False, slots=True)
class PendingCommand(Generic[C]):
    id: str
    command_type: str
    session_id: str
    params: dict[str, Any]
    survives_reload: bool
    future: asyncio.Future[dict[str, Any]]
    connection: C | None = None
    state: CommandState = CommandState.SENT
    # Loop time after which the caller gives up; moved out when a reload begins.
    deadline: float = 0.0
    reloads: int = field(default=0)

    @property
    def delivered(self) -> bool:
        return self.state is CommandState.ACKED

    def envelope(self, session: str | None) -> MovesiaMessage:
        return MovesiaMessage.create(
            self.command_type,
            {**self.params, "request_id": self.id},  # last: a param cannot override it
            session=session,
            msg_id=self.id,
        )


class ResponseKind(Enum):
    ANSWERED = "answered"
    DUPLICATE = "duplicate"
    LATE = "late"  # its caller already gave up (timed out or cancelled)
    UNKNOWN = "unknown"


def unity_error(body: dict[str, Any]) -> str | None:
    """Unity's error text when ``body`` reports a failed command, else None."""
    error = body.get("error")
    if error:
        return error if isinstance(error, str) else str(error)
    if body.get("success") is False:
        message = body.get("message")
        return message if isinstance(message, str) and message else "command failed"
    return None


class CommandTable(Generic[C]):
    def __init__(self, remembered: int = 4096) -> None:
        self._pending: dict[str, PendingCommand[C]] = {}
        self._finished: OrderedDict[str, CommandState] = OrderedDict()
        self._remembered = remembered
        self._acking_sessions: set[str] = set()

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._pending

    def pending(self) -> list[PendingCommand[C]]:
        return list(self._pending.values())

    def add(self, command: PendingCommand[C]) -> None:
        self._pending[command.id] = command

    def ack(self, command_id: str) -> bool:
        command = self._pending.get(command_id)
        if command is None:
            return False
        self._acking_sessions.add(command.session_id)
        if command.state is CommandState.SENT:
            command.state = CommandState.ACKED
        return True

    def response_for(self, message: MovesiaMessage) -> PendingCommand[C] | None:
        command = self._pending.get(message.id)
        if command is None and (rid := message.request_id) is not None:
            command = self._pending.get(rid)
        return command

    def classify_orphan(self, message: MovesiaMessage) -> ResponseKind | None:
        """For an envelope that matched no pending command: is it a stray response?"""
        for key in (message.id, message.request_id):
            if key is not None and (state := self._finished.get(key)) is not None:
                if state is CommandState.ANSWERED:
                    return ResponseKind.DUPLICATE
                return ResponseKind.LATE
        if message.request_id is not None or message.type.endswith("_response"):
            return ResponseKind.UNKNOWN
        return None

    def answer(self, command: PendingCommand[C], body: dict[str, Any]) -> None:
        self._finish(command, CommandState.ANSWERED)
        if command.future.done():
            return
        if (error := unity_error(body)) is not None:
            command.future.set_exception(UnityCommandError(command.command_type, error, body))
        else:
            command.future.set_result({k: v for k, v in body.items() if k != "request_id"})

    def fail_with_unity_error(
        self, command: PendingCommand[C], text: str, body: dict[str, Any]
    ) -> None:
        """Unity answered with an ``error`` envelope rather than a response body."""
        self._finish(command, CommandState.ANSWERED)
        if not command.future.done():
            command.future.set_exception(UnityCommandError(command.command_type, text, body))

    def give_up(self, command: PendingCommand[C], state: CommandState) -> None:
        """The caller stopped waiting (TIMED_OUT or CANCELLED)."""
        if command.id in self._pending:
            self._finish(command, state)

    def fail(self, command: PendingCommand[C], error: BaseException) -> None:
        self._finish(command, CommandState.LOST)
        if not command.future.done():
            command.future.set_exception(error)

    def detach(self, connection: C, *, reason: str) -> list[PendingCommand[C]]:
        """``connection`` died. Fail its commands, except reload-surviving ones, which stay
        pending and detached. Returns the ones that stay."""
        kept: list[PendingCommand[C]] = []
        for command in [c for c in self._pending.values() if c.connection is connection]:
            command.connection = None
            if command.survives_reload:
                command.reloads += 1
                kept.append(command)
                continue
            delivered = command.delivered
            if delivered:
                hint = "Unity had acknowledged it, so it may have run; check before retrying"
            elif command.session_id in self._acking_sessions:
                hint = "Unity never acknowledged it, so it never ran; it is safe to retry"
            else:  # this editor does not ack commands: silence proves nothing
                hint = "Unity may have received it; check before retrying"
            self.fail(
                command,
                ConnectionLostError(
                    f"connection to Unity lost during {command.command_type!r} ({reason}); {hint}",
                    delivered=delivered,
                ),
            )
        return kept

    def to_resend(self, session_id: str) -> list[PendingCommand[C]]:
        """Detached commands of ``session_id`` that Unity provably never received."""
        if session_id not in self._acking_sessions:
            return []
        return [
            c
            for c in self._pending.values()
            if c.session_id == session_id and c.connection is None and c.state is CommandState.SENT
        ]

    def forget_session(self, session_id: str) -> None:
        self._acking_sessions.discard(session_id)

    def _finish(self, command: PendingCommand[C], state: CommandState) -> None:
        command.state = state
        self._pending.pop(command.id, None)
        self._finished[command.id] = state
        if len(self._finished) > self._remembered:
            self._finished.popitem(last=False)
