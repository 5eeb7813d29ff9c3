"""Fuzzing the message router over real sockets (PROTOCOL.md §2, §4 to §7).

One server, one raw editor socket (``hello`` handshake). Each example sends a batch of
generated frames — garbage text, binary, invalid UTF-8, malformed and near-valid
envelopes, stray responses, random events — while a command is pending, then checks:

- every frame got exactly the reply the protocol prescribes, in order (``error`` with
  the right code and ``ref_id``, ``pong``, ``ack``, or nothing);
- the connection is still open and still the live one, and ``hb`` still gets ``pong``;
- the pending command still completes (nothing pending is lost to a bad frame).

At the end a fresh command still round-trips and the session table holds one entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from movesia_mcp._commands import CommandTable, PendingCommand
from movesia_mcp._envelope import ACK_REQUIRED_TYPES
from movesia_mcp._router import MessageRouter, Reply
from movesia_mcp._router import Rejected as Refused
from movesia_mcp._server.runtime import bind_listener

from .conftest import FRAMES, count, fuzz_settings
from .harness import LoopThread, Message, RawEditor, eventually, fuzz_manager
from .spec import ENVELOPE_FIELDS, Rejected, envelope_violations, frame_verdict, non_empty_str
from .strategies import PREVIOUS_ID, frames

SESSION = "fuzz-session"
PROBE = "fuzz_probe"

Expected = tuple[str, Any, Any]  # ("pong", id, None) | ("ack", id, type) | ("error", codes, ref)


def expected_reply(frame: str | bytes, answered: set[str]) -> Expected | None:
    """What the server must answer to ``frame`` (router decision table, §2 and §5 to §7)."""
    verdict = frame_verdict(frame)
    if isinstance(verdict, Rejected):
        return ("error", verdict.codes, verdict.ref_id)
    kind, msg_id = verdict["type"], verdict["id"]
    body = verdict.get("body") or {}
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else None
    if kind == "hb":
        return ("pong", msg_id, None)
    if kind in ("pong", "ack", "error"):
        return None
    # README: an envelope whose type is in ACK_REQUIRED_TYPES is an event, whatever ids
    # it carries (found by a MOVESIA_FULL run: such an event reusing an answered id).
    if kind in ACK_REQUIRED_TYPES:
        return ("ack", msg_id, kind)
    if any(key in answered for key in (msg_id, request_id) if key is not None):
        return ("error", frozenset({"duplicate_response"}), request_id or msg_id)
    if request_id is not None or kind.endswith("_response"):
        return ("error", frozenset({"unknown_request"}), request_id or msg_id)
    return None


def matches(reply: Message, expected: Expected) -> bool:
    kind, key, extra = expected
    if reply.get("type") != kind:
        return False
    body = reply.get("body") or {}
    if kind == "error":
        return body.get("code") in key and body.get("ref_id") == extra and bool(body["message"])
    # 1.1: a frame with ``"id": null`` is answered under an id the server assigned.
    same_id = reply.get("id") == key if key is not None else non_empty_str(reply.get("id"))
    if kind == "ack":
        return same_id and body == {"type": extra}
    return same_id


def substitute(frame: str | bytes, previous: str) -> str | bytes:
    if isinstance(frame, bytes):
        return frame.replace(PREVIOUS_ID.encode(), previous.encode())
    return frame.replace(PREVIOUS_ID, previous)


def envelope(kind: str, msg_id: str, body: dict[str, Any] | None = None) -> str:
    return json.dumps(
        {"v": 1, "source": "unity", "type": kind, "id": msg_id, "body": body or {},
         "session": SESSION}
    )  # fmt: skip


class EditorUnderFuzz:
    """The fuzzed editor connection; reconnects (conn_seq + 1) if a failure killed it."""

    def __init__(self, live: LoopThread) -> None:
        self.live = live
        self.manager = live.manager
        self.editor: RawEditor | None = None
        self.conn_seq = 0
        self.answered: list[str] = []
        self.numbers = itertools.count(1)

    async def connect(self) -> RawEditor:
        if self.editor is not None and not self.editor.closed:
            return self.editor
        if self.editor is not None:
            await self.editor.close()
        self.conn_seq += 1
        editor = await RawEditor.open(self.live.url)
        hello_id = uuid.uuid4().hex
        body = {"dataPath": "/fuzz/Project/Assets", "unityVersion": "6000.0.0f1",
                "conn_seq": self.conn_seq}  # fmt: skip
        await editor.send(envelope("hello", hello_id, body))
        await editor.wait_for(lambda m: m.get("type") == "welcome")
        await editor.wait_for(lambda m: m.get("type") == "ack" and m.get("id") == hello_id)
        await eventually(lambda: self.manager.table.live_conn_seq(SESSION) == self.conn_seq)
        self.editor = editor
        if not self.answered:
            await self.run_batch([])  # so PREVIOUS_ID always names an answered command
        return editor

    async def run_batch(self, batch: list[str | bytes]) -> None:
        editor = await self.connect()
        n = next(self.numbers)
        mark = len(editor.received)
        task = asyncio.create_task(self.manager.send_and_wait(PROBE, n=n))
        try:
            command = await editor.wait_for(
                lambda m: m.get("type") == PROBE and m["body"].get("n") == n, start=mark
            )
            request_id = command["id"]
            assert command["body"]["request_id"] == request_id
            start = mark + editor.received[mark:].index(command) + 1

            answered = set(self.answered)
            previous = self.answered[-1] if self.answered else "never-sent"
            expected: list[Expected] = []
            for raw in batch:
                frame = substitute(raw, previous)
                FRAMES["router_over_socket"] += 1
                if (want := expected_reply(frame, answered)) is not None:
                    expected.append(want)
                await editor.send(frame)
            # Reset a compile a frame may have started, then the heartbeat round trip.
            done_id, hb_id = uuid.uuid4().hex, uuid.uuid4().hex
            await editor.send(envelope("compile_finished", done_id, {"success": True}))
            await editor.send(envelope("hb", hb_id))
            expected += [("ack", done_id, "compile_finished"), ("pong", hb_id, None)]
            pong = await editor.wait_for(
                lambda m: m.get("type") == "pong" and m.get("id") == hb_id, start=start
            )

            end = start + editor.received[start:].index(pong) + 1
            replies = [m for m in editor.received[start:end] if m.get("type") != "hb"]
            for reply in replies:
                assert set(reply) == set(ENVELOPE_FIELDS), reply
                assert reply["source"] == "mcp"
                assert reply["session"] == SESSION
                assert envelope_violations(reply) is None
            report = _mismatch(batch, replies, expected)
            assert len(replies) == len(expected), report
            assert all(matches(r, e) for r, e in zip(replies, expected, strict=True)), report

            # Still open, still the live connection of its session.
            assert not editor.closed, f"server closed the connection: {editor.closed_by_server}"
            live = self.manager.table.live(SESSION)
            assert live is not None
            assert not live.closed
            assert live.conn_seq == self.conn_seq
            assert len(self.manager.table) == 1

            # The command that was pending all along still gets its answer.
            answer = {"request_id": request_id, "echo": n}
            await editor.send(envelope(f"{PROBE}_response", request_id, answer))
            assert await asyncio.wait_for(task, 10) == {"echo": n}
            self.answered.append(request_id)
        finally:
            if not task.done():
                task.cancel()
            with contextlib.suppress(BaseException):
                await task


def _mismatch(batch: list[str | bytes], replies: list[Message], expected: list[Expected]) -> str:
    lines = ["replies do not match the protocol:"]
    for i in range(max(len(replies), len(expected))):
        got = replies[i] if i < len(replies) else None
        want = expected[i] if i < len(expected) else None
        got_text = got and (got["type"], got["id"], got["body"])
        lines.append(f"  #{i}: expected {want!r}\n        got      {got_text!r}")
    lines.append(f"  frames: {batch!r}"[:2000])
    return "\n".join(lines)


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[EditorUnderFuzz]:
    live = LoopThread(fuzz_manager()).start()
    try:
        yield EditorUnderFuzz(live)
    finally:
        live.stop()


@fuzz_settings("router_over_socket")
@given(batch=st.lists(frames, min_size=1, max_size=8))
def test_every_recoverable_frame_keeps_the_connection_open(
    fuzzed: EditorUnderFuzz, batch: list[str | bytes]
) -> None:
    count("router_over_socket")
    fuzzed.live.call(fuzzed.run_batch(batch), timeout=60)


def test_after_fuzzing_a_command_still_round_trips(fuzzed: EditorUnderFuzz) -> None:
    # Runs after the fuzz test in this module (same server and socket).
    fuzzed.live.call(fuzzed.run_batch([]))
    assert fuzzed.conn_seq == 1, "a fuzz example got the editor disconnected"
    assert len(fuzzed.manager.table) == 1
    assert fuzzed.manager.status()["pending_commands"] == 0


# ── the same decision table without sockets (MessageRouter.receive) ─────────────────


@dataclass(frozen=True)
class FuzzPeer:
    session_id: str = SESSION
    legacy: bool = False
    label: str = "fuzz peer"


async def _route_without_sockets(batch: list[str | bytes]) -> None:
    table: CommandTable[str] = CommandTable()
    router = MessageRouter(table)
    loop = asyncio.get_running_loop()
    answered = PendingCommand("answered-1", PROBE, SESSION, {}, False, loop.create_future(), "c")
    table.add(answered)
    table.answer(answered, {})
    waiting = PendingCommand("waiting-1", PROBE, SESSION, {}, False, loop.create_future(), "c")
    table.add(waiting)
    for raw in batch:
        frame = substitute(raw, answered.id)
        FRAMES["router_sans_io"] += 1
        expected = expected_reply(frame, {answered.id})
        outcomes = router.receive(FuzzPeer(), frame)
        replies = [o.frame for o in outcomes if isinstance(o, Reply)] + [
            o.reply for o in outcomes if isinstance(o, Refused) and o.reply is not None
        ]
        assert len(replies) == (expected is not None), (frame, outcomes, expected)
        if expected is not None:
            reply = replies[0].to_dict()
            assert set(reply) == set(ENVELOPE_FIELDS), reply
            assert reply["source"] == "mcp"
            assert reply["session"] == SESSION
            assert envelope_violations(reply) is None
            assert matches(reply, expected), (frame, reply, expected)
    # Nothing pending is lost to a bad or stray frame.
    assert "waiting-1" in table
    assert not waiting.future.done()


@fuzz_settings("router_sans_io")
@given(batch=st.lists(frames, min_size=1, max_size=8))
def test_router_decides_every_frame_as_the_protocol_prescribes_without_sockets(
    batch: list[str | bytes],
) -> None:
    count("router_sans_io")
    asyncio.run(_route_without_sockets(batch))


# ── deeply nested JSON over the socket ───────────────────────────────────────────────
# Regression (see test_envelope_fuzz.py): a frame nested past the recursion limit once
# made the server close with 1011 after the handshake, or drop the socket without a close
# frame as the first frame. It now gets ``invalid_json`` (or 4000 as the first frame).


@pytest.fixture(scope="module")
def deep_server() -> Iterator[LoopThread]:
    live = LoopThread(fuzz_manager()).start()
    try:
        yield live
    finally:
        live.stop()


async def _deep_after_handshake(live: LoopThread, frame: str) -> None:
    editor = await RawEditor.open(live.url)
    try:
        hello_id = uuid.uuid4().hex
        await editor.send(envelope("hello", hello_id, {"dataPath": "/deep/Project/Assets"}))
        await editor.wait_for(lambda m: m.get("type") == "ack" and m.get("id") == hello_id)
        mark = len(editor.received)
        await editor.send(frame)
        hb_id = uuid.uuid4().hex
        await editor.send(envelope("hb", hb_id))
        await editor.wait_for(lambda m: m.get("type") == "pong" and m.get("id") == hb_id)
        replies = [m for m in editor.received[mark:] if m.get("type") == "error"]
        assert all(m["body"]["code"] == "invalid_json" for m in replies), replies
    finally:
        await editor.close()
        await eventually(lambda: len(live.manager.table) == 0)


async def _deep_first_frame(live: LoopThread, frame: str) -> None:
    editor = await RawEditor.open(live.url)
    try:
        await editor.send(frame)
        with contextlib.suppress(AssertionError):
            await editor.wait_for(lambda m: m.get("type") == "welcome", timeout=5)
            return  # accepted (the nesting was shallow enough): fine
        assert editor.closed_by_server is not None, "socket dropped without a close frame"
        assert editor.closed_by_server[0] == 4000, editor.closed_by_server
    finally:
        await editor.close()
        await eventually(lambda: len(live.manager.table) == 0)


@fuzz_settings("deep_nesting_over_socket")
@given(
    depth=st.integers(min_value=500, max_value=100_000),
    first_frame=st.booleans(),
)
@example(depth=100_000, first_frame=False)
@example(depth=100_000, first_frame=True)
def test_deeply_nested_frame_gets_an_error_not_a_dropped_connection(
    deep_server: LoopThread, depth: int, first_frame: bool
) -> None:
    count("deep_nesting_over_socket")
    value = "[" * depth + "]" * depth  # json.dumps itself would hit the recursion limit
    if first_frame:
        # A seed handshake whose extra field nests deeply.
        text = '{"session_id":"deep","x":' + value + "}"
        deep_server.call(_deep_first_frame(deep_server, text))
    else:
        text = '{"type":"scene_saved","id":"deep","body":{"x":' + value + "}}"
        deep_server.call(_deep_after_handshake(deep_server, text))


# ── latency ──────────────────────────────────────────────────────────────────────────
# Regression, found while timing the fuzz examples above: each took ~44 ms when a batch had a
# frame in it, ~1 ms without. ``bind_listener`` creates its socket with protocol 0, and
# asyncio only sets TCP_NODELAY on accepted sockets whose ``proto`` is IPPROTO_TCP.
# With Nagle on, a second small frame written right after another (``welcome`` then
# ``ack``, an ``error`` then a ``pong``, an ``ack`` then a command) waits for the
# editor's delayed ACK: ~40 ms on Linux, up to 200 ms on Windows.


async def _accepted_socket_nodelay() -> int:
    listener = bind_listener("127.0.0.1", 0)
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listener)  # as uvicorn does
    try:
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(seen, 5)
        finally:
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_editor_connections_disable_nagle() -> None:
    assert asyncio.run(_accepted_socket_nodelay()) != 0, (
        "TCP_NODELAY is off on accepted editor sockets: create the listener in "
        "bind_listener with socket.IPPROTO_TCP (or set TCP_NODELAY on it)"
    )
