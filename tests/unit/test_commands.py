"""Command/response correlation and command life-cycle (PROTOCOL.md §5, §6)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from movesia_mcp._commands import CommandState, CommandTable, PendingCommand, ResponseKind
from movesia_mcp._envelope import MovesiaMessage
from movesia_mcp._exceptions import ConnectionLostError, UnityCommandError

SOCKET = "socket-1"
OTHER_SOCKET = "socket-2"


def send(
    table: CommandTable[str],
    command_id: str = "r-1",
    *,
    command_type: str = "get_hierarchy",
    session: str = "s",
    survives_reload: bool = False,
    connection: str | None = SOCKET,
    params: dict[str, Any] | None = None,
) -> PendingCommand[str]:
    command: PendingCommand[str] = PendingCommand(
        id=command_id,
        command_type=command_type,
        session_id=session,
        params=params or {},
        survives_reload=survives_reload,
        future=asyncio.get_running_loop().create_future(),
        connection=connection,
    )
    table.add(command)
    return command


def response(
    msg_id: str, body: dict[str, Any] | None = None, msg_type: str = "get_hierarchy_response"
) -> MovesiaMessage:
    return MovesiaMessage.create(msg_type, body, source="unity", msg_id=msg_id)


# sending


async def test_new_command_is_sent_and_pending() -> None:
    table: CommandTable[str] = CommandTable()

    command = send(table)

    assert command.state is CommandState.SENT
    assert "r-1" in table


async def test_command_envelope_id_equals_body_request_id() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, "r-7", params={"path": "/"})

    envelope = command.envelope("s")

    assert (envelope.id, envelope.body) == ("r-7", {"request_id": "r-7", "path": "/"})


async def test_command_frame_is_the_envelope_text() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, "r-8", params={"path": "/", "request_id": "forged", "n": 2**70})

    sent = json.loads(command.frame("s"))
    built = json.loads(command.envelope("s").to_json())

    assert list(sent) == list(built) == ["v", "source", "type", "ts", "id", "body", "session"]
    assert abs(sent.pop("ts") - built.pop("ts")) <= 1  # both read the wall clock
    assert sent == built
    assert sent["body"] == {"path": "/", "request_id": "r-8", "n": 2**70}


# ack


async def test_ack_moves_sent_to_acked() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    assert table.ack("r-1")
    assert command.state is CommandState.ACKED


async def test_ack_of_unknown_command_is_refused() -> None:
    table: CommandTable[str] = CommandTable()

    assert not table.ack("nope")


# responses


async def test_response_is_matched_by_envelope_id() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    assert table.response_for(response("r-1")) is command


async def test_response_is_matched_by_body_request_id() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    assert table.response_for(response("other-id", {"request_id": "r-1"})) is command


async def test_answer_resolves_future_with_body_minus_request_id() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    table.answer(command, {"request_id": "r-1", "success": True, "nodes": [1, 2]})

    assert command.future.result() == {"success": True, "nodes": [1, 2]}


async def test_answered_command_leaves_the_table() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    table.answer(command, {})

    assert command.state is CommandState.ANSWERED
    assert len(table) == 0


async def test_acked_command_is_answered_normally() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)
    table.ack("r-1")

    table.answer(command, {"ok": 1})

    assert command.future.result() == {"ok": 1}


async def test_error_body_fails_with_unity_command_error_carrying_unitys_message() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, command_type="create_script")

    table.answer(command, {"request_id": "r-1", "error": "Script already exists"})

    with pytest.raises(UnityCommandError) as caught:
        command.future.result()
    assert caught.value.unity_message == "Script already exists"
    assert caught.value.command_type == "create_script"
    assert "Script already exists" in str(caught.value)


async def test_success_false_fails_with_unity_command_error_carrying_unitys_message() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    table.answer(command, {"success": False, "message": "No such GameObject"})

    with pytest.raises(UnityCommandError) as caught:
        command.future.result()
    assert caught.value.unity_message == "No such GameObject"


async def test_success_false_without_message_still_fails() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    table.answer(command, {"success": False})

    with pytest.raises(UnityCommandError):
        command.future.result()


async def test_unity_command_error_keeps_the_whole_body() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)
    body = {"error": "boom", "details": {"line": 3}}

    table.answer(command, body)

    with pytest.raises(UnityCommandError) as caught:
        command.future.result()
    assert caught.value.body == body


# connection lost


async def test_detach_fails_unacked_command_as_not_delivered() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    kept = table.detach(SOCKET, reason="closed 1006")

    assert kept == []
    with pytest.raises(ConnectionLostError) as caught:
        command.future.result()
    assert caught.value.delivered is False
    assert command.state is CommandState.LOST


async def test_detach_fails_acked_command_as_delivered() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)
    table.ack("r-1")

    table.detach(SOCKET, reason="closed 1006")

    with pytest.raises(ConnectionLostError) as caught:
        command.future.result()
    assert caught.value.delivered is True


async def test_connection_lost_message_names_the_command_and_reason() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, command_type="delete_gameobject")

    table.detach(SOCKET, reason="closed 1006")

    with pytest.raises(ConnectionLostError, match=r"delete_gameobject.*closed 1006"):
        command.future.result()


async def test_detach_keeps_reload_surviving_command_pending_and_detached() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, command_type="refresh_assets", survives_reload=True)

    kept = table.detach(SOCKET, reason="domain reload")

    assert kept == [command]
    assert not command.future.done()
    assert command.connection is None
    assert command.reloads == 1
    assert "r-1" in table


async def test_detach_leaves_other_connections_commands_alone() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, connection=OTHER_SOCKET)

    table.detach(SOCKET, reason="closed")

    assert not command.future.done()
    assert command.connection == OTHER_SOCKET


async def test_surviving_command_is_answered_after_reload_with_original_id() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table, survives_reload=True)
    table.detach(SOCKET, reason="domain reload")

    matched = table.response_for(response("r-1", {"ok": True}, msg_type="compilation_complete"))

    assert matched is command


# resending after reconnect


async def test_to_resend_returns_never_acked_detached_commands() -> None:
    table: CommandTable[str] = CommandTable()
    earlier = send(table, "r-0")
    table.ack("r-0")
    table.answer(earlier, {})
    command = send(table, "r-1", survives_reload=True)
    table.detach(SOCKET, reason="domain reload")

    assert table.to_resend("s") == [command]


async def test_to_resend_skips_acked_commands() -> None:
    table: CommandTable[str] = CommandTable()
    send(table, "r-1", survives_reload=True)
    table.ack("r-1")
    table.detach(SOCKET, reason="domain reload")

    assert table.to_resend("s") == []


async def test_to_resend_skips_attached_commands() -> None:
    table: CommandTable[str] = CommandTable()
    send(table, "r-0")
    table.ack("r-0")
    send(table, "r-1", survives_reload=True)

    assert table.to_resend("s") == []


async def test_to_resend_is_empty_for_a_session_that_never_acked() -> None:
    table: CommandTable[str] = CommandTable()
    send(table, "r-1", survives_reload=True)
    table.detach(SOCKET, reason="domain reload")

    assert table.to_resend("s") == []


async def test_to_resend_returns_only_the_sessions_own_commands() -> None:
    table: CommandTable[str] = CommandTable()
    send(table, "r-0", session="a")
    table.ack("r-0")
    send(table, "r-1", session="a", survives_reload=True)
    send(table, "r-2", session="b", survives_reload=True, connection=OTHER_SOCKET)
    table.detach(SOCKET, reason="domain reload")
    table.detach(OTHER_SOCKET, reason="domain reload")

    assert [c.id for c in table.to_resend("a")] == ["r-1"]


# stray responses


async def test_second_response_to_answered_command_is_duplicate() -> None:
    table: CommandTable[str] = CommandTable()
    table.answer(send(table), {})

    assert table.classify_orphan(response("r-1")) is ResponseKind.DUPLICATE


async def test_duplicate_is_recognised_by_body_request_id() -> None:
    table: CommandTable[str] = CommandTable()
    table.answer(send(table), {})

    orphan = response("fresh-id", {"request_id": "r-1"}, msg_type="compilation_complete")

    assert table.classify_orphan(orphan) is ResponseKind.DUPLICATE


async def test_response_after_timeout_is_late() -> None:
    table: CommandTable[str] = CommandTable()
    table.give_up(send(table), CommandState.TIMED_OUT)

    assert table.classify_orphan(response("r-1")) is ResponseKind.LATE


async def test_response_after_cancel_is_late() -> None:
    table: CommandTable[str] = CommandTable()
    table.give_up(send(table), CommandState.CANCELLED)

    assert table.classify_orphan(response("r-1")) is ResponseKind.LATE


async def test_given_up_command_leaves_the_table() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)

    table.give_up(command, CommandState.TIMED_OUT)

    assert command.state is CommandState.TIMED_OUT
    assert "r-1" not in table


async def test_giving_up_an_answered_command_keeps_it_answered() -> None:
    table: CommandTable[str] = CommandTable()
    command = send(table)
    table.answer(command, {})

    table.give_up(command, CommandState.TIMED_OUT)

    assert command.state is CommandState.ANSWERED
    assert table.classify_orphan(response("r-1")) is ResponseKind.DUPLICATE


async def test_unmatched_response_type_is_unknown() -> None:
    table: CommandTable[str] = CommandTable()

    assert table.classify_orphan(response("never-sent")) is ResponseKind.UNKNOWN


async def test_unmatched_body_request_id_is_unknown() -> None:
    table: CommandTable[str] = CommandTable()
    orphan = response("m-1", {"request_id": "never-sent"}, msg_type="compilation_complete")

    assert table.classify_orphan(orphan) is ResponseKind.UNKNOWN


async def test_domain_event_is_not_a_stray_response() -> None:
    table: CommandTable[str] = CommandTable()
    event = MovesiaMessage.create("scene_saved", {"path": "Assets/Main.unity"}, source="unity")

    assert table.classify_orphan(event) is None


async def test_finished_commands_are_remembered_only_up_to_the_limit() -> None:
    table: CommandTable[str] = CommandTable(remembered=2)
    for command_id in ("r-1", "r-2", "r-3"):
        table.answer(send(table, command_id), {})

    assert table.classify_orphan(response("r-1")) is ResponseKind.UNKNOWN
    assert table.classify_orphan(response("r-3")) is ResponseKind.DUPLICATE
