"""Scenario 1: Unity dies while a command is in flight.

Three ways to die, each over a real loopback socket: a clean close (the editor quits),
a TCP reset (SO_LINGER 0: a crashed host or a killed network stack), and SIGKILL of an
editor running in a process of its own (the kernel closes its socket).
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import APP_KINDS, AppKind, serve
from integration.conftest import FakeClock
from movesia_mcp import CommandState, ConnectionLostError, NotConnectedError, UnityError
from movesia_mcp._simulator import NoAnswer, SimulatedUnity

from .conftest import eventually, fast_manager, leak_check, reset_connection

# The caller must learn of the loss in well under a second; the command's own timeout
# (30 s) is far away, so a caller that only fails at its timeout fails the test.
LOSS_DEADLINE = 1.0
COMMAND_TIMEOUT = 30.0
EDITOR_PROCESS = Path(__file__).with_name("editor_process.py")


async def never(params: dict[str, Any]) -> NoAnswer:
    return NoAnswer()


async def clean_close(peer: SimulatedUnity) -> None:
    await peer.close(1000, "editor quit")


async def tcp_reset(peer: SimulatedUnity) -> None:
    reset_connection(peer)


KILLS: dict[str, Callable[[SimulatedUnity], Awaitable[None]]] = {
    "clean_close": clean_close,
    "tcp_reset": tcp_reset,
}


@pytest.mark.parametrize("acked", [True, False], ids=["acked", "not_acked"])
@pytest.mark.parametrize("kill", list(KILLS))
@pytest.mark.parametrize("app", APP_KINDS)
async def test_in_flight_command_fails_fast_when_unity_dies(
    kill: str, acked: bool, app: AppKind
) -> None:
    """Guarantee: when the editor's socket is closed cleanly or reset (RST) while a
    command is in flight, the caller gets ``ConnectionLostError`` in well under 1 s
    (not at its 30 s timeout); ``delivered`` is True exactly when Unity had acked the
    command; the command leaves ``manager.commands`` as LOST, and no task is left behind."""
    manager = fast_manager(command_timeout=COMMAND_TIMEOUT)
    async with serve(manager, app=app) as running:
        peer = running.peer(handlers={"hang": never}, ack_commands=acked)
        await peer.connect()
        try:
            async with leak_check(manager):
                call = asyncio.create_task(manager.send_and_wait("hang"))
                await eventually(lambda: peer.commands_seen)
                (command,) = manager.commands.pending()
                if acked:
                    await eventually(lambda: command.state is CommandState.ACKED)
                started = time.monotonic()
                await KILLS[kill](peer)
                with pytest.raises(ConnectionLostError) as caught:
                    await asyncio.wait_for(call, COMMAND_TIMEOUT)
                took = time.monotonic() - started
                assert took < LOSS_DEADLINE, f"caller learned of the loss after {took:.3f}s"
                assert caught.value.delivered is acked
                assert ("may have run" in str(caught.value)) is acked
                assert command.state is CommandState.LOST
                assert command.id not in manager.commands
                await eventually(lambda: not manager.is_connected)
        finally:
            await peer.aclose()


async def test_in_flight_command_fails_fast_when_unity_process_is_killed() -> None:
    """Guarantee: SIGKILL of the editor's process (run here as a real subprocess with
    ``run_simulated_editor``) while a command it acked is in flight fails the caller
    with ``ConnectionLostError(delivered=True)`` in well under 1 s; the command leaves
    ``manager.commands``; no task is left behind; the other commands of that editor
    had worked before the kill (it was a healthy editor, not a broken one)."""
    manager = fast_manager(command_timeout=COMMAND_TIMEOUT, reconnect_grace=0.2)
    project = f"/Users/dev/Projects/Fault-{uuid.uuid4().hex[:8]}"
    async with serve(manager) as running:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(EDITOR_PROCESS),
            running.url,
            project,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await eventually(lambda: manager.is_connected, timeout=15)
            state = await manager.send_and_wait("get_editor_state", project=project)
            assert state["project_path"] == project
            async with leak_check(manager):
                call = asyncio.create_task(manager.send_and_wait("hang", project=project))
                await eventually(lambda: len(manager.commands) == 1)
                (command,) = manager.commands.pending()
                await eventually(lambda: command.state is CommandState.ACKED)
                started = time.monotonic()
                process.send_signal(signal.SIGKILL)
                with pytest.raises(ConnectionLostError) as caught:
                    await asyncio.wait_for(call, COMMAND_TIMEOUT)
                took = time.monotonic() - started
                assert took < LOSS_DEADLINE, f"caller learned of the loss after {took:.3f}s"
                assert caught.value.delivered is True
                assert command.state is CommandState.LOST
                assert len(manager.commands) == 0
                assert await asyncio.wait_for(process.wait(), 5) == -signal.SIGKILL
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_a_blocked_event_handler_does_not_hide_a_lost_socket() -> None:
    """Guarantee: subscribers run off the editor's read loop, so while an event handler
    is stuck the manager still notices a reset socket at once: a command sent then fails
    promptly with a ``UnityError`` a tool can explain, never a raw WebSocket exception,
    and nothing is left behind."""
    clock = FakeClock()
    manager = fast_manager(clock=clock, command_timeout=COMMAND_TIMEOUT, reconnect_grace=0.1)
    release = asyncio.Event()
    handling = asyncio.Event()

    async def slow_listener(message: Any) -> None:
        if message.type == "slow_event":
            handling.set()
            await release.wait()

    manager.add_event_listener(slow_listener)
    async with serve(manager) as running:
        peer = running.peer(handlers={"hang": never})
        await peer.connect()
        try:
            async with leak_check(manager):
                await peer.send_event("slow_event", {})
                await asyncio.wait_for(handling.wait(), 2)
                reset_connection(peer)
                await eventually(lambda: manager.find_session().connection is None)
                clock.advance(0.1)  # the reconnect grace is over: the editor is gone
                # At once: a wait for the editor would never end on the stopped fake clock.
                with pytest.raises(UnityError) as caught:
                    await asyncio.wait_for(manager.send_and_wait("hang"), LOSS_DEADLINE)
                assert isinstance(caught.value, NotConnectedError)
                assert len(manager.commands) == 0
                release.set()
        finally:
            release.set()
            await peer.aclose()
