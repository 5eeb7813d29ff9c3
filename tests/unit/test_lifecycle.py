"""The command life-cycle table and the deadline sweep's bookkeeping, with no sockets
(PROTOCOL.md §5, §6, §6.1; ``commands.TRANSITIONS``)."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from movesia_mcp._commands import (
    TRANSITIONS,
    CommandState,
    CommandTable,
    IllegalTransition,
    PendingCommand,
)
from movesia_mcp._exceptions import ConnectionLostError

S = CommandState
FINAL = {S.ANSWERED, S.TIMED_OUT, S.LOST, S.CANCELLED}


def command(
    command_id: str = "r-1",
    *,
    connection: Any = "old",
    survives_reload: bool = True,
    deadline: float = math.inf,
    session: str = "s",
) -> PendingCommand[Any]:
    return PendingCommand(
        id=command_id,
        command_type="write_script",
        session_id=session,
        params={},
        survives_reload=survives_reload,
        future=asyncio.get_running_loop().create_future(),
        connection=connection,
        deadline=deadline,
    )


# ── the table itself ────────────────────────────────────────────────────────────────


def test_every_state_has_a_row_and_final_states_go_nowhere() -> None:
    assert set(TRANSITIONS) == set(CommandState)
    for state in CommandState:
        assert state.is_final is (state in FINAL), state
        assert all(target in CommandState for target in TRANSITIONS[state])


def test_every_live_state_can_time_out_be_lost_or_cancelled() -> None:
    for state in set(CommandState) - FINAL:
        assert {S.TIMED_OUT, S.LOST, S.CANCELLED} <= TRANSITIONS[state], state


def test_only_a_detached_command_can_be_adopted() -> None:
    assert [s for s in CommandState if S.ADOPTED in TRANSITIONS[s]] == [S.DETACHED]


async def test_an_illegal_transition_raises_a_clear_error() -> None:
    pending = command()
    pending.move(S.ANSWERED)

    with pytest.raises(IllegalTransition) as caught:
        pending.move(S.ACKED)

    assert "answered -> acked" in str(caught.value)
    assert "final" in str(caught.value)
    assert pending.state is S.ANSWERED


async def test_sent_cannot_be_adopted_without_being_detached() -> None:
    with pytest.raises(IllegalTransition, match="sent -> adopted"):
        command().move(S.ADOPTED)


# ── detach and adopt ────────────────────────────────────────────────────────────────


async def test_reload_surviving_command_is_detached_when_its_connection_dies() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)

    kept = table.detach("old", reason="closed")

    assert kept == [pending]
    assert pending.state is S.DETACHED
    assert pending.connection is None
    assert pending.reloads == 1
    assert "r-1" in table


async def test_other_commands_are_lost_when_their_connection_dies() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command(survives_reload=False)
    table.add(pending)

    assert table.detach("old", reason="closed") == []
    assert pending.state is S.LOST
    assert isinstance(pending.future.exception(), ConnectionLostError)


async def test_detach_moves_the_deadline_out_to_the_reload_horizon() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command(deadline=105.0)
    table.add(pending)

    table.detach("old", reason="reload", hold_until=220.0)

    assert pending.deadline == 220.0
    assert table.next_deadline() == 220.0
    assert table.due(150.0) == []


async def test_detach_never_moves_a_deadline_earlier() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command(deadline=300.0)
    table.add(pending)

    table.detach("old", reason="reload", hold_until=220.0)

    assert pending.deadline == 300.0


async def test_adoption_gives_detached_commands_to_the_new_connection() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)
    table.detach("old", reason="reload")

    resend = table.adopt("new", "s", dedup=True, legacy=False)

    assert resend == [pending]  # dedup: resent (§6.1)
    assert pending.state is S.ADOPTED
    assert pending.connection == "new"


async def test_adoption_keeps_an_acked_command_without_resending_it() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)
    table.ack("r-1", "s")
    table.detach("old", reason="reload")

    resend = table.adopt("new", "s", dedup=False, legacy=True)

    assert resend == []
    assert pending.state is S.ADOPTED
    assert pending.delivered  # the ack is remembered across the reload


async def test_adoption_leaves_other_sessions_alone() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command(session="other")
    table.add(pending)
    table.detach("old", reason="reload")

    assert table.adopt("new", "s", dedup=True) == []
    assert pending.state is S.DETACHED
    assert pending.connection is None


async def test_an_adopted_command_is_detached_again_by_a_second_reload() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)
    table.detach("old", reason="reload")
    table.adopt("new", "s")

    table.detach("new", reason="reload again")

    assert pending.state is S.DETACHED
    assert pending.reloads == 2


async def test_an_adopted_command_can_be_acked_and_answered_on_the_new_connection() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)
    table.detach("old", reason="reload")
    table.adopt("new", "s")

    assert table.ack("r-1", "s")
    acked = pending.state
    table.answer(pending, {"ok": True})

    assert acked is S.ACKED
    assert pending.state is S.ANSWERED
    assert pending.future.result() == {"ok": True}


# ── deadlines: one sweep for every command ──────────────────────────────────────────


async def test_due_hands_out_commands_past_their_deadline_earliest_first() -> None:
    table: CommandTable[Any] = CommandTable()
    late, early, later = (
        command("a", deadline=20.0),
        command("b", deadline=10.0),
        command("c", deadline=30.0),
    )
    for pending in (late, early, later):
        table.add(pending)

    assert table.next_deadline() == 10.0
    assert table.due(25.0) == [early, late]
    assert table.next_deadline() == 30.0


async def test_answered_commands_are_never_due() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command(deadline=10.0)
    table.add(pending)
    table.answer(pending, {})

    assert table.due(100.0) == []
    assert table.next_deadline() is None


async def test_a_command_without_a_deadline_is_never_due() -> None:
    table: CommandTable[Any] = CommandTable()
    table.add(command())

    assert table.next_deadline() is None
    assert table.due(1e12) == []


async def test_many_finished_commands_do_not_pile_up_in_the_deadline_heap() -> None:
    table: CommandTable[Any] = CommandTable()
    loop_future = asyncio.get_running_loop().create_future
    for n in range(5000):
        pending: PendingCommand[Any] = PendingCommand(
            f"r-{n}", "echo", "s", {}, False, loop_future(), "c", deadline=1000.0 + n
        )
        table.add(pending)
        table.answer(pending, {})

    assert len(table._deadlines) <= 2048
    assert table.next_deadline() is None
