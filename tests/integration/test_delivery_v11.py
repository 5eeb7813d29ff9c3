"""PROTOCOL.md 1.1 over real sockets: capabilities (§3.6), the session secret (§3.7), one
session one project (§3.8), the delivery rules (§6.1), cancellation (§6.2) and the
Movesia package's shapes.

Hostile peers write what they like, several frames and a close in one TCP write
(``hostile.HostilePeer``); friendly ones are ``SimulatedUnity`` (1.1 by default).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

import httpx
import pytest

from conftest import RunningServer, serve
from movesia_mcp import (
    AmbiguousProjectError,
    CloseCode,
    CommandTimeoutError,
    NotConnectedError,
)
from movesia_mcp._simulator import HandshakeRejected, NoAnswer
from movesia_mcp._simulator.peer import envelope

from .conftest import (
    FakeClock,
    eventually,
    fast_manager,
    of_type,
    round_trip,
    sweep_deadlines_after,
)
from .hostile import HostilePeer, unity

Json = dict[str, Any]


async def no_answer(params: Json) -> NoAnswer:
    return NoAnswer()


async def written(params: Json) -> Json:
    return {"path": params.get("path"), "created": True, "compiled": True, "errors": []}


def hello(session: str, project: str, conn_seq: int, **extra: Any) -> Json:
    body = {"dataPath": project + "/Assets", "session_id": session, "conn_seq": conn_seq}
    return unity("hello", {**body, **extra})


async def hostile_editor(
    server: RunningServer, session: str, project: str, conn_seq: int = 1, **extra: Any
) -> tuple[HostilePeer, Json]:
    """A hostile peer that has completed its handshake; returns it and the welcome body."""
    peer = HostilePeer(server.url)
    await peer.open()
    await peer.send(hello(session, project, conn_seq, **extra))
    welcome = await peer.receive(of_type("welcome"))
    return peer, welcome["body"]


def pending_of(server: RunningServer, command_type: str) -> list[Any]:
    return [c for c in server.manager.commands.pending() if c.command_type == command_type]


# ── capabilities (§3.6) ─────────────────────────────────────────────────────────────


async def test_welcome_lists_the_honoured_capabilities_and_ignores_unknown_ones(
    server: RunningServer,
) -> None:
    peer, welcome = await hostile_editor(
        server, "cap-1", "/p/Cap", capabilities=["dedup", "teleport", 5, "cancel", "dedup"]
    )
    try:
        assert welcome["capabilities"] == ["cancel", "dedup"]
        assert isinstance(welcome["session_secret"], str)
        assert len(welcome["session_secret"]) >= 22  # at least 128 bits, URL-safe base64
    finally:
        peer.finish()


async def test_status_lists_each_projects_capabilities(server: RunningServer) -> None:
    peer, _ = await hostile_editor(server, "cap-3", "/p/Listed", capabilities=["cancel"])
    try:
        [project] = [p for p in server.manager.projects() if p["session"] == "cap-3"]
        assert project["capabilities"] == ["cancel"]
    finally:
        peer.finish()


async def test_an_editor_that_declares_nothing_gets_a_version_1_welcome(
    server: RunningServer,
) -> None:
    peer, welcome = await hostile_editor(server, "cap-2", "/p/Plain")
    try:
        assert "capabilities" not in welcome
        assert "session_secret" not in welcome
    finally:
        peer.finish()


# ── bursts in one TCP write (§6.1: frames already received are processed) ──────────


@pytest.mark.parametrize("first", ["scene_saved", "hb"])
async def test_answer_in_one_tcp_write_with_an_event_and_a_close_is_not_dropped(
    server: RunningServer, first: str
) -> None:
    """Guarantee: an editor writes an event that needs a reply (an ACK, or a pong), then
    the answer to a pending command, then a close, all in ONE TCP write, and closes the
    socket: the reply fails on the closing socket, yet the answer is delivered and the
    caller gets it (not a lost connection, not a timeout)."""
    peer, _ = await hostile_editor(server, "burst-1", "/p/Burst")
    call = asyncio.create_task(server.manager.execute("create_gameobject", {"name": "Cube"}))
    command = await peer.receive(of_type("create_gameobject"))
    rid = command["id"]
    answer = unity(
        "create_gameobject_response",
        {"request_id": rid, "object": {"name": "Cube", "instance_id": 7}},
        msg_id=rid,
    )
    await peer.write(peer.frame(unity(first, {})), peer.frame(answer), peer.close_frame())
    peer.finish()
    result = await asyncio.wait_for(call, 5)
    assert result == {"object": {"name": "Cube", "instance_id": 7}}


async def test_ack_in_one_tcp_write_before_a_close_is_not_dropped_and_not_resent(
    server: RunningServer,
) -> None:
    """Guarantee: ``hb``, the ack of a reload-surviving command and a close in ONE TCP
    write: the ack counts (the command is ACKED), so an editor without ``dedup`` does not
    get it again on its next connection; it answers it there and the caller has it."""
    caps = ["command_ack"]
    peer, welcome = await hostile_editor(server, "burst-2", "/p/Ack", capabilities=caps)
    call = asyncio.create_task(
        server.manager.execute("write_script", {"path": "Assets/A.cs", "contents": "x"})
    )
    command = await peer.receive(of_type("write_script"))
    rid = command["id"]
    ack = unity("ack", {"type": "write_script"}, msg_id=rid)
    await peer.write(peer.frame(unity("hb", {})), peer.frame(ack), peer.close_frame())
    peer.finish()
    [pending] = pending_of(server, "write_script")
    await eventually(lambda: pending.connection is None)
    # The ack counted; detached is a state of its own since the life-cycle table.
    assert pending.delivered
    assert pending.state.value == "detached"

    back, _ = await hostile_editor(
        server,
        "burst-2",
        "/p/Ack",
        conn_seq=2,
        capabilities=caps,
        session_secret=welcome["session_secret"],
    )
    try:
        await back.send(unity("hb", {}, msg_id="sync"))
        await back.receive(of_type("pong"))
        assert not [m for m in back.received if m["type"] == "write_script"]
        answer = unity(
            "compilation_complete",
            {"request_id": rid, "path": "Assets/A.cs", "created": True, "compiled": True},
            msg_id=rid,
        )
        await back.send(answer)
        result = await asyncio.wait_for(call, 5)
        assert result["created"] is True
    finally:
        back.finish()


async def test_answer_in_the_same_tcp_write_as_the_reconnect_handshake_is_not_dropped(
    server: RunningServer,
) -> None:
    """Guarantee: back from a reload, an editor writes its ``hello``, the answer to the
    reload-surviving command still pending, and a close, all in ONE TCP write: the
    ``welcome`` fails on the closing socket, yet the answer is delivered."""
    caps = ["command_ack", "dedup"]
    first, welcome = await hostile_editor(server, "burst-3", "/p/Again", capabilities=caps)
    call = asyncio.create_task(
        server.manager.execute("write_script", {"path": "Assets/R.cs", "contents": "r"})
    )
    rid = (await first.receive(of_type("write_script")))["id"]
    first.reset()
    [pending] = pending_of(server, "write_script")
    await eventually(lambda: pending.connection is None)

    back = HostilePeer(server.url)
    await back.open()
    answer = unity(
        "compilation_complete",
        {"request_id": rid, "path": "Assets/R.cs", "created": True, "compiled": True},
        msg_id=rid,
    )
    secret = welcome["session_secret"]
    again = hello("burst-3", "/p/Again", 2, capabilities=caps, session_secret=secret)
    await back.write(back.frame(again), back.frame(answer), back.close_frame())
    back.finish()
    result = await asyncio.wait_for(call, 5)
    assert result["path"] == "Assets/R.cs"


async def test_compile_finished_routed_while_a_superseded_socket_drains_is_not_lost(
    server: RunningServer,
) -> None:
    """Guarantee: an editor with a reload-surviving command pending reports
    ``compile_started``, then writes a burst of events ending in ``compile_finished`` and a
    close in ONE TCP write, and its next connection takes over at once. The takeover lets
    the old socket route what it holds, and the ``compile_finished`` routed there counts:
    the project is no longer compiling and keeps that compile's result."""
    caps = ["command_ack", "dedup"]
    peer, welcome = await hostile_editor(server, "drain-1", "/p/Drain", capabilities=caps)
    call = asyncio.create_task(server.manager.execute("refresh_assets", {}))
    first = await peer.receive(of_type("refresh_assets"))
    started = unity("compile_started", {})
    await peer.send(started)
    await peer.receive(lambda m: m["type"] == "ack" and m["id"] == started["id"])
    session = server.manager.sessions["drain-1"]
    assert session.compiling
    burst = [peer.frame(unity("editor_log", {"n": n})) for n in range(2000)]
    result = {"success": True, "errors": [], "warnings": 0}
    await peer.write(*burst, peer.frame(unity("compile_finished", result)), peer.close_frame())
    peer.finish()

    back, _ = await hostile_editor(
        server,
        "drain-1",
        "/p/Drain",
        conn_seq=2,
        capabilities=caps,
        session_secret=welcome["session_secret"],
    )
    try:
        await eventually(lambda: server.manager.table.live_conn_seq("drain-1") == 2)
        await back.send(unity("hb", {}, msg_id="sync"))
        await back.receive(of_type("pong"))
        assert session.compiling is False
        assert session.last_compile == result
        rid = first["id"]
        await back.send(unity("compilation_complete", {"request_id": rid, "ok": 1}, msg_id=rid))
        assert await asyncio.wait_for(call, 5) == {"ok": 1}
    finally:
        back.finish()


