"""PROTOCOL.md §4: hb/pong, idle ping and expiry, compile suspension."""

from __future__ import annotations

from typing import Any

from conftest import RunningServer, serve
from movesia_mcp import CloseCode, HeartbeatConfig, UnityManager
from movesia_mcp._simulator import SimulatedUnity
from movesia_mcp._simulator.peer import envelope as peer_envelope

from .conftest import (
    FakeClock,
    close_of,
    eventually,
    fast_manager,
    frame,
    hello,
    of_type,
    raw_client,
    receive,
)

# Sweep every 50 ms, ping after 100 ms idle, close after 300 ms idle.
TINY = {"sweep_interval_ms": 50, "ping_after_idle_ms": 100, "max_idle_ms": 300}


def tiny_heartbeat(**overrides: int) -> HeartbeatConfig:
    return HeartbeatConfig(**{**TINY, **overrides})


def on_fake_clock(**overrides: int) -> tuple[FakeClock, UnityManager]:
    """The tiny heartbeat's thresholds on a fake clock; the test sweeps by hand
    (``sweep_heartbeats``) and the background sweeper never wakes during it."""
    clock = FakeClock()
    heartbeat = tiny_heartbeat(sweep_interval_ms=3_600_000, **overrides)
    return clock, fast_manager(clock=clock, heartbeat=heartbeat)


async def sweep_after(manager: UnityManager, clock: FakeClock, seconds: float) -> None:
    clock.advance(seconds)
    await manager.sweep_heartbeats()


def pings_received(peer: SimulatedUnity) -> int:
    return sum(m["type"] == "hb" for m in peer.received)


async def pinged(peer: SimulatedUnity, *, times: int) -> None:
    await eventually(lambda: pings_received(peer) == times)


async def test_hb_is_answered_with_pong_with_the_same_id(server: RunningServer) -> None:
    async with server.peer() as peer:
        await peer.send(peer_envelope("hb", msg_id="hb-42", session=peer.session_id))
        await eventually(lambda: any(m["type"] == "pong" for m in peer.received))
    pong = next(m for m in peer.received if m["type"] == "pong")
    assert pong["id"] == "hb-42"
    assert pong["source"] == "mcp"


async def test_idle_peer_is_sent_hb_then_closed_with_4004() -> None:
    clock, manager = on_fake_clock()
    async with serve(manager) as running:
        async with raw_client(running.url) as ws:
            await ws.send(hello("idle-sess"))
            seen: list[dict[str, Any]] = []
            await receive(ws, of_type("welcome"), seen=seen)
            await sweep_after(manager, clock, 0.15)  # idle past ping_after: pinged
            await sweep_after(manager, clock, 0.2)  # idle past max_idle: closed
            code, _ = await close_of(ws, timeout=3, seen=seen)
        types = [m["type"] for m in seen]
        assert "hb" in types
        assert types.index("hb") > types.index("welcome")
        assert code == CloseCode.SESSION_EXPIRED
        await eventually(lambda: running.manager.table.live("idle-sess") is None)


async def test_peer_that_answers_hb_is_not_closed() -> None:
    clock, manager = on_fake_clock()
    async with serve(manager) as running, running.peer() as peer:
        [connection] = manager.connections
        # Three pings answered by pongs span longer than max_idle (300 ms).
        for pings in (1, 2, 3):
            await sweep_after(manager, clock, 0.15)  # idle past ping_after: pinged
            await pinged(peer, times=pings)
            # Its pong is activity: idle from zero again.
            await eventually(lambda: manager.heartbeat.idle_seconds(connection) == 0.0)
        assert pings_received(peer) == 3
        assert peer.closed_by_server is None
        assert running.manager.table.live(peer.session_id) is not None


async def test_any_inbound_frame_counts_as_activity() -> None:
    clock, manager = on_fake_clock(ping_after_idle_ms=10_000)
    async with (
        serve(manager) as running,
        raw_client(running.url) as chatty,
        raw_client(running.url) as control,
    ):
        await chatty.send(hello("chatty-sess"))
        await receive(chatty, of_type("welcome"))
        await control.send(hello("control-sess"))
        await receive(control, of_type("welcome"))
        [connection] = [c for c in manager.connections if c.session_id == "chatty-sess"]
        # A frame the server has no use for, every 200 ms; silence on the control.
        for _ in range(3):
            clock.advance(0.2)
            await chatty.send(frame("custom_event", session="chatty-sess"))
            await eventually(lambda: manager.heartbeat.idle_seconds(connection) == 0.0)
            await manager.sweep_heartbeats()
        code, _ = await close_of(control, timeout=3)
        assert code == CloseCode.SESSION_EXPIRED
        assert running.manager.table.live("chatty-sess") is not None
        assert not connection.closed


