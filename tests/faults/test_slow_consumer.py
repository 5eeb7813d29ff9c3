"""Scenario 5: a slow consumer: one editor stops reading while the server keeps sending.

The stuck editor's kernel buffers fill, then the server's transport buffer; from then
on every send to it waits. The slow-consumer policy (``connection.py``) bounds that:
frames waiting to be written count against ``max_send_backlog_bytes`` and one send may
wait at most ``send_timeout``; breaking either closes the editor with 1008.

The editor stays stuck for 3 s by default, 30 s with ``MOVESIA_FULL=1`` (marked slow).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client

from conftest import APP_KINDS, AppKind, serve
from movesia_mcp import CloseCode, ConnectionLostError, NotConnectedError, UnityError
from movesia_mcp._server.app import build_server
from movesia_mcp._server.hub import ClientHub
from movesia_mcp._simulator import SimulatedEditor

from .conftest import FULL, eventually, fast_manager, leak_check, resume_reading, stop_reading

BACKLOG_LIMIT = 256 * 1024
SEND_TIMEOUT = 1.0
PAYLOAD = "x" * (64 * 1024)  # one shared string: pending commands do not copy it
PROBES = 50
MEMORY_BUDGET = 4 * 1024 * 1024
STUCK = (
    pytest.param(30.0, id="stuck-30s", marks=pytest.mark.slow)
    if FULL
    else pytest.param(3.0, id="stuck-3s")
)


async def echo(params: dict[str, Any]) -> dict[str, Any]:
    return {"size": len(str(params))}


@dataclass
class FloodCall:
    started: float
    ended: float | None = None
    # The error's class only: an exception keeps its traceback's frames (and the 64 KiB
    # frame text in them) alive, which would count against the memory budget.
    error: type[UnityError] | None = None


@pytest.mark.parametrize("app", APP_KINDS)
@pytest.mark.parametrize("stuck_for", [STUCK])
async def test_stuck_editor_is_cut_off_and_does_not_slow_down_the_others(
    stuck_for: float, app: AppKind
) -> None:
    """Guarantee: while one editor does not read for ``stuck_for`` seconds (3 s; 30 s
    with ``MOVESIA_FULL=1``) and the server keeps sending it 64 KiB commands every
    10 ms: the other editor's round trips stay normal (50 probes over the period,
    max < 0.5 s) and MCP tool calls to it are not blocked (< 0.5 s each); the stuck
    connection's send backlog never exceeds ``max_send_backlog_bytes`` (256 KiB) and
    traced memory grows by less than 4 MiB at its peak; the stuck editor is closed with
    1008 (slow_consumer) and dropped from its session; every caller whose command was
    sent to it before the cut-off gets ``ConnectionLostError`` within ``send_timeout``
    + 1.5 s of it (not at its 120 s timeout), later callers fail with
    ``ConnectionLostError`` or ``NotConnectedError``; when it reads again it finds its
    connection closed (seen as 1006: the 1008 close frame cannot be written to a peer
    that does not read); nothing stays pending and no task leaks."""
    manager = fast_manager(
        command_timeout=120.0,
        send_timeout=SEND_TIMEOUT,
        max_send_backlog_bytes=BACKLOG_LIMIT,
        reconnect_grace=0.2,
    )
    hub = ClientHub()
    mcp_server = build_server(manager, hub)
    editor = SimulatedEditor(project_path="/p/Healthy")
    async with serve(manager, app=app) as running:
        flusher = asyncio.create_task(hub.run())
        healthy = running.peer(project_path="/p/Healthy", handlers=editor.handlers())
        editor.attach(healthy)
        stuck = running.peer(project_path="/p/Stuck", handlers={"echo": echo})
        await healthy.connect()
        await stuck.connect()
        # Warm up (imports, schema building) so that the memory measured is the fault's.
        await manager.execute("echo", {"payload": PAYLOAD}, project="Stuck")  # it works
        await manager.execute("get_editor_state", {}, project="Healthy")
        async with Client(mcp_server) as client:
            await client.call_tool("get_editor_state", {"project": "Healthy"})
        connection = manager.sessions[stuck.session_id].connection
        assert connection is not None
        tracemalloc.start()
        try:
            async with leak_check(manager):
                baseline = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                stop_reading(stuck)
                began = time.monotonic()
                period_over = asyncio.Event()
                flood: list[FloodCall] = []
                flood_tasks: list[asyncio.Task[None]] = []
                backlog_seen = 0
                probe_latencies: list[float] = []
                mcp_latencies: list[float] = []
                closed_at: float | None = None

                async def send_big() -> None:
                    call = FloodCall(time.monotonic())
                    flood.append(call)
                    try:
                        await manager.execute("echo", {"payload": PAYLOAD}, project="Stuck")
                    except UnityError as exc:
                        call.error = type(exc)
                    call.ended = time.monotonic()

                async def flooder() -> None:
                    while not period_over.is_set():
                        flood_tasks.append(asyncio.create_task(send_big()))
                        await asyncio.sleep(0.01)

                async def watch_backlog() -> None:
                    nonlocal backlog_seen, closed_at
                    while not period_over.is_set():
                        backlog_seen = max(backlog_seen, connection.backlog_bytes)
                        if closed_at is None and connection.closed:
                            closed_at = time.monotonic()
                        await asyncio.sleep(0.002)

                async def probe() -> None:
                    interval = stuck_for / PROBES
                    for _ in range(PROBES):
                        t0 = time.monotonic()
                        state = await manager.execute("get_editor_state", {}, project="Healthy")
                        probe_latencies.append(time.monotonic() - t0)
                        assert state["project_path"] == "/p/Healthy"
                        await asyncio.sleep(max(0.0, interval - (time.monotonic() - t0)))

                async def mcp_calls() -> None:
                    async with Client(mcp_server) as client:
                        for _ in range(5):
                            t0 = time.monotonic()
                            result = await client.call_tool(
                                "get_editor_state", {"project": "Healthy"}
                            )
                            mcp_latencies.append(time.monotonic() - t0)
                            assert not result.is_error, result
                            await asyncio.sleep(stuck_for / 6)

                async def period() -> None:
                    await asyncio.sleep(stuck_for)
                    period_over.set()

                async with asyncio.TaskGroup() as tg:
                    for job in (flooder, watch_backlog, probe, mcp_calls, period):
                        tg.create_task(job())
                assert time.monotonic() - began < stuck_for + 2
                results = await asyncio.wait_for(asyncio.gather(*flood_tasks), 5)
                assert len(results) == len(flood)
                peak = tracemalloc.get_traced_memory()[1] - baseline

                # Cut off with 1008, dropped from its session.
                assert closed_at is not None, "the stuck editor was never cut off"
                assert connection.close_code == CloseCode.POLICY_VIOLATION
                assert connection.close_reason.startswith("slow_consumer")
                await eventually(lambda: manager.table.live(stuck.session_id) is None)
                assert manager.sessions[stuck.session_id].connection is None

                # Its callers failed fast; nobody waited for the 120 s timeout.
                sent_before = [c for c in flood if c.started < closed_at]
                assert sent_before
                for call in flood:
                    assert call.error is not None, "a command to the stuck editor succeeded"
                    assert call.ended is not None
                    if call.started < closed_at:
                        assert call.error is ConnectionLostError, call.error
                        assert call.ended - closed_at < SEND_TIMEOUT + 1.5, (
                            f"a caller learned of the cut-off {call.ended - closed_at:.2f}s late"
                        )
                    else:
                        assert call.error in (ConnectionLostError, NotConnectedError), call.error

                # Bounded memory and an unaffected neighbour.
                assert 0 < backlog_seen <= BACKLOG_LIMIT
                assert peak < MEMORY_BUDGET, f"traced memory peak grew by {peak / 2**20:.1f} MiB"
                assert len(probe_latencies) == PROBES
                assert max(probe_latencies) < 0.5, max(probe_latencies)
                assert len(mcp_latencies) == 5
                assert max(mcp_latencies) < 0.5, max(mcp_latencies)
                print(
                    f"\nstuck {stuck_for:g}s: cut off after {closed_at - began:.2f}s; "
                    f"{len(sent_before)} callers lost, {len(flood) - len(sent_before)} refused; "
                    f"max backlog {backlog_seen // 1024} KiB; peak +{peak / 2**20:.2f} MiB; "
                    f"probe p50 {statistics.median(probe_latencies) * 1000:.1f} ms, "
                    f"max {max(probe_latencies) * 1000:.1f} ms; "
                    f"MCP max {max(mcp_latencies) * 1000:.1f} ms"
                )

                # Reading again, the editor finds its connection gone.
                resume_reading(stuck)
                await asyncio.wait_for(stuck.disconnected.wait(), 5)
                await healthy.aclose()
                await stuck.aclose()
        finally:
            tracemalloc.stop()
            if stuck.ws is not None:  # on a failure, it may still be stuck: end it
                stuck.ws.transport.abort()
            await healthy.aclose()
            await stuck.aclose()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
