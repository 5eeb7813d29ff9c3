"""Command/response correlation and the command life-cycle (PROTOCOL.md §5, §6), no I/O.

Life-cycle of one command, the whole of it (``TRANSITIONS`` is the table)::

    SENT ──ack──▶ ACKED ──answer──▶ ANSWERED
      │             │
      ├─────────────┴─connection lost─▶ LOST        (the caller fails at once)
      │                              └▶ DETACHED    (reload-surviving: waits for the reload)
      │                                    │
      │                    next connection ▼
      │                                 ADOPTED ──ack──▶ ACKED, ──answer──▶ ANSWERED,
      │                                           ──lost again──▶ DETACHED
      ├──deadline passed──▶ TIMED_OUT       (from any state that is not final)
      └──caller gone──────▶ CANCELLED       (from any state that is not final)

A reload-surviving command whose connection died stays in the table, DETACHED, and its
deadline moves out to the reload's horizon. The session's next connection adopts it;
whether it is sent again there (resent) or only awaited (kept) is decided in one place,
``should_resend`` (PROTOCOL.md §6.1): always when it was never written to a socket; to an
editor with a ``dedup`` ledger, always; otherwise only when it is idempotent and an editor
that acks commands never acked it.

Deadlines live here too: ``due(now)`` hands out the commands whose deadline has passed and
``next_deadline()`` says when to look again, so that one sweep serves every command.

Answers, acks and ``error`` envelopes count only from a connection of the session the
command was sent to.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from ._envelope import MovesiaMessage, frame_text
from ._exceptions import ConnectionLostError, UnityCommandError

C = TypeVar("C", bound=Hashable)


class CommandState(Enum):
    SENT = "sent"
    ACKED = "acked"
    DETACHED = "detached"  # its connection died; waits for the session's next one
    ADOPTED = "adopted"  # the session's next connection took it over (resent or kept)
    ANSWERED = "answered"
    TIMED_OUT = "timed_out"
    LOST = "lost"
    CANCELLED = "cancelled"

    # Members are singletons compared by identity: hash them by identity too, in C,
    # rather than by name in Python (every transition looks two of them up).
    __hash__ = object.__hash__

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


_ENDS = frozenset({CommandState.TIMED_OUT, CommandState.LOST, CommandState.CANCELLED})

# state ─▶ the states it may move to. A final state moves nowhere.
TRANSITIONS: dict[CommandState, frozenset[CommandState]] = {
    CommandState.SENT: _ENDS | {CommandState.ACKED, CommandState.ANSWERED, CommandState.DETACHED},
    CommandState.ACKED: _ENDS | {CommandState.ANSWERED, CommandState.DETACHED},
    CommandState.DETACHED: _ENDS | {CommandState.ADOPTED, CommandState.ANSWERED},
    CommandState.ADOPTED: _ENDS
    | {CommandState.ACKED, CommandState.ANSWERED, CommandState.DETACHED},
    CommandState.ANSWERED: frozenset(),
    CommandState.TIMED_OUT: frozenset(),
    CommandState.LOST: frozenset(),
    CommandState.CANCELLED: frozenset(),
}


class IllegalTransition(RuntimeError):
    """A command was asked to move where its life-cycle does not go (a bug, not input)."""

    def __init__(self, command_id: str, current: CommandState, wanted: CommandState) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "nothing (final)"
        super().__init__(
            f"command {command_id}: no transition {current.value} -> {wanted.value}; "
            f"from {current.value} it may go to {allowed}"
        )
        self.current = current
        self.wanted = wanted


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
    # Clock time after which the caller gives up (inf: never); moved out on a reload.
    deadline: float = math.inf
    # Clock time the caller issued it (for the timeout's message).
    started: float = 0.0
    reloads: int = field(default=0)
    # Catalog ``idempotent``: running it twice leaves the project as running it once.
    idempotent: bool = False
    # False while the envelope has provably never been written to any socket.
    written: bool = True
    # Unity acknowledged it at some point (it stays true across a reload).
    acked: bool = False

    def __post_init__(self) -> None:
        if self.state is CommandState.ACKED:
            self.acked = True

    @property
    def delivered(self) -> bool:
        return self.acked

    def move(self, to: CommandState) -> None:
        """Take the transition to ``to``; ``IllegalTransition`` if the table has none."""
        if to not in TRANSITIONS[self.state]:
            raise IllegalTransition(self.id, self.state, to)
        self.state = to
        if to is CommandState.ACKED:
            self.acked = True

    def envelope(self, session: str | None) -> MovesiaMessage:
        return MovesiaMessage.create(
            self.command_type,
            {**self.params, "request_id": self.id},  # last: a param cannot override it
            session=session,
            msg_id=self.id,
        )

    def frame(self, session: str | None) -> str:
        """``envelope(session)`` as the frame's text."""
        return frame_text(
            self.command_type,
            self.id,
            {**self.params, "request_id": self.id},  # last: a param cannot override it
            session,
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
    never_acked = acks_commands and not command.acked
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
        # Deadlines, earliest first: (deadline, tie-break, command id). An entry whose
        # command finished or whose deadline moved is stale and skipped; the heap is
        # rebuilt when stale entries outnumber the live ones. Ids, not commands: a
        # finished command (its future, its answer) is freed at once, not at the rebuild.
        self._deadlines: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._stale = 0

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, command_id: object) -> bool:
        return command_id in self._pending

    def pending(self) -> list[PendingCommand[C]]:
        return list(self._pending.values())

    def add(self, command: PendingCommand[C]) -> None:
        self._pending[command.id] = command
        if command.deadline < math.inf:
            heapq.heappush(self._deadlines, (command.deadline, next(self._order), command.id))

    def for_session(self, session_id: str) -> list[PendingCommand[C]]:
        return [c for c in self._pending.values() if c.session_id == session_id]

    def has_pending(self, session_id: str) -> bool:
        return any(c.session_id == session_id for c in self._pending.values())

    def declare_acking(self, session_id: str) -> None:
        """The session's editor declared ``command_ack``."""
        self._acking_sessions.add(session_id)

    def acks_commands(self, session_id: str) -> bool:
        return session_id in self._acking_sessions

    # ── what Unity says ─────────────────────────────────────────────────────────────

    def ack(self, command_id: str, session_id: str | None = None) -> bool:
        """Mark ``command_id`` ACKED; with ``session_id``, only if it is that session's."""
        command = self._pending.get(command_id)
        if command is None or (session_id is not None and command.session_id != session_id):
            return False
        self._acking_sessions.add(command.session_id)
        if CommandState.ACKED in TRANSITIONS[command.state]:
            command.move(CommandState.ACKED)
        else:  # acked again, or while detached: remembered for the resend rule
            command.acked = True
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
            result = dict(body)
            result.pop("request_id", None)
            command.future.set_result(result)

    def fail_with_unity_error(
        self, command: PendingCommand[C], text: str, body: dict[str, Any]
    ) -> None:
        """Unity answered with an ``error`` envelope rather than a response body."""
        self._finish(command, CommandState.ANSWERED)
        if not command.future.done():
            command.future.set_exception(UnityCommandError(command.command_type, text, body))

    # ── what the caller and the clock say ───────────────────────────────────────────

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

    def next_deadline(self) -> float | None:
        """The earliest deadline of a pending command, or None."""
        heap = self._deadlines
        pending = self._pending
        while heap:
            deadline, _, command_id = heap[0]
            command = pending.get(command_id)
            if command is not None and command.deadline == deadline:
                return deadline
            heapq.heappop(heap)
            self._stale = max(0, self._stale - 1)
        return None

    def due(self, now: float) -> list[PendingCommand[C]]:
        """The pending commands whose deadline is ``now`` or earlier, earliest first.

        They stay pending: the caller times each out (``give_up``) with its message."""
        due: list[PendingCommand[C]] = []
        heap = self._deadlines
        while (deadline := self.next_deadline()) is not None and deadline <= now:
            due.append(self._pending[heapq.heappop(heap)[2]])
        return due

    def move_deadline(self, command: PendingCommand[C], deadline: float) -> None:
        """Give ``command`` a new deadline (a reload moves it out)."""
        if deadline == command.deadline:
            return
        command.deadline = deadline
        self._stale += 1
        if command.id in self._pending and deadline < math.inf:
            heapq.heappush(self._deadlines, (deadline, next(self._order), command.id))

    # ── what the connections do ─────────────────────────────────────────────────────

    def detach(
        self, connection: C, *, reason: str, hold_until: float | None = None
    ) -> list[PendingCommand[C]]:
        """``connection`` died. Fail its commands, except reload-surviving ones, which
        move to DETACHED and, with ``hold_until``, get a deadline no earlier than it.
        Returns the ones that stay."""
        kept: list[PendingCommand[C]] = []
        for command in [c for c in self._pending.values() if c.connection is connection]:
            command.connection = None
            if command.survives_reload:
                command.move(CommandState.DETACHED)
                command.reloads += 1
                if hold_until is not None:
                    self.move_deadline(command, max(command.deadline, hold_until))
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

    def adopt(
        self, connection: C, session_id: str, *, dedup: bool = False, legacy: bool = True
    ) -> list[PendingCommand[C]]:
        """``connection`` is the session's new one: its DETACHED commands move to it
        (ADOPTED). Returns the ones to send again on it (``should_resend``, §6.1)."""
        resend = self.to_resend(session_id, dedup=dedup, legacy=legacy)
        for command in self._pending.values():
            if command.session_id == session_id and command.connection is None:
                command.connection = connection  # answered after the reload, on this socket
                if command.state is CommandState.DETACHED:
                    command.move(CommandState.ADOPTED)
        return resend

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
        command.move(state)
        if self._pending.pop(command.id, None) is not None and command.deadline < math.inf:
            self._stale += 1
            if self._stale > 1024 and self._stale > 2 * len(self._pending):
                self._rebuild_deadlines()
        self._finished[command.id] = (state, command.session_id)
        if len(self._finished) > self._remembered:
            self._finished.popitem(last=False)

    def _rebuild_deadlines(self) -> None:
        self._deadlines = [
            (c.deadline, next(self._order), c.id)
            for c in self._pending.values()
            if c.deadline < math.inf
        ]
        heapq.heapify(self._deadlines)
        self._stale = 0