# ── acks lost with the socket (§6.1) ────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("caps", "command", "idempotent", "resent"),
    [
        pytest.param(["command_ack", "dedup"], "create_script", False, True, id="dedup"),
        pytest.param(["command_ack"], "write_script", True, True, id="no-dedup-idempotent"),
        pytest.param(["command_ack"], "create_script", False, False, id="no-dedup-mutation"),
    ],
)
async def test_command_whose_ack_died_with_the_socket_is_resent_only_when_safe(
    server: RunningServer, caps: list[str], command: str, idempotent: bool, resent: bool
) -> None:
    """Guarantee: the editor received a reload-surviving command and its socket died
    before the ack left. On the session's next connection the server sends it again to
    a ``dedup`` editor (whose ledger makes that harmless), and to an editor without one
    only if the command is idempotent; a non-idempotent one is not sent again (it may
    have run) and is answered on the new connection with its original id."""
    peer, welcome = await hostile_editor(server, f"lost-{command}", "/p/Lost", capabilities=caps)
    sent = asyncio.create_task(
        server.manager.execute(command, {"path": "Assets/B.cs"}, idempotent=idempotent)
    )
    first = await peer.receive(of_type(command))
    rid = first["id"]
    # Unity had a command acked before on this session: it is an acking editor.
    peer.reset()  # the ack dies with the socket
    [pending] = pending_of(server, command)
    await eventually(lambda: pending.connection is None)

    back, _ = await hostile_editor(
        server,
        f"lost-{command}",
        "/p/Lost",
        conn_seq=2,
        capabilities=caps,
        session_secret=welcome["session_secret"],
    )
    try:
        await back.send(unity("hb", {}, msg_id="sync"))
        await back.receive(of_type("pong"))
        again = [m for m in back.received if m["type"] == command]
        assert [m["id"] for m in again] == ([rid] if resent else [])
        await back.send(unity(f"{command}_response", {"request_id": rid, "ok": 1}, msg_id=rid))
        assert await asyncio.wait_for(sent, 5) == {"ok": 1}
    finally:
        back.finish()


