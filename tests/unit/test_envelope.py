"""The wire envelope (PROTOCOL.md §2), close codes (§9) and the ACK set (§5)."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from movesia_mcp._envelope import (
    ACK_REQUIRED_TYPES,
    CloseCode,
    ConnectionSource,
    MovesiaMessage,
    decode_frame,
    error_message,
    new_id,
    parse_envelope,
)
from movesia_mcp._exceptions import EnvelopeError

ENVELOPE_FIELDS = {"v", "source", "type", "ts", "id", "body", "session"}


def inbound(**fields: object) -> dict[str, object]:
    return {"type": "scene_saved", "id": "m-1", **fields}


# MovesiaMessage.create / to_dict / to_json


def test_created_message_is_server_originated() -> None:
    message = MovesiaMessage.create("welcome")

    assert message.source == "mcp"


def test_created_message_has_protocol_version_1() -> None:
    assert MovesiaMessage.create("welcome").v == 1


def test_created_message_defaults_to_empty_body() -> None:
    assert MovesiaMessage.create("welcome").body == {}


def test_created_message_gets_a_fresh_non_empty_id() -> None:
    first = MovesiaMessage.create("welcome")
    second = MovesiaMessage.create("welcome")

    assert first.id
    assert first.id != second.id


def test_new_ids_have_the_shape_of_uuid4_hex_and_never_repeat() -> None:
    ids = [new_id() for _ in range(10_000)]

    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_process_draws_ids_of_its_own() -> None:
    # A child that kept the parent's id sequence would repeat the parent's next ids.
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next ids, then leave at once
        os.write(write, " ".join(new_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [new_id() for _ in range(3)]

    assert len(child) == 3
    assert not set(child) & set(parent)
    assert child[0][:16] != parent[0][:16]  # not the same sequence shifted


def test_created_message_keeps_an_explicit_id() -> None:
    assert MovesiaMessage.create("pong", msg_id="hb-7").id == "hb-7"


def test_created_message_is_stamped_with_current_unix_seconds() -> None:
    before = int(time.time())
    message = MovesiaMessage.create("welcome")
    after = int(time.time())

    assert before <= message.ts <= after


def test_created_message_source_enum_serialises_as_its_value() -> None:
    message = MovesiaMessage.create("query_hierarchy", source=ConnectionSource.VSCODE)

    assert message.to_dict()["source"] == "vscode"


def test_to_dict_carries_every_envelope_field() -> None:
    message = MovesiaMessage.create("welcome", {"a": 1}, session="s-1", msg_id="w-1")

    assert message.to_dict() == {
        "v": 1,
        "source": "mcp",
        "type": "welcome",
        "ts": message.ts,
        "id": "w-1",
        "body": {"a": 1},
        "session": "s-1",
    }


def test_to_dict_carries_session_field_even_when_unset() -> None:
    data = MovesiaMessage.create("welcome").to_dict()

    assert set(data) == ENVELOPE_FIELDS
    assert data["session"] is None


def test_to_json_round_trips_to_to_dict() -> None:
    message = MovesiaMessage.create("welcome", {"nested": {"x": [1, 2]}}, session="s-1")

    assert json.loads(message.to_json()) == message.to_dict()


def test_to_json_output_parses_back_into_an_equal_envelope() -> None:
    message = MovesiaMessage.create("get_scene", {"request_id": "r-1"}, session="s", msg_id="r-1")

    assert parse_envelope(decode_frame(message.to_json())) == message


def test_request_id_reads_body_request_id() -> None:
    message = MovesiaMessage.create("x_response", {"request_id": "r-9"})

    assert message.request_id == "r-9"


def test_request_id_is_none_when_body_request_id_is_not_a_string() -> None:
    assert MovesiaMessage.create("x_response", {"request_id": 9}).request_id is None


# decode_frame


def test_text_frame_decodes_to_json() -> None:
    assert decode_frame('{"type": "hb", "id": "1"}') == {"type": "hb", "id": "1"}


def test_binary_utf8_frame_is_treated_like_a_text_frame() -> None:
    text = '{"type": "scene_saved", "id": "1", "body": {"name": "Café"}}'

    assert decode_frame(text.encode("utf-8")) == decode_frame(text)


def test_binary_frame_that_is_not_utf8_is_rejected_as_invalid_utf8() -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_frame(b"\xff\xfe{}")

    assert caught.value.code == "invalid_utf8"


def test_frame_that_is_not_json_is_rejected_as_invalid_json() -> None:
    with pytest.raises(EnvelopeError) as caught:
        decode_frame("{not json")

    assert caught.value.code == "invalid_json"


# parse_envelope: accepted shapes and defaults


def test_minimal_envelope_gets_documented_defaults() -> None:
    message = parse_envelope({"type": "scene_saved", "id": "m-1"})

    assert (message.v, message.source, message.body, message.session) == (1, "unity", {}, None)


def test_missing_ts_defaults_to_now() -> None:
    before = int(time.time())
    message = parse_envelope(inbound())
    after = int(time.time())

    assert before <= message.ts <= after


def test_full_envelope_keeps_every_field() -> None:
    data = {
        "v": 1,
        "source": "electron",
        "type": "selection_changed",
        "ts": 1703000000,
        "id": "m-2",
        "body": {"ids": [1]},
        "session": "abc12345",
    }

    assert parse_envelope(data).to_dict() == data


# parse_envelope: rejections (each rule its own code)


@pytest.mark.parametrize("data", [[], "text", 3, None, True], ids=repr)
def test_non_object_is_rejected_as_not_an_object(data: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)

    assert caught.value.code == "not_an_object"


@pytest.mark.parametrize("version", [0, 2, "1", True, None], ids=repr)
def test_version_other_than_1_is_rejected_as_unsupported_version(version: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(v=version))

    assert caught.value.code == "unsupported_version"


@pytest.mark.parametrize("msg_type", [None, "", 5], ids=repr)
def test_missing_or_empty_type_is_rejected_as_missing_type(msg_type: object) -> None:
    data = inbound(type=msg_type)

    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)

    assert caught.value.code == "missing_type"


# 1.1: ``"id": null`` is the Movesia package's shape and gets an id (see below); an
# absent, empty or non-string id is still rejected.
@pytest.mark.parametrize("msg_id", ["", 17], ids=repr)
def test_missing_or_empty_id_is_rejected_as_missing_id(msg_id: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(id=msg_id))

    assert caught.value.code == "missing_id"


def test_absent_id_is_rejected_as_missing_id() -> None:
    data = inbound()
    del data["id"]
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)

    assert caught.value.code == "missing_id"


def test_null_id_is_given_a_fresh_id() -> None:
    first = parse_envelope(inbound(type="hb", id=None))
    second = parse_envelope(inbound(type="hb", id=None))

    assert isinstance(first.id, str)
    assert len(first.id) == 32
    assert first.id != second.id


def test_ts_in_milliseconds_is_read_as_seconds() -> None:
    assert parse_envelope(inbound(ts=1_703_000_000_123)).ts == 1_703_000_000
    assert parse_envelope(inbound(ts=1_703_000_000)).ts == 1_703_000_000


@pytest.mark.parametrize("body", [[], "text", 1], ids=repr)
def test_non_object_body_is_rejected_as_invalid_body(body: object) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(body=body))

    assert caught.value.code == "invalid_body"


def test_non_string_session_is_rejected_as_invalid_session() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(session=42))

    assert caught.value.code == "invalid_session"


def test_non_string_source_is_rejected_as_invalid_source() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(source=1))

    assert caught.value.code == "invalid_source"


def test_rejection_carries_the_envelope_id_as_ref_id() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(inbound(id="m-bad", body=[]))

    assert caught.value.ref_id == "m-bad"


def test_rejection_without_an_id_has_no_ref_id() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope({"type": "scene_saved"})

    assert caught.value.ref_id is None


# error_message


def test_error_message_body_has_code_message_and_ref_id() -> None:
    exc = EnvelopeError("invalid_body", "'body' must be an object", "m-3")

    assert error_message(exc).body == {
        "code": "invalid_body",
        "message": "'body' must be an object",
        "ref_id": "m-3",
    }


def test_error_message_without_ref_id_sends_null_ref_id() -> None:
    exc = EnvelopeError("invalid_json", "frame is not valid JSON")

    assert json.loads(error_message(exc).to_json())["body"]["ref_id"] is None


def test_error_message_is_a_server_error_envelope_for_the_session() -> None:
    message = error_message(EnvelopeError("missing_id", "no id"), session="s-1")

    assert (message.type, message.source, message.session) == ("error", "mcp", "s-1")


# ACK set and close codes


def test_ack_required_types_match_protocol_section_5() -> None:
    assert {
        "hello",
        "assets_imported",
        "assets_deleted",
        "assets_moved",
        "scene_saved",
        "project_changed",
        "compile_started",
        "compile_finished",
        "will_save_assets",
        "hierarchy_changed",
        "selection_changed",
    } == ACK_REQUIRED_TYPES


@pytest.mark.parametrize("control", ["hb", "pong", "ack", "error"])
def test_control_types_are_never_acked(control: str) -> None:
    assert control not in ACK_REQUIRED_TYPES


def test_close_codes_match_protocol_section_9_plus_the_documented_extensions() -> None:
    assert {code.name: code.value for code in CloseCode} == {
        "GOING_AWAY": 1001,
        "POLICY_VIOLATION": 1008,  # README: slow consumer
        "MESSAGE_TOO_BIG": 1009,
        "INTERNAL_ERROR": 1011,
        "TRY_AGAIN_LATER": 1013,  # README: connection cap
        "HANDSHAKE_FAILED": 4000,
        "SUPERSEDED": 4001,
        "DUPLICATE_SESSION": 4002,
        "AUTHENTICATION_FAILED": 4003,
        "SESSION_EXPIRED": 4004,
        "PROJECT_MISMATCH": 4006,  # 1.1, §3.8
    }
