"""Fuzzing the session table (PROTOCOL.md §3.4, monotonic takeover).

Arbitrary interleavings of ``accept`` and ``release`` over a few sessions, checked
against a model after every step: at most one live connection per session, and the
live one carries the highest ``conn_seq`` accepted since the session became live.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
)

from movesia_mcp._sessions import SessionTable

from .conftest import count, fuzz_settings

SESSIONS = st.sampled_from(["a", "b", "c", "d"])
CONN_SEQS = st.one_of(st.integers(min_value=-3, max_value=12), st.integers())


@dataclass(eq=False)
class Socket:
    """Stands in for one WebSocket; the table compares by identity."""

    session: str
    conn_seq: int


@dataclass
class Period:
    """One stretch of a session being live: who is live, every conn_seq accepted."""

    live: Socket
    accepted: list[int] = field(default_factory=list)


class TakeoverMachine(RuleBasedStateMachine):
    sockets = Bundle("sockets")

    def __init__(self) -> None:
        super().__init__()
        count("session_table")
        self.table: SessionTable[Socket] = SessionTable()
        self.periods: dict[str, Period] = {}

    @rule(target=sockets, session=SESSIONS, conn_seq=CONN_SEQS)
    def accept(self, session: str, conn_seq: int) -> Socket:
        socket = Socket(session, conn_seq)
        before = self.periods.get(session)
        decision = self.table.accept(session, conn_seq, socket)
        if before is None:
            assert decision.accepted
            assert decision.supersede is None
            self.periods[session] = Period(socket, [conn_seq])
        elif conn_seq > before.live.conn_seq:
            assert decision.accepted
            assert decision.supersede is before.live
            assert decision.reason is not None
            assert "superseded" in decision.reason
            before.live = socket
            before.accepted.append(conn_seq)
        else:
            assert not decision.accepted
            assert decision.supersede is None
            assert decision.reason is not None
            assert "duplicate_session" in decision.reason
            assert str(conn_seq) in decision.reason
            assert str(before.live.conn_seq) in decision.reason
        return socket

    @rule(socket=sockets)
    def release(self, socket: Socket) -> None:
        period = self.periods.get(socket.session)
        was_live = period is not None and period.live is socket
        assert self.table.release(socket.session, socket) is was_live
        if was_live:
            del self.periods[socket.session]

    @rule(socket=consumes(sockets))
    def release_and_forget(self, socket: Socket) -> None:
        self.release(socket)

    @rule(target=sockets, session=SESSIONS, conn_seqs=st.lists(CONN_SEQS, min_size=2, max_size=5))
    def race(self, session: str, conn_seqs: list[int]) -> object:
        """Several connections of one session arrive back to back."""
        return multiple(*(self.accept(session, seq) for seq in conn_seqs))

    @invariant()
    def one_live_connection_with_the_highest_conn_seq(self) -> None:
        items = self.table.items()
        sessions = [sid for sid, _ in items]
        assert len(sessions) == len(set(sessions))  # at most one live per session
        assert len(self.table) == len(self.periods)
        for session in ("a", "b", "c", "d"):
            period = self.periods.get(session)
            live = self.table.live(session)
            if period is None:
                assert live is None
                assert self.table.live_conn_seq(session) is None
                continue
            assert live is period.live
            assert self.table.is_live(session, live)
            assert self.table.live_conn_seq(session) == live.conn_seq == max(period.accepted)


TakeoverMachine.TestCase.settings = fuzz_settings("session_table", stateful_step_count=40)
test_takeover_keeps_one_live_connection_per_session = TakeoverMachine.TestCase