# ── the death window ────────────────────────────────────────────────────────────────


async def test_command_issued_after_the_socket_died_waits_for_the_reconnect(
    server: RunningServer,
) -> None:
    """Guarantee: a reload-surviving command issued when its editor's socket is already
    closed but the server's read loop has not ended yet does not fail ("connection …
    is closed"): it waits for the reconnect, is sent on the new connection (only there)
    and is answered; the editor runs it once."""
    peer = server.peer(handlers={"write_script": written})
    await peer.connect()
    try:
        session = server.manager.sessions[peer.session_id]
        old = session.connection
        assert old is not None
        assert peer.ws is not None
        peer.ws.transport.pause_reading()  # a hung editor: the close handshake stalls
        closing = asyncio.create_task(old.close(CloseCode.GOING_AWAY, "test: drop"))
        await asyncio.sleep(0)
        assert old.closed
        assert session.connection is old  # the window: dead socket, not yet noticed
        call = asyncio.create_task(
            server.manager.execute("write_script", {"path": "Assets/W.cs", "contents": "x"})
        )
        await eventually(lambda: bool(pending_of(server, "write_script")))
        await closing
        peer.ws.transport.abort()
        await eventually(lambda: session.connection is None)
        peer.conn_seq += 1
        await peer.connect()
        result = await asyncio.wait_for(call, 5)
        assert result["path"] == "Assets/W.cs"
        [seen] = [m for m in peer.commands_seen if m["type"] == "write_script"]
        assert peer.executions[seen["id"]] == 1
    finally:
        await peer.aclose()


