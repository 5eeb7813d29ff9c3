"""The router's decision table, one protocol rule per test, with no sockets
(PROTOCOL.md §2, §4 to §7; README "What this project settles")."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from movesia_mcp._commands import CommandState, CommandTable, PendingCommand
from movesia_mcp._envelope import ACK_REQUIRED_TYPES
from movesia_mcp._exceptions import UnityCommandError
from movesia_mcp._router import Acked, Answered, Event, MessageRouter, Rejected, Reply


@dataclass(frozen=True)
class FakePeer:
    session_id: str = "s"
    legacy: bool = False
    label: str = "session=s conn=1 project=Game"


def frame(kind: str, msg_id: str = "m-1", body: dict[str, Any] | None = None) -> str:
    return json.dumps({"type": kind, "id": msg_id, "body": body or {}, "session": "s"})


def pending(
    table: CommandTable[Any], command_id: str = "r-1", session: str = "s"
) -> PendingCommand[Any]:
    command: PendingCommand[Any] = PendingCommand(
        id=command_id,
        command_type="get_hierarchy",
        session_id=session,
        params={},
        survives_reload=False,
        future=asyncio.get_running_loop().create_future(),
        connection="conn",
    )
    table.add(command)
    return command


@pytest.fixture
def table() -> CommandTable[Any]:
    return CommandTable()


@pytest.fixture
def router(table: CommandTable[Any]) -> MessageRouter[Any]:
    return MessageRouter(table)


def test_hb_gets_a_pong_with_the_same_id(router: MessageRouter[Any]) -> None:
    [outcome] = router.receive(FakePeer(), frame("hb", "beat-7"))

    assert isinstance(outcome, Reply)
    assert outcome.frame.type == "pong"
    assert outcome.frame.id == "beat-7"
    assert outcome.frame.session == "s"


def test_pong_is_activity_only(router: MessageRouter[Any]) -> None:
    assert router.receive(FakePeer(), frame("pong")) == []


def test_bad_json_is_rejected_with_an_error_envelope_to_send_back(
    router: MessageRouter[Any],
) -> None:
    [outcome] = router.receive(FakePeer(), "{not json")

    assert isinstance(outcome, Rejected)
    assert outcome.code == "invalid_json"
    assert outcome.reply is not None
    assert outcome.reply.type == "error"
    assert outcome.reply.body["code"] == "invalid_json"
    assert outcome.reply.body["message"]


def test_envelope_without_id_is_rejected_as_missing_id(router: MessageRouter[Any]) -> None:
    [outcome] = router.receive(FakePeer(), json.dumps({"type": "scene_saved"}))

    assert isinstance(outcome, Rejected)
    assert outcome.code == "missing_id"


async def test_a_rejected_frame_loses_nothing_pending(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    router.receive(FakePeer(), b"\xff\xfe")

    assert "r-1" in table
    assert command.state is CommandState.SENT
    assert not command.future.done()


@pytest.mark.parametrize("kind", sorted(ACK_REQUIRED_TYPES))
def test_ack_required_types_get_an_ack_before_routing(
    router: MessageRouter[Any], kind: str
) -> None:
    outcomes = router.receive(FakePeer(), frame(kind, "ev-1"))

    assert len(outcomes) == 2
    ack, event = outcomes
    assert isinstance(ack, Reply)
    assert (ack.frame.type, ack.frame.id, ack.frame.body) == ("ack", "ev-1", {"type": kind})
    assert isinstance(event, Event)
    assert event.message.type == kind


async def test_an_event_is_never_an_answer_even_with_a_pending_request_id(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    outcomes = router.receive(FakePeer(), frame("scene_saved", "r-1", {"request_id": "r-1"}))

    assert [type(o) for o in outcomes] == [Reply, Event]
    assert not command.future.done()


def test_other_event_types_are_events_without_an_ack(router: MessageRouter[Any]) -> None:
    [outcome] = router.receive(FakePeer(), frame("console_log", "ev-2", {"text": "hi"}))

    assert isinstance(outcome, Event)
    assert outcome.message.body == {"text": "hi"}


async def test_response_by_envelope_id_answers_the_pending_command(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    [outcome] = router.receive(FakePeer(), frame("get_hierarchy_response", "r-1", {"n": 3}))

    assert outcome == Answered(command)
    assert command.state is CommandState.ANSWERED
    assert command.future.result() == {"n": 3}
    assert "r-1" not in table


async def test_response_by_body_request_id_answers_the_pending_command(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    router.receive(FakePeer(), frame("compilation_complete", "other", {"request_id": "r-1"}))

    assert command.future.result() == {}


async def test_response_with_an_error_fails_the_caller_with_unitys_message(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    router.receive(FakePeer(), frame("x_response", "r-1", {"error": "no such object"}))

    error = command.future.exception()
    assert isinstance(error, UnityCommandError)
    assert "no such object" in str(error)


async def test_ack_marks_the_command_acked(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    outcomes = router.receive(FakePeer(), frame("ack", "r-1"))

    assert outcomes == [Acked("r-1")]
    assert command.state is CommandState.ACKED
    assert command.delivered
    assert table.acks_commands("s")


def test_ack_for_an_unknown_command_is_ignored(router: MessageRouter[Any]) -> None:
    assert router.receive(FakePeer(), frame("ack", "nobody")) == []


async def test_ack_from_a_foreign_connection_is_ignored(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table, session="other")

    assert router.receive(FakePeer(), frame("ack", "r-1")) == []
    assert command.state is CommandState.SENT


async def test_answer_from_foreign_connection_is_rejected(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table, session="other")

    [outcome] = router.receive(FakePeer(), frame("x_response", "r-1", {"request_id": "r-1"}))

    assert isinstance(outcome, Rejected)
    assert outcome.code == "unknown_request"
    assert outcome.ref_id == "r-1"
    assert not command.future.done()


async def test_unity_error_envelope_fails_the_command_it_names_by_ref_id(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)

    [outcome] = router.receive(
        FakePeer(), frame("error", "e-1", {"ref_id": "r-1", "message": "bad params"})
    )

    assert outcome == Answered(command)
    error = command.future.exception()
    assert isinstance(error, UnityCommandError)
    assert "bad params" in str(error)


def test_unity_error_envelope_naming_nothing_is_only_logged(router: MessageRouter[Any]) -> None:
    assert router.receive(FakePeer(), frame("error", "e-1", {"message": "oops"})) == []


async def test_second_answer_is_rejected_as_duplicate_response(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    pending(table)
    router.receive(FakePeer(), frame("x_response", "r-1"))

    [outcome] = router.receive(FakePeer(), frame("x_response", "r-1"))

    assert isinstance(outcome, Rejected)
    assert outcome.code == "duplicate_response"
    assert outcome.reply is not None
    assert outcome.reply.body["ref_id"] == "r-1"


def test_response_naming_no_command_is_rejected_as_unknown_request(
    router: MessageRouter[Any],
) -> None:
    [outcome] = router.receive(FakePeer(), frame("x_response", "ghost"))

    assert isinstance(outcome, Rejected)
    assert outcome.code == "unknown_request"
    assert outcome.reply is not None


async def test_late_answer_to_a_forgotten_command_gets_unknown_request(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)
    table.give_up(command, CommandState.TIMED_OUT)

    [outcome] = router.receive(FakePeer(), frame("x_response", "r-1"))

    assert isinstance(outcome, Rejected)
    assert outcome.code == "unknown_request"
    assert outcome.reply is not None
    assert "no longer pending" in outcome.reply.body["message"]


async def test_late_answer_to_a_version_1_editor_is_dropped_silently(
    router: MessageRouter[Any], table: CommandTable[Any]
) -> None:
    command = pending(table)
    table.give_up(command, CommandState.CANCELLED)

    [outcome] = router.receive(FakePeer(legacy=True), frame("x_response", "r-1"))

    assert isinstance(outcome, Rejected)
    assert outcome.reply is None
