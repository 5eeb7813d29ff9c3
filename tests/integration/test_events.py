"""PROTOCOL.md §5 (ACKs of inbound events) and §7 (domain events)."""

from __future__ import annotations

import pytest

from conftest import RunningServer, serve
from movesia_mcp import ACK_REQUIRED_TYPES, MovesiaMessage, UnityManager, UnityManagerConfig
from movesia_mcp._simulator.peer import envelope

from .conftest import eventually, fast_manager, round_trip


class Recorder:
    def __init__(self) -> None:
        self.messages: list[MovesiaMessage] = []

    async def __call__(self, message: MovesiaMessage) -> None:
        self.messages.append(message)

    def types(self) -> list[str]:
        return [m.type for m in self.messages]


@pytest.mark.parametrize("event_type", sorted(ACK_REQUIRED_TYPES))
async def test_ack_required_event_is_acked_with_its_id_and_type(
    server: RunningServer, event_type: str
) -> None:
    async with server.peer() as peer:
        sent = await peer.send_event(event_type, {"n": 1}, wait_ack=True)
    acks = [m for m in peer.received if m["type"] == "ack" and m["id"] == sent["id"]]
    assert len(acks) == 1
    assert acks[0]["body"] == {"type": event_type}
    assert acks[0]["source"] == "mcp"


async def test_event_outside_the_ack_set_gets_no_ack(server: RunningServer) -> None:
    async with server.peer() as peer:
        sent = await peer.send_event("play_mode_changed", {"state": "playing"})
        await round_trip(peer)
    assert not any(m["type"] == "ack" and m["id"] == sent["id"] for m in peer.received)


async def test_events_reach_on_domain_event_subscribers() -> None:
    recorder = Recorder()
    manager = UnityManager(UnityManagerConfig(), on_domain_event=recorder)
    async with serve(manager) as running, running.peer() as peer:
        sent = await peer.send_event("scene_saved", {"scene": "Main.unity"}, wait_ack=True)
        await peer.send_event("play_mode_changed", {"state": "playing"})
        await eventually(lambda: "play_mode_changed" in recorder.types())
    saved = next(m for m in recorder.messages if m.type == "scene_saved")
    assert saved.id == sent["id"]
    assert saved.body == {"scene": "Main.unity"}
    assert saved.session == peer.session_id


async def test_listeners_added_later_receive_events_too(server: RunningServer) -> None:
    recorder = Recorder()
    server.manager.add_event_listener(recorder)
    async with server.peer() as peer:
        await peer.send_event("assets_imported", {"paths": ["Assets/a.png"]}, wait_ack=True)
    assert recorder.types() == ["hello", "assets_imported"]


async def test_failing_subscriber_does_not_break_the_connection() -> None:
    async def broken(message: MovesiaMessage) -> None:
        raise RuntimeError("subscriber bug")

    recorder = Recorder()
    manager = UnityManager(UnityManagerConfig(), on_domain_event=broken)
    manager.add_event_listener(recorder)
    async with serve(manager) as running, running.peer() as peer:
        await peer.send_event("scene_saved", {}, wait_ack=True)
        await peer.send_event("hierarchy_changed", {}, wait_ack=True)
        assert peer.closed_by_server is None
    assert recorder.types()[-2:] == ["scene_saved", "hierarchy_changed"]


async def test_control_messages_and_responses_are_not_domain_events(
    server: RunningServer,
) -> None:
    recorder = Recorder()
    server.manager.add_event_listener(recorder)

    async with server.peer(handlers={"echo": _echo}) as peer:
        await server.manager.send_and_wait("echo", x=1)
        await peer.send(envelope("hb", msg_id="hb-1"))
        await peer.send(envelope("pong", msg_id="pong-1"))
        await peer.send(envelope("ack", {"type": "whatever"}, msg_id="ack-1"))
        await peer.send_event("scene_saved", {}, wait_ack=True)
    assert recorder.types() == ["hello", "scene_saved"]
    assert [m.type for m in server.manager.recent_events] == ["hello", "scene_saved"]


async def _echo(params: dict[str, object]) -> dict[str, object]:
    return {"echo": params}


async def test_events_are_kept_in_recent_events(server: RunningServer) -> None:
    async with server.peer() as peer:
        sent = await peer.send_event("assets_deleted", {"paths": ["Assets/x.cs"]}, wait_ack=True)
    last = server.manager.recent_events[-1]
    assert last.id == sent["id"]
    assert last.type == "assets_deleted"
    assert last.body == {"paths": ["Assets/x.cs"]}


async def test_recent_events_buffer_is_bounded() -> None:
    async with serve(fast_manager(recent_events=3)) as running, running.peer() as peer:
        for n in range(6):
            await peer.send_event("scene_saved", {"n": n}, wait_ack=True)
    assert [m.body for m in running.manager.recent_events] == [{"n": 3}, {"n": 4}, {"n": 5}]


async def test_selection_changed_updates_the_session_selection(server: RunningServer) -> None:
    async with server.peer() as peer:
        selection = {"activeObject": "Player", "instanceIds": [101, 102]}
        await peer.send_event("selection_changed", selection, wait_ack=True)
        assert server.manager.sessions[peer.session_id].selection == selection
        await peer.send_event("selection_changed", {"activeObject": None}, wait_ack=True)
        assert server.manager.sessions[peer.session_id].selection == {"activeObject": None}


async def test_compile_started_and_finished_toggle_is_compiling(server: RunningServer) -> None:
    manager = server.manager
    async with server.peer() as peer:
        assert not manager.is_compiling
        await peer.send_event("compile_started", {}, wait_ack=True)
        assert manager.is_compiling
        assert manager.sessions[peer.session_id].compiling
        await peer.send_event("compile_finished", {"success": True, "errors": []}, wait_ack=True)
        assert not manager.is_compiling
        assert manager.sessions[peer.session_id].last_compile == {"success": True, "errors": []}