# ── answers only from the session's own connections (§6.1) ──────────────────────────


async def test_answer_or_ack_from_another_sessions_connection_is_unknown_and_harmless(
    server: RunningServer,
) -> None:
    target = server.peer(session_id="own-a", project_path="/p/A", handlers={"echo": no_answer})
    other = server.peer(session_id="own-b", project_path="/p/B")
    await target.connect()
    await other.connect()
    try:
        call = asyncio.create_task(server.manager.execute("echo", {}, project="/p/A"))
        await eventually(lambda: bool(target.commands_seen))
        rid = target.commands_seen[0]["id"]
        [command] = pending_of(server, "echo")
        await eventually(lambda: command.state.value == "acked")
        await other.send(envelope("ack", {"type": "echo"}, msg_id=rid, session=other.session_id))
        await other.send(envelope("echo_response", {"request_id": rid, "forged": True}, msg_id=rid))
        await eventually(
            lambda: any(
                m["type"] == "error" and m["body"]["code"] == "unknown_request"
                for m in other.received
            )
        )
        assert not call.done()
        await target.send(envelope("echo_response", {"request_id": rid, "real": True}, msg_id=rid))
        assert await asyncio.wait_for(call, 3) == {"real": True}
    finally:
        await target.aclose()
        await other.aclose()


# ── the session secret (§3.7) ───────────────────────────────────────────────────────


@pytest.mark.parametrize("presented", ["none", "wrong", "wrong-in-query"])
async def test_impostor_without_the_secret_cannot_take_a_live_session(
    server: RunningServer, presented: str
) -> None:
    """Guarantee: a connection for a live 1.1 session, even with ``conn_seq`` 2^62,
    without the secret or with a wrong one, is closed with 4003; the live editor stays
    connected and keeps receiving the commands."""
    real = server.peer(session_id="sec-live", project_path="/p/Sec", handlers={"echo": written})
    await real.connect()
    try:
        query = {"secret": "x" * 43} if presented == "wrong-in-query" else {}
        impostor = HostilePeer(server.url, **query)
        await impostor.open()
        extra: Json = {"capabilities": ["dedup"]}
        if presented == "wrong":
            extra["session_secret"] = "y" * 43
        await impostor.send(hello("sec-live", "/p/Sec", 2**62, **extra))
        code, _ = await impostor.closed()
        assert code == CloseCode.AUTHENTICATION_FAILED
        assert not [m for m in impostor.received if m["type"] == "welcome"]
        assert real.closed_by_server is None
        assert server.manager.table.live_conn_seq("sec-live") == real.conn_seq
        assert await server.manager.execute("echo", {"path": "p"}) == {
            "path": "p",
            "created": True,
            "compiled": True,
            "errors": [],
        }
    finally:
        await real.aclose()


