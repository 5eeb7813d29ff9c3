"""A manager used the original design's way: its routes mounted in the embedder's own
Starlette app, ``running()`` never entered, so no deadline sweep and no task group.

The sweep's watchdog guards sends only while it runs; without it each send is bounded by
``send_timeout`` itself, and a cancelled command's ``cancel`` courtesy still goes out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from conftest import RunningServer
from movesia_mcp import CommandTimeoutError, ConnectionLostError, UnityManager, unity_routes
from movesia_mcp._server.inprocess import serve_in_process

from .conftest import eventually, fast_manager, stop_reading

PAYLOAD = "x" * (64 * 1024)


@asynccontextmanager
async def embedded(manager: UnityManager) -> AsyncIterator[RunningServer]:
    app = Starlette(routes=unity_routes(manager))  # no lifespan: nothing runs the manager
    async with serve_in_process(app, manager) as served:
        yield RunningServer(manager, served.port)


async def no_answer(params: dict[str, Any]) -> dict[str, Any]:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def test_a_send_to_an_editor_that_stopped_reading_is_bounded_without_the_sweep() -> None:
    """Guarantee: with no sweep running, a command to an editor that stopped reading
    fails with ``ConnectionLostError`` once one send has waited ``send_timeout`` (here
    0.5 s), not never; the editor is cut off (1008)."""
    manager = fast_manager(
        command_timeout=60.0, send_timeout=0.5, max_send_backlog_bytes=64 * 1024 * 1024
    )
    async with embedded(manager) as running, running.peer(handlers={"echo": no_answer}) as peer:
        assert not manager.dispatch.sweeping
        stop_reading(peer)
        calls = [
            asyncio.create_task(manager.execute("echo", {"payload": PAYLOAD}))
            for _ in range(200)  # far more than the kernel's and the transport's buffers
        ]
        done, pending = await asyncio.wait(calls, timeout=30)
        assert pending == set()
        errors = [task.exception() for task in done]
        assert all(isinstance(error, ConnectionLostError) for error in errors)
        assert any("Unity stopped reading its socket" in str(error) for error in errors)
        session = manager.sessions[peer.session_id]
        await eventually(lambda: session.connection is None)


async def test_a_timed_out_command_is_cancelled_in_unity_without_the_sweep() -> None:
    """Guarantee: with no task group running, a command that times out still sends its
    ``cancel`` (PROTOCOL.md 1.1 §6.2) to an editor that declared it."""
    manager = fast_manager(command_timeout=0.3)
    async with (
        embedded(manager) as running,
        running.peer(handlers={"echo": no_answer}) as peer,
    ):
        try:
            await manager.execute("echo", {})
        except CommandTimeoutError:
            pass
        else:
            raise AssertionError("the command should have timed out")
        await eventually(lambda: any(m["type"] == "cancel" for m in peer.received))
