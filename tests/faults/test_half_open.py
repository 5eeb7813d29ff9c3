"""Scenario 2: a half-open connection: the editor stops reading and never sends again.

Nothing tells the server: no FIN, no RST, no close frame. Only the heartbeat can find
out (PROTOCOL.md §4): it pings, nobody answers, and it closes the socket with 4004.
The stuck editor is a bare WebSocket client, so that what it was sent can be read
back, in order, once it reads again.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conftest import serve
from integration.conftest import FakeClock, close_of, hello, of_type, raw_client, receive
from movesia_mcp import (
    CloseCode,
    CommandTimeoutError,
    ConnectionLostError,
    HeartbeatConfig,
)

from .conftest import eventually, fast_manager, leak_check

# Ping after 200 ms idle, close after 1 s idle, on a fake clock the test moves in steps
# of STEP (a power of two: exact sums); the background sweeper's hour never passes, the
# test sweeps by hand after each step.
HEARTBEAT = HeartbeatConfig(sweep_interval_ms=3_600_000, ping_after_idle_ms=200, max_idle_ms=1000)
SHORT_TIMEOUT = 0.3
STEP = 1 / 16


async def echo(params: dict[str, Any]) -> dict[str, Any]:
    return {"echo": params}


async def test_half_open_editor_is_pinged_then_closed_and_its_commands_do_not_hang() -> None:
    """Guarantee: an editor that stops reading and never sends again (half-open) is sent
    ``hb`` pings and then closed with 4004 once idle past ``max_idle`` (1 s here); a
    command sent to it fails with ``CommandTimeoutError`` at its own timeout (0.3 s, not
    later: no hang); a longer command still in flight when the 4004 close comes fails
    at once with ``ConnectionLostError(delivered=False)`` (it was never acked); another
    editor answers in every step the whole time; nothing is left pending and no
    task leaks."""
    clock = FakeClock()
    manager = fast_manager(clock=clock, heartbeat=HEARTBEAT, command_timeout=30.0)
    async with serve(manager) as running:
        # The healthy editor answers a command in every step, so it is never idle.
        healthy = running.peer(
            project_path="/p/Healthy", handlers={"echo": echo}, heartbeat_interval=None
        )
        await healthy.connect()
        try:
            async with raw_client(running.url) as stuck:
                await stuck.send(hello("stuck-sess", dataPath="/p/Stuck/Assets"))
                await receive(stuck, of_type("welcome"))
                async with leak_check(manager):
                    connection = manager.sessions["stuck-sess"].connection
                    assert connection is not None
                    stuck.transport.pause_reading()
                    went_quiet = clock()

                    long_call = asyncio.create_task(
                        manager.send_and_wait("echo", timeout=30.0, project="Stuck")
                    )
                    short_call = asyncio.create_task(
                        manager.send_and_wait("echo", timeout=SHORT_TIMEOUT, project="Stuck")
                    )
                    await eventually(lambda: len(manager.commands) == 2)

                    # Meanwhile, and until the stuck one is closed, the healthy one works.
                    answered: list[float] = []  # when each healthy call was answered
                    timed_out_after: float | None = None
                    while not connection.closed:
                        # The fake clock stands still while this waits: a call held up
                        # by the stuck editor would never end (the real-time guard).
                        answer = await asyncio.wait_for(
                            manager.send_and_wait("echo", timeout=2, project="Healthy", n=1),
                            5.0,
                        )
                        answered.append(clock() - went_quiet)
                        assert answer == {"echo": {"n": 1}}
                        assert clock() - went_quiet < 5, "the stuck editor stays open"
                        clock.advance(STEP)
                        manager.dispatch.sweep(clock())
                        await manager.sweep_heartbeats()
                        await asyncio.sleep(0)  # let a settled caller see its answer
                        if timed_out_after is None and short_call.done():
                            timed_out_after = clock() - went_quiet
                    closed_after = clock() - went_quiet
                    assert timed_out_after is not None
                    assert SHORT_TIMEOUT <= timed_out_after < SHORT_TIMEOUT + STEP
                    with pytest.raises(CommandTimeoutError):
                        await short_call
                    assert connection.close_code == CloseCode.SESSION_EXPIRED
                    assert 1.0 <= closed_after < 1.0 + STEP, closed_after
                    # One healthy answer in every step the stuck editor stayed open.
                    assert len(answered) == round(closed_after / STEP)
                    assert answered[-1] < closed_after
                    assert not any(m["type"] == "hb" for m in healthy.received)

                    with pytest.raises(ConnectionLostError) as caught:
                        await asyncio.wait_for(long_call, 1.0)
                    assert caught.value.delivered is False
                    await eventually(lambda: manager.sessions["stuck-sess"].connection is None)
                    assert manager.table.live("stuck-sess") is None
                    assert len(manager.commands) == 0

                    # When the editor reads again: both commands, the pings, then 4004.
                    stuck.transport.resume_reading()
                    seen: list[dict[str, Any]] = []
                    code, reason = await close_of(stuck, seen=seen)
                    assert code == CloseCode.SESSION_EXPIRED, (code, reason)
                    types = [m["type"] for m in seen]
                    assert types.count("echo") == 2
                    assert types.count("hb") >= 2
                    assert await manager.send_and_wait("echo", project="Healthy") == {"echo": {}}
        finally:
            await healthy.aclose()