async def test_impostor_cannot_adopt_pending_commands_and_the_editor_gets_them_back(
    server: RunningServer,
) -> None:
    """Guarantee: while a 1.1 editor is away (a reload) with a ``write_script``
    pending, a connection without the secret is closed with 4003 and never sees the
    command; the editor, back with its secret, gets it again and answers it."""
    real = server.peer(
        session_id="sec-pend", project_path="/p/Pend", handlers={"write_script": no_answer}
    )
    await real.connect()
    call = asyncio.create_task(
        server.manager.execute("write_script", {"path": "Assets/S.cs", "contents": "secret"})
    )
    try:
        await eventually(lambda: bool(real.commands_seen))
        rid = real.commands_seen[0]["id"]
        await real.close(1001, "domain reload")
        [pending] = pending_of(server, "write_script")
        await eventually(lambda: pending.connection is None)

        impostor = HostilePeer(server.url)
        await impostor.open()
        await impostor.send(hello("sec-pend", "/p/Pend", 99))
        code, _ = await impostor.closed()
        assert code == CloseCode.AUTHENTICATION_FAILED
        assert not [m for m in impostor.received if m["type"] == "write_script"]
        assert pending_of(server, "write_script") == [pending]

        real.conn_seq += 1
        await real.connect()
        await eventually(lambda: bool(real.redelivered))
        assert real.redelivered[0]["id"] == rid
        await real.send(
            envelope(
                "compilation_complete",
                {"request_id": rid, "path": "Assets/S.cs", "created": True, "compiled": True},
                msg_id=rid,
            )
        )
        result = await asyncio.wait_for(call, 3)
        assert result["path"] == "Assets/S.cs"
    finally:
        await real.aclose()


async def test_the_secret_takes_over_and_an_idle_session_can_be_claimed_anew(
    server: RunningServer,
) -> None:
    """Guarantee: presenting the secret takes a live session over (the old connection
    is closed with 4001); a session with no connection and nothing pending may be
    claimed without it, and then gets a new secret."""
    first = server.peer(session_id="sec-claim", project_path="/p/Claim")
    await first.connect()
    secret = first.session_secret
    assert secret is not None
    second = server.peer(session_id="sec-claim", project_path="/p/Claim", conn_seq=5)
    second.session_secret = secret
    await second.connect()
    try:
        await asyncio.wait_for(first.disconnected.wait(), 3)
        assert first.closed_by_server is not None
        assert first.closed_by_server[0] == CloseCode.SUPERSEDED
        assert "session_secret" not in (second.welcome or {})  # it already has it
        await second.close()
        await eventually(lambda: server.manager.sessions["sec-claim"].connection is None)

        stranger = server.peer(session_id="sec-claim", project_path="/p/Claim", conn_seq=9)
        await stranger.connect()
        assert stranger.session_secret is not None
        assert stranger.session_secret != secret
        await stranger.aclose()
    finally:
        await first.aclose()
        await second.aclose()


async def test_the_secret_is_never_shown_or_logged(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="movesia_mcp")
    peer = server.peer(session_id="sec-hide", project_path="/p/Hide", handshake="hello")
    await peer.connect()
    try:
        secret = peer.session_secret
        assert secret is not None
        peer.conn_seq += 1
        await peer.reconnect()  # presents it in its hello
        await round_trip(peer)
        async with httpx.AsyncClient() as http:
            status = (await http.get(server.http + "/unity/status")).text
        shown = [
            status,
            json.dumps(server.manager.status()),
            json.dumps([m.to_dict() for m in server.manager.recent_events]),
            caplog.text,
            repr(server.manager.sessions["sec-hide"]),
        ]
        assert all(secret not in text for text in shown)
    finally:
        await peer.aclose()


