"""Scenario 7: the server stops while commands are in flight, of every kind.

Normal (sent, acked, unanswered), reload-surviving (sent, acked, unanswered),
reload-surviving and detached (its editor is mid-reload, disconnected), and waiting
(its editor is compiling, so it was never sent). Three editors, one per situation.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import pytest

from conftest import APP_KINDS, AppKind, serve
from integration.conftest import round_trip
from movesia_mcp import (
    CloseCode,
    CommandState,
    ServerShuttingDownError,
    UnityError,
    UnityManager,
    create_app,
)
from movesia_mcp._server.runtime import bind_listener, serving
from movesia_mcp._simulator import NoAnswer, SimulatedUnity

from .conftest import eventually, fast_manager, leak_check, reset_connection, stop_reading

PROMPT = 2.0  # every caller must know within this long after the server starts stopping


async def never(params: dict[str, Any]) -> NoAnswer:
    return NoAnswer()


@pytest.mark.parametrize("app", APP_KINDS)
async def test_shutdown_fails_every_kind_of_in_flight_command_promptly(app: AppKind) -> None:
    """Guarantee: when the server stops with commands in flight (a normal one and a
    reload-surviving one, both acked by a connected editor; a reload-surviving one whose
    editor disconnected mid-reload and is expected back; one waiting because its editor
    is compiling), every caller gets ``ServerShuttingDownError`` within 2 s of the stop
    (their own timeouts are 60 s); the connected editors are closed with 1001; the
    server stops without hanging or raising; nothing stays pending and no task leaks."""
    manager = fast_manager(command_timeout=60.0, interrupt_timeout=60.0)
    async with leak_check(manager):
        peers = []
        calls: dict[str, asyncio.Task[dict[str, Any]]] = {}
        try:
            async with serve(manager, app=app) as running:
                busy = running.peer(
                    project_path="/p/Busy", handlers={"echo": never, "refresh_assets": never}
                )
                reloading = running.peer(
                    project_path="/p/Reloading", handlers={"refresh_assets": never}
                )
                compiling = running.peer(project_path="/p/Compiling", handlers={"echo": never})
                peers = [busy, reloading, compiling]
                for peer in peers:
                    await peer.connect()

                def call(name: str, command: str, project: str) -> None:
                    calls[name] = asyncio.create_task(
                        manager.execute(command, {}, project=project, timeout=60.0)
                    )

                call("normal", "echo", "Busy")
                call("surviving", "refresh_assets", "Busy")
                call("detached", "refresh_assets", "Reloading")
                await eventually(
                    lambda: (
                        len(manager.commands) == 3
                        and all(c.state is CommandState.ACKED for c in manager.commands.pending())
                    )
                )
                # Reloading: compile_started, then the socket goes; it is expected back.
                await reloading.send_event("compile_started", {}, wait_ack=True)
                await reloading.close(1001, "domain reload")
                await eventually(lambda: manager.sessions[reloading.session_id].connection is None)
                detached = next(c for c in manager.commands.pending() if c.connection is None)
                assert detached.command_type == "refresh_assets"
                assert manager.sessions[reloading.session_id].status(time.monotonic()) == (
                    "reconnecting"
                )
                # Compiling: a command to it waits, unsent.
                await compiling.send_event("compile_started", {}, wait_ack=True)
                call("waiting", "echo", "Compiling")
                await round_trip(compiling)  # a command sent at once would come before the pong
                assert compiling.commands_seen == []
                assert not any(task.done() for task in calls.values())
                stopping = time.monotonic()
            stopped = time.monotonic() - stopping
            assert stopped < PROMPT, f"the server took {stopped:.2f}s to stop"

            for name, task in calls.items():
                with pytest.raises(ServerShuttingDownError):
                    await asyncio.wait_for(task, PROMPT)
                assert time.monotonic() - stopping < PROMPT, name
            assert len(manager.commands) == 0
            for peer in (busy, compiling):
                await asyncio.wait_for(peer.disconnected.wait(), PROMPT)
                assert peer.closed_by_server is not None
                assert peer.closed_by_server[0] == CloseCode.GOING_AWAY
        finally:
            for task in calls.values():
                task.cancel()
            for peer in peers:
                await peer.aclose()


@pytest.mark.parametrize("how", ["clean_close", "tcp_reset"])
async def test_shutdown_right_after_an_editor_vanished_does_not_crash(how: str) -> None:
    """Guarantee: an editor whose socket is gone, but whose disconnect the manager has not
    processed yet when the server stops, does not break the shutdown: the server stops
    within 2 s without raising, the other editor is closed with 1001, and the commands in
    flight on both fail with a ``UnityError`` (never a raw WebSocket exception)."""
    manager = fast_manager(command_timeout=60.0)
    async with leak_check(manager):
        vanished = other = None
        calls: list[asyncio.Task[dict[str, Any]]] = []
        try:
            async with serve(manager) as running:
                vanished = running.peer(project_path="/p/Vanished", handlers={"echo": never})
                other = running.peer(project_path="/p/Other", handlers={"echo": never})
                await vanished.connect()
                await other.connect()
                for project in ("Vanished", "Other"):
                    calls.append(asyncio.create_task(manager.execute("echo", {}, project=project)))
                await eventually(lambda: len(manager.commands) == 2)
                assert vanished.ws is not None
                if how == "clean_close":
                    await vanished.close(1000, "editor quit")
                else:
                    reset_connection(vanished)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(vanished.disconnected.wait(), 1)
                stopping = time.monotonic()
            assert time.monotonic() - stopping < PROMPT
            results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), PROMPT)
            for result in results:
                assert isinstance(result, UnityError), repr(result)
            assert other.closed_by_server is not None
            assert other.closed_by_server[0] == CloseCode.GOING_AWAY
        finally:
            for task in calls:
                task.cancel()
            for peer in (vanished, other):
                if peer is not None:
                    await peer.aclose()


STUCK_EDITORS = 3
PAYLOAD = "x" * (64 * 1024)


def abort(peer: SimulatedUnity) -> None:
    if peer.ws is not None:
        peer.ws.transport.abort()


async def _jam(
    manager: UnityManager, peer: SimulatedUnity, project: str
) -> list[asyncio.Task[Any]]:
    """Stop ``peer`` reading and send it big commands until a send blocks (the server's
    transport is paused: the close frame could not be written either)."""
    connection = manager.sessions[peer.session_id].connection
    assert connection is not None
    stop_reading(peer)
    tasks = []
    async with asyncio.timeout(10):
        while connection.backlog_bytes == 0:
            tasks.append(
                asyncio.create_task(manager.execute("echo", {"payload": PAYLOAD}, project=project))
            )
            await asyncio.sleep(0.005)
    return tasks


async def test_shutdown_with_stuck_editors_fails_their_callers_promptly() -> None:
    """Guarantee: when the server stops while 3 editors do not read (their sockets are
    full, so a send to each is blocked and a close frame cannot be written), the
    manager's shutdown still takes < 1.5 s (the editors are closed in parallel, each
    given up after 1 s), and every caller, including those whose send is blocked,
    gets ``ServerShuttingDownError`` within 2 s, not after ``send_timeout`` (30 s)."""
    manager = fast_manager(command_timeout=60.0, send_timeout=30.0)
    peers: list[SimulatedUnity] = []
    calls: list[asyncio.Task[Any]] = []
    try:
        async with serve(manager) as running:
            try:
                for n in range(STUCK_EDITORS):
                    peer = running.peer(project_path=f"/p/Stuck{n}", handlers={"echo": never})
                    await peer.connect()
                    peers.append(peer)
                async with leak_check(manager):
                    for n, peer in enumerate(peers):
                        calls += await _jam(manager, peer, f"Stuck{n}")
                    stopping = time.monotonic()
                    await manager.shutdown()  # what ``serving`` does first when it stops
                    took = time.monotonic() - stopping
                    results = await asyncio.wait_for(
                        asyncio.gather(*calls, return_exceptions=True), PROMPT
                    )
                    assert time.monotonic() - stopping < PROMPT
                    assert took < 1.5, f"manager.shutdown() took {took:.2f}s"
                    for result in results:
                        assert isinstance(result, ServerShuttingDownError), repr(result)
            finally:
                # The editors' processes go away, so that uvicorn can stop (see below).
                for peer in peers:
                    abort(peer)
    finally:
        for task in calls:
            task.cancel()
        for peer in peers:
            await peer.aclose()


async def test_server_stops_while_an_editor_is_stuck() -> None:
    """Guarantee: the server stops within 3 s even though an editor is stuck (not
    reading, its socket full) and never goes away: nothing hangs on it."""
    manager = fast_manager(command_timeout=60.0, send_timeout=30.0)
    sock = bind_listener("127.0.0.1", 0)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(create_app(manager), sock, manager, max_message_bytes=1 << 24):
            up.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait_for(up.wait(), 5)
    url = f"ws://127.0.0.1:{sock.getsockname()[1]}/ws/unity"
    peer = SimulatedUnity(url, project_path="/p/Stuck", heartbeat_interval=None)
    calls: list[asyncio.Task[Any]] = []
    try:
        await peer.connect()
        calls = await _jam(manager, peer, "Stuck")
        stopping = time.monotonic()
        stop.set()
        done, _ = await asyncio.wait([task], timeout=3.0)
        assert done, f"the server was still stopping after {time.monotonic() - stopping:.1f}s"
    finally:
        abort(peer)
        await asyncio.wait([task], timeout=5)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        await peer.aclose()
        sock.close()
