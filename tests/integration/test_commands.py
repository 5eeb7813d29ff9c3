"""PROTOCOL.md §5 (command ACKs) and §6 (commands): round trip, errors, timeouts, lost
connections, reload-surviving commands, and waiting while Unity compiles or reloads."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from conftest import RunningServer, serve
from movesia_mcp import (
    CommandProgress,
    CommandState,
    CommandTimeoutError,
    ConnectionLostError,
    NotConnectedError,
    UnityCommandError,
)
from movesia_mcp._simulator import NoAnswer, ReloadThenAnswer, SimulatedUnity
from movesia_mcp._simulator.peer import envelope

from .conftest import (
    ENVELOPE_FIELDS,
    FakeClock,
    eventually,
    fast_manager,
    round_trip,
    sweep_deadlines_after,
)

Params = dict[str, Any]


async def echo(params: Params) -> Params:
    return {"echo": params}


async def no_answer(params: Params) -> NoAnswer:
    return NoAnswer()


def commands_of(peer: SimulatedUnity, command_type: str) -> list[dict[str, Any]]:
    return [m for m in peer.commands_seen if m["type"] == command_type]


class ProgressLog:
    def __init__(self) -> None:
        self.reports: list[CommandProgress] = []

    async def __call__(self, progress: CommandProgress) -> None:
        self.reports.append(progress)

    def phases(self) -> set[str]:
        return {p.phase for p in self.reports}


# ── round trip ──────────────────────────────────────────────────────────────────────


async def test_command_round_trip_returns_the_response_body(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": echo}):
        result = await server.manager.send_and_wait("echo", name="Cube", count=2)
    assert result == {"echo": {"name": "Cube", "count": 2}}


async def test_command_envelope_id_equals_body_request_id(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": echo}) as peer:
        await server.manager.send_and_wait("echo", x=1)
    [command] = commands_of(peer, "echo")
    assert set(command) == ENVELOPE_FIELDS
    assert command["source"] == "mcp"
    assert command["session"] == peer.session_id
    assert command["body"] == {"request_id": command["id"], "x": 1}


async def test_response_is_matched_by_body_request_id(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("echo", x=1))
        await eventually(lambda: commands_of(peer, "echo"))
        request_id = commands_of(peer, "echo")[0]["id"]
        await peer.send(envelope("echo_response", {"request_id": request_id, "ok": True}))
        assert await asyncio.wait_for(task, 2) == {"ok": True}


async def test_response_of_any_type_is_matched_by_envelope_id(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("echo", x=1))
        await eventually(lambda: commands_of(peer, "echo"))
        request_id = commands_of(peer, "echo")[0]["id"]
        await peer.send(envelope("compilation_complete", {"ok": True}, msg_id=request_id))
        assert await asyncio.wait_for(task, 2) == {"ok": True}


async def test_concurrent_commands_are_correlated_by_id(server: RunningServer) -> None:
    async def slow_echo(params: Params) -> Params:
        await asyncio.sleep(0.05 * (5 - params["n"]))  # answer in reverse order
        return {"n": params["n"]}

    async with server.peer(handlers={"echo": slow_echo}):
        results = await asyncio.gather(
            *(server.manager.send_and_wait("echo", n=n) for n in range(5))
        )
    assert results == [{"n": n} for n in range(5)]


async def test_unity_ack_marks_the_command_delivered(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": no_answer}):
        task = asyncio.create_task(server.manager.send_and_wait("echo"))
        await eventually(lambda: server.manager.commands.pending())
        [command] = server.manager.commands.pending()
        await eventually(lambda: command.state is CommandState.ACKED)
        assert command.delivered
        task.cancel()


# ── failures ────────────────────────────────────────────────────────────────────────


async def test_unity_error_field_raises_unity_command_error(server: RunningServer) -> None:
    async def broken(params: Params) -> Params:
        return {"error": "GameObject 'Cube' not found"}

    async with server.peer(handlers={"find": broken}):
        with pytest.raises(UnityCommandError) as failed:
            await server.manager.send_and_wait("find", name="Cube")
    assert failed.value.unity_message == "GameObject 'Cube' not found"
    assert "GameObject 'Cube' not found" in str(failed.value)
    assert failed.value.command_type == "find"


async def test_success_false_raises_unity_command_error_with_its_message(
    server: RunningServer,
) -> None:
    async def refused(params: Params) -> Params:
        return {"success": False, "message": "scene is read-only"}

    async with server.peer(handlers={"save": refused}):
        with pytest.raises(UnityCommandError) as failed:
            await server.manager.send_and_wait("save")
    assert failed.value.unity_message == "scene is read-only"
    assert "scene is read-only" in str(failed.value)


async def test_unity_error_envelope_answering_a_command_fails_it(server: RunningServer) -> None:
    # "its type is conventionally <command>_response (any type is accepted)": an
    # ``error`` envelope that names the command is its (failed) answer.
    async with server.peer(handlers={"spawn": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("spawn", timeout=5))
        await eventually(lambda: commands_of(peer, "spawn"))
        request_id = commands_of(peer, "spawn")[0]["id"]
        body = {"request_id": request_id, "error": "unknown command 'spawn'"}
        await peer.send(envelope("error", body, msg_id=request_id))
        with pytest.raises(UnityCommandError) as failed:
            await asyncio.wait_for(task, 1)
    assert failed.value.unity_message == "unknown command 'spawn'"


async def test_unanswered_command_raises_command_timeout_error() -> None:
    clock = FakeClock()
    manager = fast_manager(clock=clock)
    async with serve(manager) as running, running.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(running.manager.send_and_wait("echo", timeout=0.2))
        await eventually(lambda: commands_of(peer, "echo"))
        await sweep_deadlines_after(manager, clock, 0.19)
        assert not task.done()  # not before its timeout
        assert len(manager.commands) == 1
        await sweep_deadlines_after(manager, clock, 0.02)
        with pytest.raises(CommandTimeoutError) as timed_out:
            await asyncio.wait_for(task, 2)
    assert isinstance(timed_out.value, TimeoutError)
    assert "'echo' within 0.2s" in str(timed_out.value)
    assert len(manager.commands) == 0


async def test_command_timeout_defaults_to_the_configured_command_timeout() -> None:
    clock = FakeClock()
    manager = fast_manager(clock=clock, command_timeout=0.2)
    async with serve(manager) as running, running.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(running.manager.send_and_wait("echo"))
        await eventually(lambda: commands_of(peer, "echo"))
        await sweep_deadlines_after(manager, clock, 0.19)
        assert not task.done()
        await sweep_deadlines_after(manager, clock, 0.02)  # past the configured 0.2 s
        with pytest.raises(CommandTimeoutError):
            await asyncio.wait_for(task, 2)
    assert len(manager.commands) == 0


async def test_disconnect_mid_command_fails_the_caller_at_once(server: RunningServer) -> None:
    async with server.peer(handlers={"echo": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("echo", timeout=30))
        await eventually(lambda: [c for c in server.manager.commands.pending() if c.delivered])
        started = time.monotonic()
        await peer.close()
        with pytest.raises(ConnectionLostError) as lost:
            await asyncio.wait_for(task, 5)
        elapsed = time.monotonic() - started
    assert elapsed < 1.0
    assert lost.value.delivered is True
    assert "echo" in str(lost.value)


async def test_disconnect_before_ack_reports_the_command_undelivered(
    server: RunningServer,
) -> None:
    async with server.peer(handlers={"echo": no_answer}, ack_commands=False) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("echo", timeout=30))
        await eventually(lambda: commands_of(peer, "echo"))
        started = time.monotonic()
        await peer.close()
        with pytest.raises(ConnectionLostError) as lost:
            await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 1.0
    assert lost.value.delivered is False


async def test_command_after_editor_left_for_good_raises_not_connected() -> None:
    clock = FakeClock()
    async with serve(fast_manager(clock=clock, reconnect_grace=0.2)) as running:
        async with running.peer(handlers={"echo": echo}):
            await running.manager.send_and_wait("echo")
        await eventually(lambda: not running.manager.is_connected)
        clock.advance(0.2)  # the reconnect grace is over
        started = time.monotonic()
        with pytest.raises(NotConnectedError):
            await running.manager.send_and_wait("echo")
        assert time.monotonic() - started < 1.0


# ── reload-surviving commands ───────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("command_type", "flag"),
    [("refresh_assets", None), ("apply_patch", True)],
    ids=["listed_command", "survives_reload_flag"],
)
async def test_reload_surviving_command_completes_after_reconnect_with_original_id(
    server: RunningServer, command_type: str, flag: bool | None
) -> None:
    calls: list[Params] = []

    async def reload_then_answer(params: Params) -> ReloadThenAnswer:
        calls.append(params)
        return ReloadThenAnswer({"refreshed": True})

    async with server.peer(handlers={command_type: reload_then_answer}, conn_seq=1) as peer:
        result = await server.manager.send_and_wait(
            command_type, survives_reload=flag, path="Assets"
        )
        assert result == {"refreshed": True}
        assert calls == [{"path": "Assets"}]
        assert peer.reloads == 1
        assert peer.conn_seq == 2
        assert server.manager.table.live_conn_seq(peer.session_id) == 2
        [command] = commands_of(peer, command_type)  # sent once, never again
        assert command["id"] == command["body"]["request_id"]
        assert len(server.manager.commands) == 0


async def test_reload_surviving_command_reports_progress_while_unity_reloads() -> None:
    """A caller that asked for progress hears about its command every
    ``progress_interval`` of the manager's clock (the deadline sweep fires the ticks):
    waiting for the answer while Unity has it, waiting for the reconnect while Unity
    reloads, and nothing once it is answered."""
    clock = FakeClock()
    progress = ProgressLog()
    # Ticks 20 s apart on the fake clock: a tick on the real clock would come too late.
    manager = fast_manager(clock=clock, progress_interval=20.0, command_timeout=600.0)
    async with (
        serve(manager) as running,
        running.peer(handlers={"refresh_assets": no_answer}, conn_seq=1) as peer,
    ):
        task = asyncio.create_task(
            running.manager.send_and_wait("refresh_assets", on_progress=progress)
        )
        await eventually(lambda: commands_of(peer, "refresh_assets"))
        [command] = manager.commands.pending()
        await sweep_deadlines_after(manager, clock, 19.9)
        await round_trip(peer)  # a tick fired now would have been reported by then
        assert progress.reports == []  # not before the first interval
        await sweep_deadlines_after(manager, clock, 0.1)
        await eventually(lambda: len(progress.reports) == 1)
        assert progress.reports[0].phase == "waiting_for_answer"
        assert progress.reports[0].command_type == "refresh_assets"
        assert progress.reports[0].elapsed == pytest.approx(20.0)
        # The domain reload: compile_started, the socket closes, the command waits.
        await peer.send_event("compile_started", {}, wait_ack=True)
        await peer.close(1001, "domain reload")
        await eventually(lambda: command.state is CommandState.DETACHED)
        await sweep_deadlines_after(manager, clock, 20.0)
        await eventually(lambda: len(progress.reports) == 2)
        await sweep_deadlines_after(manager, clock, 20.0)
        await eventually(lambda: len(progress.reports) == 3)
        reloading = progress.reports[1:]
        assert [p.phase for p in reloading] == ["waiting_for_reconnect"] * 2
        assert [p.elapsed for p in reloading] == [pytest.approx(40.0), pytest.approx(60.0)]
        assert reloading[0].message == (
            "Unity is reloading; the command will be answered after it reconnects"
        )
        assert not task.done()
        peer.conn_seq += 1
        await peer.connect()
        await peer.send_event("compile_finished", {"success": True}, wait_ack=True)
        await peer.send(
            envelope(
                "refresh_assets_response",
                {"request_id": command.id, "refreshed": True},
                session=peer.session_id,
            )
        )
        result = await asyncio.wait_for(task, 2)
        assert len(manager.dispatch.ticks) == 0  # the answered caller's next tick is gone
        await sweep_deadlines_after(manager, clock, 100.0)  # answered: no tick any more
    assert result == {"refreshed": True}
    assert len(progress.reports) == 3
    # Resent on the new connection (§6.1), and run once: the editor's ledger knew it.
    assert len(commands_of(peer, "refresh_assets")) == 1
    assert [m["type"] for m in peer.redelivered] == ["refresh_assets"]


async def test_the_running_sweep_wakes_for_each_progress_tick() -> None:
    """Production timing: on the real clock, the background sweep (its watchdog alone
    would wake only every 15 s here) wakes up for the next progress tick."""
    progress = ProgressLog()
    manager = fast_manager(progress_interval=0.05, send_timeout=60.0, command_timeout=60.0)
    async with serve(manager) as running, running.peer(handlers={"echo": no_answer}):
        task = asyncio.create_task(running.manager.send_and_wait("echo", on_progress=progress))
        await eventually(lambda: len(progress.reports) >= 3)
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(manager.dispatch.ticks) == 0  # a cancelled caller leaves no tick behind
    assert {p.phase for p in progress.reports} == {"waiting_for_answer"}


async def test_the_running_sweep_wakes_for_a_new_commands_deadline() -> None:
    """Production timing: on the real clock, the background sweep (its watchdog alone
    would wake only every 15 s here) wakes up for a command whose deadline comes first."""
    manager = fast_manager(send_timeout=60.0, command_timeout=60.0)
    async with serve(manager) as running, running.peer(handlers={"echo": no_answer}):
        call = asyncio.create_task(running.manager.send_and_wait("echo", timeout=0.2))
        with pytest.raises(CommandTimeoutError):
            await asyncio.wait_for(call, 5.0)


async def test_reload_surviving_command_gives_up_when_the_session_never_returns() -> None:
    clock = FakeClock()
    config: dict[str, Any] = {
        "command_timeout": 0.2,
        "interrupt_timeout": 0.5,
        "reconnect_grace": 0.1,
    }
    manager = fast_manager(clock=clock, **config)
    async with (
        serve(manager) as running,
        running.peer(handlers={"refresh_assets": no_answer}) as peer,
    ):
        task = asyncio.create_task(running.manager.send_and_wait("refresh_assets"))
        await eventually(lambda: commands_of(peer, "refresh_assets"))
        [command] = manager.commands.pending()
        await peer.close()
        await eventually(lambda: command.state is CommandState.DETACHED)
        # Its own 0.2 s have passed, but a reload holds it for the interrupt window.
        await sweep_deadlines_after(manager, clock, 0.45)
        assert not task.done()
        assert manager.commands.pending() == [command]  # still detached, still waiting
        await sweep_deadlines_after(manager, clock, 0.15)  # past the 0.5 s window
        with pytest.raises(CommandTimeoutError, match=r"'refresh_assets' within 0\.6s"):
            await asyncio.wait_for(task, 3)
    assert command.state is CommandState.TIMED_OUT
    assert len(manager.commands) == 0


async def test_acked_command_is_not_sent_again_after_reconnect(server: RunningServer) -> None:
    async with server.peer(handlers={"refresh_assets": no_answer}) as peer:
        task = asyncio.create_task(server.manager.send_and_wait("refresh_assets"))
        await eventually(lambda: [c for c in server.manager.commands.pending() if c.delivered])
        await peer.reconnect()
        await round_trip(peer)
        [command] = commands_of(peer, "refresh_assets")
        request_id = command["id"]
        await peer.send(envelope("compilation_complete", {"request_id": request_id, "ok": 1}))
        assert await asyncio.wait_for(task, 2) == {"ok": 1}
        assert len(commands_of(peer, "refresh_assets")) == 1


async def test_unacked_command_is_resent_when_unity_provably_never_received_it(
    server: RunningServer,
) -> None:
    attempts: list[Params] = []

    async def lost_then_answered(params: Params) -> Params | NoAnswer:
        attempts.append(params)
        return NoAnswer() if len(attempts) == 1 else {"ok": True}

    handlers = {"echo": echo, "refresh_assets": lost_then_answered}
    # A version 1 editor (no dedup ledger): it runs a command it receives twice.
    async with server.peer(handlers=handlers, capabilities=()) as peer:
        await server.manager.send_and_wait("echo")  # this session acks its commands
        peer.ack_commands = False  # the next command is "lost in transit"
        task = asyncio.create_task(server.manager.send_and_wait("refresh_assets", p=1))
        await eventually(lambda: commands_of(peer, "refresh_assets"))
        peer.ack_commands = True
        await peer.reconnect()
        assert await asyncio.wait_for(task, 3) == {"ok": True}
    first, second = commands_of(peer, "refresh_assets")
    assert first["id"] == second["id"]
    assert attempts == [{"p": 1}, {"p": 1}]


# ── waiting for a compile or a reload ───────────────────────────────────────────────


async def test_command_sent_while_compiling_waits_until_compile_finished(
    server: RunningServer,
) -> None:
    progress = ProgressLog()
    async with server.peer(handlers={"echo": echo}) as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        task = asyncio.create_task(server.manager.send_and_wait("echo", on_progress=progress, x=1))
        await eventually(lambda: "waiting_for_compile" in progress.phases())
        await round_trip(peer)
        assert commands_of(peer, "echo") == []
        assert not task.done()
        finished = await peer.send_event("compile_finished", {"success": True}, wait_ack=True)
        assert await asyncio.wait_for(task, 2) == {"echo": {"x": 1}}
    types_and_ids = [(m["type"], m["id"]) for m in peer.received]
    ack_index = types_and_ids.index(("ack", finished["id"]))
    command_index = next(i for i, (t, _) in enumerate(types_and_ids) if t == "echo")
    assert ack_index < command_index
    assert progress.reports[0].command_type == "echo"


async def test_a_command_waiting_for_a_compile_reports_every_interval_of_the_clock() -> None:
    """Waiting for the project to be ready is timed by the deadline sweep on the
    manager's clock: a report at once, then one every ``progress_interval``, none in
    between; the command is sent when the compile finishes."""
    clock = FakeClock()
    progress = ProgressLog()
    manager = fast_manager(clock=clock, progress_interval=20.0, interrupt_timeout=600.0)
    async with serve(manager) as running, running.peer(handlers={"echo": echo}) as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        task = asyncio.create_task(manager.send_and_wait("echo", on_progress=progress, x=1))
        await eventually(lambda: len(progress.reports) == 1)
        assert progress.reports[0].phase == "waiting_for_compile"
        assert progress.reports[0].elapsed == 0.0
        await sweep_deadlines_after(manager, clock, 19.9)
        await round_trip(peer)  # a re-check fired now would have reported by then
        assert len(progress.reports) == 1
        await sweep_deadlines_after(manager, clock, 0.1)
        await eventually(lambda: len(progress.reports) == 2)
        assert progress.reports[1].phase == "waiting_for_compile"
        assert progress.reports[1].elapsed == pytest.approx(20.0)
        assert commands_of(peer, "echo") == []
        await peer.send_event("compile_finished", {"success": True}, wait_ack=True)
        assert await asyncio.wait_for(task, 2) == {"echo": {"x": 1}}
        assert len(manager.dispatch.ticks) == 0  # the ready caller's re-check is gone
    assert len(progress.reports) == 2


async def test_command_sent_during_a_reload_waits_for_the_reconnect(
    server: RunningServer,
) -> None:
    progress = ProgressLog()
    async with server.peer(handlers={"echo": echo}, conn_seq=1) as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        await peer.close(1001, "domain reload")
        await eventually(lambda: not server.manager.is_connected)
        task = asyncio.create_task(server.manager.send_and_wait("echo", on_progress=progress, x=2))
        await eventually(lambda: "waiting_for_reconnect" in progress.phases())
        peer.conn_seq += 1
        await peer.connect()
        await peer.send_event("compile_finished", {"success": True}, wait_ack=True)
        assert await asyncio.wait_for(task, 2) == {"echo": {"x": 2}}
        assert len(commands_of(peer, "echo")) == 1


async def test_command_after_plain_disconnect_waits_within_reconnect_grace(
    server: RunningServer,
) -> None:
    async with server.peer(handlers={"echo": echo}) as peer:
        await peer.close()
        await eventually(lambda: not server.manager.is_connected)
        task = asyncio.create_task(server.manager.send_and_wait("echo", x=3))
        await peer.reconnect()
        assert await asyncio.wait_for(task, 2) == {"echo": {"x": 3}}
