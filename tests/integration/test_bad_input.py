"""PROTOCOL.md §1, §2, §8: rejected frames, binary frames, oversized frames, stray
responses. A bad frame gets an ``error`` envelope and loses nothing that was pending."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from conftest import RunningServer, serve
from movesia_mcp import CloseCode
from movesia_mcp._simulator import NoAnswer, SimulatedUnity
from movesia_mcp._simulator.peer import envelope

from .conftest import ENVELOPE_FIELDS, eventually, fast_manager, round_trip

Params = dict[str, Any]


class Gate:
    """A command handler that answers only when the test opens the gate."""

    def __init__(self) -> None:
        self.open = asyncio.Event()

    async def __call__(self, params: Params) -> Params:
        await self.open.wait()
        return {"done": params}


def errors_of(peer: SimulatedUnity) -> list[dict[str, Any]]:
    return [m for m in peer.received if m["type"] == "error"]


BAD_FRAMES = [
    pytest.param("{not json", "invalid_json", None, id="invalid_json"),
    pytest.param(b"\xff\xfe\x00", "invalid_utf8", None, id="invalid_utf8"),
    pytest.param("[1, 2]", "not_an_object", None, id="array"),
    pytest.param("42", "not_an_object", None, id="number"),
    pytest.param({"v": 1, "id": "x-1", "body": {}}, "missing_type", "x-1", id="missing_type"),
    pytest.param({"type": "", "id": "x-2"}, "missing_type", "x-2", id="empty_type"),
    pytest.param({"type": "scene_saved", "body": {}}, "missing_id", None, id="missing_id"),
    pytest.param({"type": "scene_saved", "id": ""}, "missing_id", None, id="empty_id"),
    pytest.param(
        {"type": "scene_saved", "id": "x-3", "body": [1]}, "invalid_body", "x-3", id="array_body"
    ),
    pytest.param(
        {"type": "scene_saved", "id": "x-4", "body": "text"},
        "invalid_body",
        "x-4",
        id="string_body",
    ),
    pytest.param(
        {"v": 2, "type": "scene_saved", "id": "x-5"}, "unsupported_version", "x-5", id="v2"
    ),
]


@pytest.mark.parametrize(("frame", "code", "ref_id"), BAD_FRAMES)
async def test_rejected_frame_gets_error_envelope_and_connection_stays_open(
    server: RunningServer, frame: Any, code: str, ref_id: str | None
) -> None:
    gate = Gate()
    async with server.peer(handlers={"slow": gate}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("slow", n=1))
        await eventually(lambda: peer.commands_seen)
        await peer.send_raw(frame)
        await eventually(lambda: errors_of(peer))
        [error] = errors_of(peer)
        assert set(error) == ENVELOPE_FIELDS
        assert error["source"] == "mcp"
        assert error["body"]["code"] == code
        assert error["body"]["ref_id"] == ref_id
        assert error["body"]["message"]
        # The connection is still open and the pending command still completes.
        await round_trip(peer)
        assert peer.closed_by_server is None
        gate.open.set()
        assert await asyncio.wait_for(task, 2) == {"done": {"n": 1}}


async def test_binary_frame_with_utf8_json_is_treated_like_text(server: RunningServer) -> None:
    async with server.peer() as peer:
        frame = envelope("hb", msg_id="binary-hb", session=peer.session_id)
        await peer.send_raw(json.dumps(frame).encode("utf-8"))
        await eventually(
            lambda: any(m["type"] == "pong" and m["id"] == "binary-hb" for m in peer.received)
        )
        assert errors_of(peer) == []


async def test_binary_response_completes_its_command(server: RunningServer) -> None:
    async def no_answer(params: Params) -> NoAnswer:
        return NoAnswer()

    async with server.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("echo"))
        await eventually(lambda: peer.commands_seen)
        request_id = peer.commands_seen[0]["id"]
        answer = envelope("echo_response", {"request_id": request_id, "ok": "é"}, msg_id=request_id)
        await peer.send_raw(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
        assert await asyncio.wait_for(task, 2) == {"ok": "é"}


async def test_oversized_frame_closes_with_1009_and_others_keep_working() -> None:
    async def echo(params: Params) -> Params:
        return {"echo": params}

    async with serve(fast_manager(), max_message_bytes=4096) as running:
        big = running.peer(project_path="/p/Big")
        other = running.peer(project_path="/p/Other", handlers={"echo": echo})
        async with big, other:
            await big.send_raw(envelope("scene_saved", {"blob": "x" * 8192}))
            await asyncio.wait_for(big.disconnected.wait(), 2)
            assert big.closed_by_server is not None
            assert big.closed_by_server[0] == CloseCode.MESSAGE_TOO_BIG
            await eventually(lambda: running.manager.table.live(big.session_id) is None)
            assert await running.manager.send_and_wait("echo", project="Other", n=1) == {
                "echo": {"n": 1}
            }
            assert other.closed_by_server is None


async def test_response_for_unknown_request_id_gets_unknown_request_error(
    server: RunningServer,
) -> None:
    async with server.peer() as peer:
        await peer.send_raw(envelope("echo_response", {"request_id": "nope"}, msg_id="nope"))
        await eventually(lambda: errors_of(peer))
        await round_trip(peer)
        assert peer.closed_by_server is None
    [error] = errors_of(peer)
    assert error["body"]["code"] == "unknown_request"
    assert error["body"]["ref_id"] == "nope"


async def test_duplicate_response_gets_duplicate_response_error(server: RunningServer) -> None:
    async def echo(params: Params) -> Params:
        return {"echo": params}

    async with server.peer(handlers={"echo": echo}) as peer:
        assert await server.manager.send_and_wait("echo", n=1) == {"echo": {"n": 1}}
        request_id = peer.commands_seen[0]["id"]
        duplicate = envelope("echo_response", {"request_id": request_id}, msg_id=request_id)
        await peer.send_raw(duplicate)
        await eventually(lambda: errors_of(peer))
        await round_trip(peer)
        assert peer.closed_by_server is None
        assert await server.manager.send_and_wait("echo", n=2) == {"echo": {"n": 2}}
    [error] = errors_of(peer)
    assert error["body"]["code"] == "duplicate_response"
    assert error["body"]["ref_id"] == request_id
