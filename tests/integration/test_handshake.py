"""PROTOCOL.md §1, §3: handshake styles, identity precedence, welcome, handshake failures."""

from __future__ import annotations

import json

import pytest

from conftest import RunningServer, serve
from movesia_mcp import CloseCode, __version__
from movesia_mcp._handshake import derive_session_id
from movesia_mcp._simulator import HandshakeRejected

from .conftest import (
    ENVELOPE_FIELDS,
    FakeClock,
    close_of,
    eventually,
    fast_manager,
    frame,
    hello,
    of_type,
    raw_client,
    receive,
    round_trip,
    sweep_deadlines_after,
)

PROJECT = "/Users/dev/Projects/Orbit"


async def test_seed_handshake_is_accepted(server: RunningServer) -> None:
    async with server.peer(handshake="seed", project_path=PROJECT, conn_seq=3) as peer:
        assert peer.welcome is not None
        assert peer.welcome["session"] == peer.session_id
        assert peer.welcome["conn_seq"] == 3
        session = server.manager.sessions[peer.session_id]
        assert session.identity.project_path == PROJECT
        assert session.identity.unity_version == peer.unity_version
        assert server.manager.table.live_conn_seq(peer.session_id) == 3


async def test_seed_handshake_is_not_answered_as_a_bad_envelope(server: RunningServer) -> None:
    async with server.peer(handshake="seed") as peer:
        await round_trip(peer)
    assert [m["type"] for m in peer.received if m["type"] in ("ack", "error")] == []


async def test_hello_envelope_handshake_is_accepted(server: RunningServer) -> None:
    async with server.peer(handshake="hello", project_path=PROJECT, conn_seq=2) as peer:
        assert peer.welcome is not None
        assert peer.welcome["session"] == peer.session_id
        assert peer.welcome["conn_seq"] == 2
        identity = server.manager.sessions[peer.session_id].identity
        assert identity.project_path == PROJECT  # dataPath without its trailing /Assets
        assert identity.unity_version == peer.unity_version
        assert identity.product_guid == "guid-" + peer.session_id


async def test_query_string_session_is_accepted_before_hello(server: RunningServer) -> None:
    async with raw_client(server.url + "?session=q-sess&conn=4") as ws:
        welcome = await receive(ws, of_type("welcome"))  # nothing sent yet
        assert welcome["body"]["session"] == "q-sess"
        assert welcome["body"]["conn_seq"] == 4
        assert server.manager.sessions["q-sess"].identity.project_path is None


async def test_query_string_session_gets_project_details_from_hello(
    server: RunningServer,
) -> None:
    async with raw_client(server.url + "?session=q-sess&conn=1") as ws:
        await receive(ws, of_type("welcome"))
        await ws.send(hello(dataPath=PROJECT + "/Assets", unityVersion="6000.0.1f1"))
        await receive(ws, of_type("ack"))
        identity = server.manager.sessions["q-sess"].identity
        assert identity.project_path == PROJECT
        assert identity.unity_version == "6000.0.1f1"
        assert identity.conn_seq == 1


async def test_welcome_body_names_session_conn_seq_server_version_protocol(
    server: RunningServer,
) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(hello("w-sess", conn_seq=7))
        welcome = await receive(ws, of_type("welcome"))
    assert set(welcome) == ENVELOPE_FIELDS
    assert welcome["source"] == "mcp"
    assert welcome["v"] == 1
    assert welcome["session"] == "w-sess"
    assert welcome["body"] == {
        "session": "w-sess",
        "conn_seq": 7,
        "server": "movesia-mcp",
        "version": __version__,
        "protocol": 1,
    }


async def test_hello_is_acked_with_its_id(server: RunningServer) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(hello("a-sess", msg_id="hello-1", dataPath=PROJECT + "/Assets"))
        seen: list[dict[str, object]] = []
        ack = await receive(ws, of_type("ack"), seen=seen)
    assert ack["id"] == "hello-1"
    assert ack["body"] == {"type": "hello"}
    assert [m["type"] for m in seen] == ["welcome", "ack"]


async def test_root_path_accepts_unity_too(server: RunningServer) -> None:
    async with raw_client(server.http.replace("http", "ws") + "/") as ws:
        await ws.send(hello("root-sess"))
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["session"] == "root-sess"


async def test_binary_handshake_frame_is_treated_like_text(server: RunningServer) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(json.dumps({"project_path": PROJECT, "session_id": "bin-sess"}).encode())
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["session"] == "bin-sess"


# ── identity precedence (§3.2) ──────────────────────────────────────────────────────


async def test_session_id_is_derived_from_project_path_when_none_is_sent(
    server: RunningServer,
) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(json.dumps({"project_path": PROJECT, "unity_version": "6000.0.1f1"}))
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["session"] == derive_session_id(PROJECT)


async def test_derived_session_id_is_stable_across_connections(server: RunningServer) -> None:
    sessions = []
    for conn_seq in (1, 2):
        async with raw_client(server.url) as ws:
            await ws.send(hello(dataPath=PROJECT + "/Assets", conn_seq=conn_seq))
            sessions.append((await receive(ws, of_type("welcome")))["body"]["session"])
    assert sessions[0] == sessions[1]


async def test_query_session_takes_precedence_over_handshake_session(
    server: RunningServer,
) -> None:
    async with raw_client(server.url + "?session=from-query") as ws:
        await ws.send(hello("from-envelope", session_id="from-body"))
        welcome = await receive(ws, of_type("welcome"))
        await receive(ws, of_type("ack"))
    assert welcome["body"]["session"] == "from-query"
    assert set(server.manager.sessions) == {"from-query"}


