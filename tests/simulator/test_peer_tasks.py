"""The simulated plug-in owns its tasks: ``aclose`` leaves none running and no socket open.

A command whose answer needs a domain reload runs the reload in a task of the peer
(compile_started → close → reconnect → compile_finished → answer). Closing the peer at
any point of that cycle must stop the reload before it reconnects, or close the socket
it reconnected on: otherwise a socket (and the reader on it) outlives the peer, and the
server keeps seeing an editor that is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from websockets.protocol import State

from conftest import RunningServer
from movesia_mcp._simulator import ReloadThenAnswer, SimulatedUnity
from movesia_mcp._simulator.peer import HandlerResult

DEADLINE = 10.0


def peer_tasks() -> list[asyncio.Task[Any]]:
    """The tasks still running a ``SimulatedUnity`` coroutine (reader, commands, reloads)."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and getattr(task.get_coro(), "__qualname__", "").startswith("SimulatedUnity.")
    ]


async def reload_then_answer(params: dict[str, Any]) -> HandlerResult:
    return ReloadThenAnswer({"compiled": True})


async def wait_for(predicate: Any) -> None:
    async with asyncio.timeout(DEADLINE):
        while not predicate():  # noqa: ASYNC110 (a state of the peer or the server, no event)
            await asyncio.sleep(0.001)


async def close_during_reload(server: RunningServer, pause: float) -> SimulatedUnity:
    """Start a reload-causing command, let ``pause`` seconds of its cycle pass, aclose."""
    peer = server.peer(handlers={"recompile": reload_then_answer}, reload_delay=0.004)
    await peer.connect()
    call = asyncio.create_task(server.manager.send_and_wait("recompile", timeout=DEADLINE))
    try:
        await wait_for(lambda: peer.compiles >= 1)  # the reload task is running
        await asyncio.sleep(pause)
        await peer.aclose()
    finally:
        call.cancel()
        with contextlib.suppress(BaseException):
            await call
    return peer


@pytest.mark.parametrize("step", range(12))
async def test_aclose_at_any_point_of_a_reload_leaves_no_task_and_no_socket(
    server: RunningServer, step: int, caplog: pytest.LogCaptureFixture
) -> None:
    # From before the reload's close to after its reconnect (reload_delay is 4 ms).
    with caplog.at_level(logging.WARNING, logger="movesia_mcp._simulator"):
        peer = await close_during_reload(server, pause=step * 0.001)
    # A reload stopped by aclose is not a failure of the simulator.
    assert [r.getMessage() for r in caplog.records if r.name == "movesia_mcp._simulator"] == []
    assert peer_tasks() == []
    assert peer.ws is not None
    assert peer.ws.state is State.CLOSED
    # The server sees the editor gone (the session waits in its reconnect grace).
    await wait_for(lambda: not server.manager.is_connected)


async def test_a_closed_peer_starts_nothing_new(server: RunningServer) -> None:
    peer = server.peer()
    await peer.connect()
    await peer.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await peer.connect()
    assert peer_tasks() == []
    await wait_for(lambda: not server.manager.is_connected)