# ── one session, one project (§3.8) ─────────────────────────────────────────────────


async def test_other_project_with_a_live_session_id_is_refused_with_4006(
    server: RunningServer,
) -> None:
    game = server.peer(session_id="shared", project_path="/a/Game", handlers={"echo": written})
    await game.connect()
    try:
        other = server.peer(session_id="shared", project_path="/b/Other", conn_seq=50)
        with pytest.raises(HandshakeRejected) as refused:
            await other.connect()
        assert refused.value.code == CloseCode.PROJECT_MISMATCH
        assert "project_mismatch" in refused.value.reason
        assert game.closed_by_server is None
        assert server.manager.sessions["shared"].identity.project_path == "/a/Game"
        await other.aclose()
    finally:
        await game.aclose()


@pytest.mark.parametrize("other_project", [True, False])
async def test_query_handshake_learns_the_project_before_taking_a_bound_session(
    server: RunningServer, other_project: bool
) -> None:
    """Guarantee: a version 1 editor (the Movesia package keys its session id
    machine-wide) connecting with ``?session=&conn=`` and no ``projectPath`` to a live
    session is not accepted at once: its ``hello`` decides. Another project is closed
    with 4006 and the live editor is never superseded; the same project takes over as in
    version 1."""
    live = server.peer(
        session_id="machine-wide",
        project_path="/a/Game",
        capabilities=(),
        handlers={"echo": written},
    )
    await live.connect()
    try:
        newcomer = HostilePeer(server.url, session="machine-wide", conn="40")
        await newcomer.open()
        project = "/b/Other" if other_project else "/a/Game"
        await newcomer.send(unity("hello", {"dataPath": project + "/Assets"}))
        if other_project:
            code, _ = await newcomer.closed()
            assert code == CloseCode.PROJECT_MISMATCH
            assert live.closed_by_server is None
            assert server.manager.table.live_conn_seq("machine-wide") == live.conn_seq
            assert (await server.manager.execute("echo", {"path": "e"}))["path"] == "e"
        else:
            await newcomer.receive(of_type("welcome"))
            await asyncio.wait_for(live.disconnected.wait(), 3)
            assert live.closed_by_server is not None
            assert live.closed_by_server[0] == CloseCode.SUPERSEDED
            newcomer.finish()
    finally:
        await live.aclose()


async def test_pending_commands_never_move_to_another_project(server: RunningServer) -> None:
    game = server.peer(
        session_id="shared-2", project_path="/a/Game", handlers={"write_script": no_answer}
    )
    await game.connect()
    call = asyncio.create_task(
        server.manager.execute("write_script", {"path": "Assets/G.cs", "contents": "g"})
    )
    try:
        await eventually(lambda: bool(game.commands_seen))
        rid = game.commands_seen[0]["id"]
        await game.close(1001, "domain reload")
        await eventually(lambda: server.manager.sessions["shared-2"].connection is None)
        # Even with the secret: the session belongs to /a/Game.
        other = HostilePeer(server.url)
        await other.open()
        extra = {"capabilities": ["dedup"], "session_secret": game.session_secret}
        await other.send(hello("shared-2", "/b/Other", 7, **extra))
        code, _ = await other.closed()
        assert code == CloseCode.PROJECT_MISMATCH
        assert not [m for m in other.received if m["type"] == "write_script"]
        game.conn_seq += 1
        await game.connect()
        await eventually(lambda: bool(game.redelivered))
        await game.send(
            envelope(
                "compilation_complete",
                {"request_id": rid, "path": "x", "created": True, "compiled": True},
                msg_id=rid,
            )
        )
        assert (await asyncio.wait_for(call, 3))["path"] == "x"
    finally:
        await game.aclose()