async def test_compiling_peer_is_not_closed_as_idle() -> None:
    clock, manager = on_fake_clock(compile_suspend_ms=60_000)
    async with (
        serve(manager) as running,
        raw_client(running.url) as compiling,
    ):
        await compiling.send(hello("compiling-sess"))
        await compiling.send(frame("compile_started", msg_id="cs-1"))
        await receive(compiling, of_type("ack", "cs-1"))
        # A silent control connection, idle for less time than the compiling one,
        # is closed; the compiling one is neither pinged nor closed.
        async with raw_client(running.url) as control:
            await control.send(hello("control-sess"))
            await receive(control, of_type("welcome"))
            await sweep_after(manager, clock, 0.15)
            await sweep_after(manager, clock, 0.2)
            code, _ = await close_of(control, timeout=3)
        assert code == CloseCode.SESSION_EXPIRED
        assert running.manager.table.live("compiling-sess") is not None
        await compiling.send(frame("hb", msg_id="probe"))
        seen: list[dict[str, Any]] = []
        await receive(compiling, of_type("pong", "probe"), seen=seen)
        assert [m for m in seen if m["type"] == "hb"] == []


async def test_compile_suspension_survives_the_reload_reconnect() -> None:
    clock, manager = on_fake_clock(compile_suspend_ms=60_000)
    async with serve(manager) as running:
        async with raw_client(running.url + "?session=reload-sess&conn=1") as before:
            await receive(before, of_type("welcome"))
            await before.send(frame("compile_started", msg_id="cs-2"))
            await receive(before, of_type("ack", "cs-2"))
        # The domain reload: a new connection of the same session that says nothing.
        async with raw_client(running.url + "?session=reload-sess&conn=2") as after:
            seen: list[dict[str, Any]] = []
            await receive(after, of_type("welcome"), seen=seen)
            async with raw_client(running.url) as control:
                await control.send(hello("control-sess"))
                await receive(control, of_type("welcome"))
                await sweep_after(manager, clock, 0.15)
                await sweep_after(manager, clock, 0.2)
                code, _ = await close_of(control, timeout=3)
            assert code == CloseCode.SESSION_EXPIRED
            assert running.manager.table.live_conn_seq("reload-sess") == 2
            await after.send(frame("hb", msg_id="probe", session="reload-sess"))
            await receive(after, of_type("pong", "probe"), seen=seen)
            assert [m for m in seen if m["type"] == "hb"] == []  # not even pinged


async def test_compile_finished_leaves_a_grace_period() -> None:
    clock, manager = on_fake_clock(compile_suspend_ms=60_000)  # grace: the default 30 s
    async with (
        serve(manager) as running,
        raw_client(running.url) as compiled,
    ):
        await compiled.send(hello("grace-sess"))
        await compiled.send(frame("compile_started", msg_id="cs-3"))
        await compiled.send(frame("compile_finished", msg_id="cf-3"))
        await receive(compiled, of_type("ack", "cf-3"))
        async with raw_client(running.url) as control:
            await control.send(hello("control-sess"))
            await receive(control, of_type("welcome"))
            await sweep_after(manager, clock, 0.15)
            await sweep_after(manager, clock, 0.2)
            code, _ = await close_of(control, timeout=3)
        assert code == CloseCode.SESSION_EXPIRED
        assert running.manager.table.live("grace-sess") is not None


async def test_compile_finished_ends_the_compile_suspension() -> None:
    clock, manager = on_fake_clock(compile_suspend_ms=60_000, compile_grace_ms=1)
    async with serve(manager) as running:
        async with raw_client(running.url) as compiled:
            await compiled.send(hello("done-sess"))
            await compiled.send(frame("compile_started", msg_id="cs-4"))
            await compiled.send(frame("compile_finished", msg_id="cf-4"))
            await receive(compiled, of_type("ack", "cf-4"))
            await sweep_after(manager, clock, 0.15)
            await sweep_after(manager, clock, 0.2)
            code, _ = await close_of(compiled, timeout=3)
        assert code == CloseCode.SESSION_EXPIRED
