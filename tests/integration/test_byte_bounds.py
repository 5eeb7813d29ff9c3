"""Byte bounds on what the manager keeps, over real sockets: the subscriber queue, huge
events, compile errors and the selection."""

from __future__ import annotations

import asyncio

from conftest import serve
from movesia_mcp._bounds import json_size
from movesia_mcp._unity_session import StateChange

from .conftest import eventually, fast_manager, round_trip

KiB = 1024
MiB = 1024 * KiB


async def test_a_stalled_subscriber_holds_a_bounded_number_of_bytes() -> None:
    limit = 1 * MiB
    manager = fast_manager(max_pending_delivery_bytes=limit)
    release = asyncio.Event()
    delivered: list[StateChange] = []

    async def stalled(change: StateChange) -> None:
        await release.wait()
        delivered.append(change)

    manager.add_state_listener(stalled)
    async with serve(manager) as running, running.peer() as peer:
        for n in range(100):
            await peer.send_event("scene_saved", {"n": n, "blob": "b" * (60 * KiB)})
        await round_trip(peer)
        assert manager.dropped_deliveries > 0
        release.set()
        await eventually(lambda: manager._deliveries is not None and manager._deliveries.empty())
        await asyncio.sleep(0)
    events = [c for c in delivered if c.message is not None and c.message.type == "scene_saved"]
    held = sum(json_size(c.message.body) for c in events if c.message is not None)
    assert held <= limit + 64 * KiB  # the queue, plus the one the subscriber was holding
    assert len(events) + manager.dropped_deliveries >= 100
    assert events[0].message is not None
    assert events[0].message.body["n"] == 0  # the oldest were delivered, newer ones dropped


async def test_a_huge_event_is_kept_clipped_and_the_connection_stays_usable() -> None:
    manager = fast_manager(max_event_bytes=8 * KiB, max_recent_events_bytes=64 * KiB)
    async with serve(manager) as running, running.peer() as peer:
        await peer.send_event("selection_changed", {"name": "Big", "path": "p" * (2 * MiB)})
        for n in range(50):
            await peer.send_event("scene_saved", {"n": n, "pad": "q" * (4 * KiB)})
        await round_trip(peer)
        session = manager.sessions[peer.session_id]
        assert session.selection is not None
        assert json_size(session.selection) <= 8 * KiB
        assert session.selection["name"] == "Big"
        assert manager.recent_events.bytes <= 64 * KiB
        assert manager.recent_events[-1].body["n"] == 49
        await round_trip(peer)  # the editor's connection still works after all that


async def test_compile_errors_are_bounded_in_count_and_bytes() -> None:
    manager = fast_manager(max_compile_errors=20, max_compile_errors_bytes=4 * KiB)
    errors = [{"file": "Assets/A.cs", "line": i, "message": "CS0103"} for i in range(5000)]
    async with serve(manager) as running, running.peer() as peer:
        await peer.send_event("compile_started", {})
        await peer.send_event("compile_finished", {"success": False, "errors": errors})
        await round_trip(peer)
        last = manager.sessions[peer.session_id].last_compile
    assert last is not None
    assert json_size(last) <= 4 * KiB
    assert last["errors_total"] == 5000
    assert last["errors"] == errors[: len(last["errors"])]
    assert 0 < len(last["errors"]) <= 20
