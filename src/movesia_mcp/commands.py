"""Command/response correlation (PROTOCOL.md §5, §6), with no I/O.

Life-cycle of one command::

    SENT ──ack──▶ ACKED ──response──▶ ANSWERED
      │             │
      ├─────────────┴──connection lost──▶ LOST             (caller fails at once)
      │                                   or stays pending (reload-surviving, detached)
      ├──timeout──▶ TIMED_OUT
      └──caller gone──▶ CANCELLED

A reload-surviving command whose connection died stays in the table, detached, until
Unity answers it on the session's next connection with the original id. Whether it is
sent again on that connection is decided in one place, ``should_resend`` (PROTOCOL.md
§6.1): always when it was never written to a socket; to an editor with a ``dedup``
ledger, always; otherwise only when it is idempotent and an editor that acks commands
never acked it.

Answers, acks and ``error`` envelopes count only from a connection of the session the
command was sent to (``owned_by``).
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
    # Catalog ``idempotent``: running it twice leaves the project as running it once.
    idempotent: bool = False
    # False while the envelope has provably never been written to any socket.
    written: bool = True

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


def should_resend(
    command: PendingCommand[Any], *, dedup: bool, acks_commands: bool, legacy: bool = False
) -> bool:
    """Send a detached command again on the session's next connection? (§6.1)

    ``dedup``: the new connection declared a request-id ledger. ``acks_commands``: the
    session's editor acks every command on receipt (declared ``command_ack``, or seen
    doing it). ``legacy``: the new connection declared no capability at all (a version 1
    editor), which keeps version 1's rule: resend what an acking editor never acked.
    """
    if not command.written:  # it never left this process: Unity cannot have it
        return True
    if not command.survives_reload:
        return False
    if dedup:  # the ledger makes a second delivery harmless
        return True
    never_acked = acks_commands and command.state is CommandState.SENT
    if legacy:
        return never_acked
    # A missing ack is no proof the command was not received (the ack may have died
    # with the socket); resending is only tolerable when running it twice is harmless.
    return never_acked and command.idempotent


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
        self._finished: OrderedDict[str, tuple[CommandState, str]] = OrderedDict()
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

    def for_session(self, session_id: str) -> list[PendingCommand[C]]:
        return [c for c in self._pending.values() if c.session_id == session_id]

    def has_pending(self, session_id: str) -> bool:
        return any(c.session_id == session_id for c in self._pending.values())

    def declare_acking(self, session_id: str) -> None:
        """The session's editor declared ``command_ack``."""
        self._acking_sessions.add(session_id)

    def acks_commands(self, session_id: str) -> bool:
        return session_id in self._acking_sessions

    def ack(self, command_id: str, session_id: str | None = None) -> bool:
        """Mark ``command_id`` ACKED; with ``session_id``, only if it is that session's."""
        command = self._pending.get(command_id)
        if command is None or (session_id is not None and command.session_id != session_id):
            return False
        self._acking_sessions.add(command.session_id)
        if command.state is CommandState.SENT:
            command.state = CommandState.ACKED
        return True

    def response_for(
        self, message: MovesiaMessage, session_id: str | None = None
    ) -> PendingCommand[C] | None:
        """The pending command ``message`` answers; with ``session_id``, only a command
        of that session (an answer from another session's connection matches none)."""
        command = self._pending.get(message.id)
        if command is None and (rid := message.request_id) is not None:
            command = self._pending.get(rid)
        if command is not None and session_id is not None and command.session_id != session_id:
            return None
        return command

    def classify_orphan(
        self, message: MovesiaMessage, session_id: str | None = None
    ) -> ResponseKind | None:
        """For an envelope that matched no pending command: is it a stray response?

        With ``session_id``, a finished command of another session counts as unknown."""
        for key in (message.id, message.request_id):
            if key is None or (finished := self._finished.get(key)) is None:
                continue
            state, owner = finished
            if session_id is not None and owner != session_id:
                return ResponseKind.UNKNOWN
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

    def give_up(self, command: PendingCommand[C], state: CommandState) -> bool:
        """The caller stopped waiting (TIMED_OUT or CANCELLED). True when it was pending."""
        if command.id not in self._pending:
            return False
        self._finish(command, state)
        return True

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
                # Most likely never received, but an ack can die with the socket
                # (PROTOCOL.md 1.1 §6.1): never call a lost mutation safe to retry.
                hint = (
                    "Unity never acknowledged it, so it most likely never ran (an "
                    "acknowledgement can be lost with the connection); check before retrying"
                )
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

    def to_resend(
        self, session_id: str, *, dedup: bool = False, legacy: bool = True
    ) -> list[PendingCommand[C]]:
        """Detached commands of ``session_id`` to send again on its next connection."""
        acks = session_id in self._acking_sessions
        return [
            c
            for c in self._pending.values()
            if c.session_id == session_id
            and c.connection is None
            and should_resend(c, dedup=dedup, acks_commands=acks, legacy=legacy)
        ]

    def forget_session(self, session_id: str) -> None:
        self._acking_sessions.discard(session_id)

    def _finish(self, command: PendingCommand[C], state: CommandState) -> None:
        command.state = state
        self._pending.pop(command.id, None)
        self._finished[command.id] = (state, command.session_id)
        if len(self._finished) > self._remembered:
            self._finished.popitem(last=False)
