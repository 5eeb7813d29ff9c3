"""Monotonic takeover per session (PROTOCOL.md §3.4)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from movesia_mcp._sessions import SessionTable


@dataclass(eq=False)
class Socket:
    """Stands in for one WebSocket; identity is what the table compares."""

    conn_seq: int


def test_first_connection_is_accepted() -> None:
    table: SessionTable[Socket] = SessionTable()
    socket = Socket(1)

    decision = table.accept("s", 1, socket)

    assert decision.accepted
    assert decision.supersede is None
    assert table.live("s") is socket


def test_equal_conn_seq_is_rejected_as_duplicate() -> None:
    table: SessionTable[Socket] = SessionTable()
    table.accept("s", 2, Socket(2))

    decision = table.accept("s", 2, Socket(2))

    assert not decision.accepted
    assert decision.supersede is None


def test_lower_conn_seq_is_rejected_as_duplicate() -> None:
    table: SessionTable[Socket] = SessionTable()
    table.accept("s", 5, Socket(5))

    assert not table.accept("s", 3, Socket(3)).accepted


def test_duplicate_rejection_reason_names_both_conn_seqs() -> None:
    table: SessionTable[Socket] = SessionTable()
    table.accept("s", 5, Socket(5))

    reason = table.accept("s", 3, Socket(3)).reason

    assert reason is not None
    assert "duplicate_session" in reason
    assert "3" in reason
    assert "5" in reason


def test_rejected_connection_leaves_live_connection_in_place() -> None:
    table: SessionTable[Socket] = SessionTable()
    live = Socket(5)
    table.accept("s", 5, live)

    table.accept("s", 5, Socket(5))

    assert table.live("s") is live
    assert table.live_conn_seq("s") == 5


def test_newer_conn_seq_supersedes() -> None:
    table: SessionTable[Socket] = SessionTable()
    old, new = Socket(1), Socket(2)
    table.accept("s", 1, old)

    decision = table.accept("s", 2, new)

    assert decision.accepted
    assert decision.supersede is old
    assert table.live("s") is new
    assert table.live_conn_seq("s") == 2


def test_supersede_reason_names_both_conn_seqs() -> None:
    table: SessionTable[Socket] = SessionTable()
    table.accept("s", 1, Socket(1))

    reason = table.accept("s", 9, Socket(9)).reason

    assert reason is not None
    assert "superseded" in reason
    assert "1" in reason
    assert "9" in reason


def test_sessions_take_over_independently() -> None:
    table: SessionTable[Socket] = SessionTable()
    a, b = Socket(5), Socket(1)
    table.accept("a", 5, a)

    decision = table.accept("b", 1, b)

    assert decision.accepted
    assert decision.supersede is None
    assert (table.live("a"), table.live("b"), len(table)) == (a, b, 2)


def test_releasing_live_connection_forgets_it() -> None:
    table: SessionTable[Socket] = SessionTable()
    socket = Socket(1)
    table.accept("s", 1, socket)

    assert table.release("s", socket)
    assert table.live("s") is None
    assert len(table) == 0


def test_releasing_superseded_connection_keeps_the_new_one_live() -> None:
    table: SessionTable[Socket] = SessionTable()
    old, new = Socket(1), Socket(2)
    table.accept("s", 1, old)
    table.accept("s", 2, new)

    assert not table.release("s", old)
    assert table.live("s") is new


def test_releasing_rejected_connection_keeps_the_live_one() -> None:
    table: SessionTable[Socket] = SessionTable()
    live, rejected = Socket(3), Socket(2)
    table.accept("s", 3, live)
    table.accept("s", 2, rejected)

    assert not table.release("s", rejected)
    assert table.live("s") is live


def test_releasing_unknown_session_is_a_no_op() -> None:
    table: SessionTable[Socket] = SessionTable()

    assert not table.release("nobody", Socket(1))


def test_after_release_a_lower_conn_seq_is_accepted() -> None:
    table: SessionTable[Socket] = SessionTable()
    first = Socket(4)
    table.accept("s", 4, first)
    table.release("s", first)

    assert table.accept("s", 1, Socket(1)).accepted


def test_is_live_is_true_only_for_the_live_connection() -> None:
    table: SessionTable[Socket] = SessionTable()
    old, new = Socket(1), Socket(2)
    table.accept("s", 1, old)
    table.accept("s", 2, new)

    assert (table.is_live("s", old), table.is_live("s", new)) == (False, True)


def _run_takeovers(order: list[int]) -> tuple[SessionTable[Socket], set[Socket]]:
    """Accept one socket per conn_seq in ``order``; return the table and the sockets still
    open after closing every one the table rejected or superseded."""
    table: SessionTable[Socket] = SessionTable()
    open_sockets: set[Socket] = set()
    for seq in order:
        socket = Socket(seq)
        decision = table.accept("s", seq, socket)
        if decision.accepted:
            open_sockets.add(socket)
        if decision.supersede is not None:
            open_sockets.discard(decision.supersede)
    return table, open_sockets


def test_any_accept_order_leaves_only_the_highest_conn_seq_live() -> None:
    for order in itertools.permutations([1, 2, 3, 4, 5]):
        table, open_sockets = _run_takeovers(list(order))

        live = table.live("s")
        assert live is not None
        assert open_sockets == {live}, order
        assert live.conn_seq == 5, order


@given(
    order=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=12),
    release_points=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_any_interleaving_of_accepts_and_releases_keeps_exactly_the_highest_live(
    order: list[int], release_points: list[bool]
) -> None:
    table: SessionTable[Socket] = SessionTable()
    open_sockets: set[Socket] = set()
    to_release: list[Socket] = []
    for seq, release_now in zip(order, release_points, strict=False):
        socket = Socket(seq)
        decision = table.accept("s", seq, socket)
        if decision.accepted:
            open_sockets.add(socket)
        else:
            to_release.append(socket)
        if decision.supersede is not None:
            open_sockets.discard(decision.supersede)
            to_release.append(decision.supersede)
        if release_now:  # the closed sockets' handlers run now rather than later
            for closed in to_release:
                assert not table.release("s", closed)
            to_release.clear()
    for closed in to_release:
        assert not table.release("s", closed)

    live = table.live("s")
    assert live is not None
    assert open_sockets == {live}
    assert live.conn_seq == max(order)
    assert table.live_conn_seq("s") == max(order)
