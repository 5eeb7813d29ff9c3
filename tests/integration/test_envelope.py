"""PROTOCOL.md §2: the envelope, as the server writes it and as it reads it."""

from __future__ import annotations

from typing import Any

from conftest import RunningServer, serve
from movesia_mcp import HeartbeatConfig
from movesia_mcp._simulator.peer import envelope

from .conftest import ENVELOPE_FIELDS, FakeClock, eventually, fast_manager, round_trip


async def echo(params: dict[str, Any]) -> dict[str, Any]:
    return {"echo": params}


async def test_server_messages_carry_every_field_with_source_mcp() -> None:
    # The ping comes from a heartbeat sweep run by hand on a fake clock (the background
    # sweeper's hour never passes).
    clock = FakeClock()
    heartbeat = HeartbeatConfig(sweep_interval_ms=3_600_000, ping_after_idle_ms=100)
    manager = fast_manager(clock=clock, heartbeat=heartbeat)
    async with serve(manager) as running, running.peer(handlers={"echo": echo}) as peer:
        await running.manager.send_and_wait("echo", x=1)  # command
        await peer.send_event("scene_saved", {}, wait_ack=True)  # ack
        await peer.send_raw("{broken")  # error
        await round_trip(peer)  # pong
        assert not any(m["type"] == "hb" for m in peer.received)
        clock.advance(0.15)  # idle past ping_after
        await manager.sweep_heartbeats()
        await eventually(lambda: any(m["type"] == "hb" for m in peer.received))  # ping
    kinds = {m["type"] for m in peer.received}
    assert {"welcome", "ack", "echo", "error", "pong", "hb"} <= kinds
    for message in peer.received:
        assert set(message) == ENVELOPE_FIELDS, message
        assert message["v"] == 1
        assert message["source"] == "mcp"
        assert isinstance(message["ts"], int)
        assert message["ts"] > 0
        assert isinstance(message["id"], str)
        assert message["id"]
        assert isinstance(message["body"], dict)
        assert message["session"] == peer.session_id


async def test_envelope_with_null_body_is_accepted_as_empty(server: RunningServer) -> None:
    async with server.peer() as peer:
        await peer.send_raw({**envelope("scene_saved", msg_id="null-body"), "body": None})
        await round_trip(peer)
    assert any(m["type"] == "ack" and m["id"] == "null-body" for m in peer.received)
    assert server.manager.recent_events[-1].body == {}


async def test_envelope_with_only_type_and_id_is_accepted_with_defaults(
    server: RunningServer,
) -> None:
    async with server.peer() as peer:
        await peer.send_raw({"type": "scene_saved", "id": "minimal-1"})
        await eventually(lambda: any(m["id"] == "minimal-1" for m in peer.received))
        await round_trip(peer)
    ack = next(m for m in peer.received if m["id"] == "minimal-1")
    assert ack["type"] == "ack"
    assert not any(m["type"] == "error" for m in peer.received)
    event = server.manager.recent_events[-1]
    assert event.id == "minimal-1"
    assert event.v == 1
    assert event.source == "unity"
    assert event.body == {}
    assert event.ts > 0