async def test_handshake_session_id_takes_precedence_over_envelope_session(
    server: RunningServer,
) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(hello("from-envelope", session_id="from-body"))
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["session"] == "from-body"


async def test_query_conn_takes_precedence_over_handshake_conn_seq(
    server: RunningServer,
) -> None:
    async with raw_client(server.url + "?conn=9") as ws:
        await ws.send(json.dumps({"session_id": "c-sess", "conn_seq": 2}))
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["conn_seq"] == 9


async def test_query_conn_seq_parameter_is_accepted(server: RunningServer) -> None:
    async with raw_client(server.url + "?session=cs-sess&conn_seq=5") as ws:
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["conn_seq"] == 5


async def test_conn_seq_defaults_to_zero(server: RunningServer) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(json.dumps({"session_id": "z-sess", "project_path": PROJECT}))
        welcome = await receive(ws, of_type("welcome"))
    assert welcome["body"]["conn_seq"] == 0


async def test_project_path_comes_from_query_when_handshake_has_none(
    server: RunningServer,
) -> None:
    async with raw_client(server.url + "?projectPath=/srv/Games/Comet") as ws:
        await ws.send(hello("pp-sess"))
        await receive(ws, of_type("welcome"))
    assert server.manager.sessions["pp-sess"].identity.project_path == "/srv/Games/Comet"


async def test_handshake_project_path_takes_precedence_over_data_path(
    server: RunningServer,
) -> None:
    async with raw_client(server.url + "?projectPath=/from/query") as ws:
        await ws.send(hello("pr-sess", project_path="/from/seed", dataPath="/from/data/Assets"))
        await receive(ws, of_type("welcome"))
    assert server.manager.sessions["pr-sess"].identity.project_path == "/from/seed"


# ── handshake failures → 4000 (§3.3) ────────────────────────────────────────────────


async def test_handshake_that_never_comes_closes_with_4000() -> None:
    # 30 s on the fake clock: a wait on the loop's own timer would not end in the test.
    clock = FakeClock()
    manager = fast_manager(clock=clock, handshake_timeout=30.0)
    async with serve(manager) as running:
        async with raw_client(running.url) as late, raw_client(running.url) as silent:
            await eventually(lambda: len(manager.dispatch.ticks) == 2)  # both wait
            await sweep_deadlines_after(manager, clock, 29.9)
            await late.send(hello("late-sess"))  # not closed before its timeout
            await receive(late, of_type("welcome"))
            await sweep_deadlines_after(manager, clock, 0.2)
            code, reason = await close_of(silent)
        assert code == CloseCode.HANDSHAKE_FAILED
        assert reason == "handshake_failed: no handshake within 30s"
        assert list(running.manager.sessions) == ["late-sess"]


async def test_the_running_sweep_ends_a_silent_handshake_on_its_own() -> None:
    # Real clock, no manual sweep: the handshake tick (0.2 s) wakes the background sweep,
    # which otherwise sleeps a watchdog period (2.5 s, past close_of's 2 s) at a time.
    async with serve(fast_manager(handshake_timeout=0.2, send_timeout=10.0)) as running:
        async with raw_client(running.url) as ws:
            code, _ = await close_of(ws)
        assert code == CloseCode.HANDSHAKE_FAILED
        assert running.manager.sessions == {}


@pytest.mark.parametrize(
    "first_frame",
    [
        frame("scene_saved", {}, session="s"),
        "{not json",
        "[1, 2, 3]",
        '"hello"',
    ],
    ids=["event_envelope", "invalid_json", "json_array", "json_string"],
)
async def test_first_message_that_is_not_a_handshake_closes_with_4000(
    server: RunningServer, first_frame: str
) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(first_frame)
        code, _ = await close_of(ws)
    assert code == CloseCode.HANDSHAKE_FAILED
    assert server.manager.sessions == {}


async def test_handshake_naming_no_session_closes_with_4000(server: RunningServer) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(hello(unityVersion="6000.0.1f1"))
        code, _ = await close_of(ws)
    assert code == CloseCode.HANDSHAKE_FAILED


async def test_non_integer_query_conn_closes_with_4000(server: RunningServer) -> None:
    async with raw_client(server.url + "?session=x&conn=abc") as ws:
        code, reason = await close_of(ws)
    assert code == CloseCode.HANDSHAKE_FAILED
    assert "abc" in reason
    assert server.manager.sessions == {}


async def test_non_integer_seed_conn_seq_closes_with_4000(server: RunningServer) -> None:
    async with raw_client(server.url) as ws:
        await ws.send(json.dumps({"project_path": PROJECT, "session_id": "x", "conn_seq": "abc"}))
        code, reason = await close_of(ws)
    assert code == CloseCode.HANDSHAKE_FAILED
    assert "abc" in reason
    assert server.manager.sessions == {}


async def test_boolean_conn_seq_closes_with_4000(server: RunningServer) -> None:
    peer = server.peer(handshake="seed", conn_seq=True)
    with pytest.raises(HandshakeRejected) as rejected:
        await peer.connect()
    await peer.aclose()
    assert rejected.value.code == CloseCode.HANDSHAKE_FAILED


async def test_session_is_registered_once_welcome_is_sent(server: RunningServer) -> None:
    async with server.peer() as peer:
        await eventually(lambda: server.manager.is_connected)
        assert server.manager.sessions[peer.session_id].connection is not None