async def test_a_later_hello_cannot_move_a_pending_session_to_another_project(
    server: RunningServer,
) -> None:
    peer = server.peer(session_id="rebind", project_path="/a/Game", handlers={"slow": no_answer})
    await peer.connect()
    try:
        call = asyncio.create_task(server.manager.execute("slow", {}))
        await eventually(lambda: bool(peer.commands_seen))
        await peer.send(envelope("hello", {"dataPath": "/b/Other/Assets"}, msg_id="h2"))
        await eventually(lambda: any(m["type"] == "error" for m in peer.received))
        [error] = [m for m in peer.received if m["type"] == "error"]
        assert error["body"]["code"] == "project_mismatch"
        assert error["body"]["ref_id"] == "h2"
        session = server.manager.sessions["rebind"]
        assert session.identity.project_path == "/a/Game"
        assert session.connection is not None
        assert peer.closed_by_server is None
        assert not call.done()
        call.cancel()
    finally:
        await peer.aclose()


async def test_same_project_with_other_separators_and_case_is_not_a_mismatch(
    server: RunningServer,
) -> None:
    first = server.peer(session_id="norm", project_path="C:/Work/Game")
    await first.connect()
    again = server.peer(session_id="norm", project_path="c:\\work\\game\\", conn_seq=2)
    again.session_secret = first.session_secret
    try:
        await again.connect()
        await asyncio.wait_for(first.disconnected.wait(), 3)
        assert first.closed_by_server is not None
        assert first.closed_by_server[0] == CloseCode.SUPERSEDED
    finally:
        await first.aclose()
        await again.aclose()


async def test_an_idle_session_id_may_be_taken_by_another_project(server: RunningServer) -> None:
    game = server.peer(session_id="shared-3", project_path="/a/Game")
    await game.connect()
    await game.aclose()
    await eventually(lambda: server.manager.sessions["shared-3"].connection is None)
    other = server.peer(session_id="shared-3", project_path="/b/Other", conn_seq=2)
    await other.connect()
    try:
        assert server.manager.sessions["shared-3"].identity.project_path == "/b/Other"
        assert server.manager.sessions["shared-3"].reconnects == 0  # a new session record
    finally:
        await other.aclose()


# ── ambiguous project names ─────────────────────────────────────────────────────────


async def test_same_name_in_two_folders_is_ambiguous_and_a_path_or_id_decides(
    server: RunningServer,
) -> None:
    async def whoami_a(params: Json) -> Json:
        return {"who": "a"}

    async def whoami_b(params: Json) -> Json:
        return {"who": "b"}

    a = server.peer(project_path="/projects/a/Game", handlers={"whoami": whoami_a})
    b = server.peer(project_path="/projects/b/Game", handlers={"whoami": whoami_b})
    await a.connect()
    await b.connect()
    try:
        with pytest.raises(AmbiguousProjectError) as ambiguous:
            await server.manager.execute("whoami", {}, project="Game")
        text = str(ambiguous.value)
        assert "/projects/a/Game" in text
        assert "/projects/b/Game" in text
        assert a.session_id in text
        assert b.session_id in text
        assert ambiguous.value.projects == ["Game", "Game"]
        assert a.commands_seen == b.commands_seen == []
        assert await server.manager.execute("whoami", {}, project="/projects/b/Game") == {
            "who": "b"
        }
        assert await server.manager.execute("whoami", {}, project="/projects/a/Game/") == {
            "who": "a"
        }
        assert await server.manager.execute("whoami", {}, project=b.session_id) == {"who": "b"}
        with pytest.raises(NotConnectedError):
            await server.manager.execute("whoami", {}, project="/projects/c/Game")
    finally:
        await a.aclose()
        await b.aclose()


# ── cancellation (§6.2) ─────────────────────────────────────────────────────────────


@pytest.mark.parametrize("declares_cancel", [True, False])
async def test_timed_out_command_is_cancelled_in_an_editor_that_declares_cancel(
    declares_cancel: bool,
) -> None:
    """Guarantee: when a caller's timeout runs out, the server forgets the command and
    sends ``cancel`` with its request id to an editor that declared ``cancel`` (to one
    that did not, nothing); a late answer then gets ``unknown_request`` from a 1.1
    editor's server and changes nothing."""
    caps = ["command_ack", "dedup", "cancel"] if declares_cancel else ["command_ack", "dedup"]
    clock = FakeClock()
    async with serve(fast_manager(clock=clock)) as server:
        peer = server.peer(handlers={"slow": no_answer}, capabilities=caps)
        await peer.connect()
        try:
            call = asyncio.create_task(server.manager.execute("slow", {}, timeout=0.2))
            await eventually(lambda: bool(peer.commands_seen))
            await sweep_deadlines_after(server.manager, clock, 0.19)
            assert not call.done()  # not before its timeout
            await round_trip(peer)
            assert peer.cancels == []
            await sweep_deadlines_after(server.manager, clock, 0.02)
            with pytest.raises(CommandTimeoutError, match=r"'slow' within 0\.2s"):
                await asyncio.wait_for(call, 2)
            rid = peer.commands_seen[0]["id"]
            assert rid not in server.manager.commands
            await round_trip(peer)
            assert peer.cancels == ([rid] if declares_cancel else [])
            await peer.send(envelope("slow_response", {"request_id": rid}, msg_id=rid))
            await eventually(lambda: any(m["type"] == "error" for m in peer.received))
            [error] = [m for m in peer.received if m["type"] == "error"]
            assert error["body"]["code"] == "unknown_request"
            assert error["body"]["ref_id"] == rid
            assert len(server.manager.commands) == 0
        finally:
            await peer.aclose()


async def test_command_cancelled_during_a_reload_is_cancelled_on_the_next_connection(
    server: RunningServer,
) -> None:
    peer = server.peer(handlers={"write_script": no_answer})
    await peer.connect()
    try:
        call = asyncio.create_task(
            server.manager.execute("write_script", {"path": "Assets/C.cs", "contents": "c"})
        )
        await eventually(lambda: bool(peer.commands_seen))
        rid = peer.commands_seen[0]["id"]
        await peer.close(1001, "domain reload")
        await eventually(lambda: server.manager.sessions[peer.session_id].connection is None)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert rid not in server.manager.commands
        peer.conn_seq += 1
        await peer.connect()
        await eventually(lambda: peer.cancels == [rid])
        assert peer.redelivered == []  # forgotten: not sent again
    finally:
        await peer.aclose()


# ── the Movesia package's shapes ────────────────────────────────────────────────────


async def test_null_ids_get_an_id_and_millisecond_ts_is_read_as_seconds(
    server: RunningServer,
) -> None:
    peer, _ = await hostile_editor(server, "movesia", "/p/Movesia")
    try:
        await peer.send({"type": "hb", "id": None, "body": {}})
        pong = await peer.receive(of_type("pong"))
        assert isinstance(pong["id"], str)
        assert pong["id"]
        event = {"type": "scene_saved", "id": None, "ts": 1_703_000_000_123, "body": {"p": 1}}
        await peer.send(event)
        ack = await peer.receive(lambda m: m["type"] == "ack" and m["body"]["type"] != "hello")
        assert ack["body"] == {"type": "scene_saved"}
        assert not [m for m in peer.received if m["type"] == "error"]
        [saved] = [m for m in server.manager.recent_events if m.type == "scene_saved"]
        assert saved.ts == 1_703_000_000
        assert saved.id == ack["id"]
    finally:
        peer.finish()


def test_ids_are_random() -> None:  # the helper's own sanity: distinct ids per envelope
    assert unity("x")["id"] != unity("x")["id"]
    assert uuid.UUID(unity("x")["id"])
