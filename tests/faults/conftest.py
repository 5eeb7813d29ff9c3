"""Shared helpers of the fault-injection tests (real loopback sockets, real uvicorn).

``leak_check`` is used by every test: it snapshots the number of asyncio tasks and of
pending commands when its block starts and, once the block is done, waits (briefly)
for both to settle back, so a fault that leaves a task or a command behind fails.

Sizes: ``FULL`` (``MOVESIA_FULL=1``) runs the long variants at their full size.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from integration.conftest import eventually, fast_manager
from movesia_mcp import UnityManager
from movesia_mcp._simulator import SimulatedUnity

__all__ = [
    "FULL",
    "LeakSnapshot",
    "eventually",
    "fast_manager",
    "leak_check",
    "reset_connection",
    "resume_reading",
    "stop_reading",
]

FULL = os.environ.get("MOVESIA_FULL") == "1"


@dataclass
class LeakSnapshot:
    """What ``leak_check`` saw when its block began (and, after it, when it ended)."""

    tasks: int
    commands: int
    after_tasks: int | None = None
    after_commands: int | None = None


# Tasks a library starts once per event loop and keeps for the loop's life: not leaks.
# sse_starlette (streamable HTTP's SSE responses) polls for server shutdown in one.
LOOP_SINGLETONS = frozenset({"_shutdown_watcher"})


def _tasks() -> set[asyncio.Task[Any]]:
    return {
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "__qualname__", "") not in LOOP_SINGLETONS
    }


def _describe(tasks: set[asyncio.Task[Any]]) -> list[str]:
    return sorted(f"{t.get_name()}: {t.get_coro()!r}" for t in tasks)


@contextlib.asynccontextmanager
async def leak_check(manager: UnityManager, *, settle: float = 3.0) -> AsyncIterator[LeakSnapshot]:
    """Fail unless the block leaves no extra asyncio task, no extra pending command and
    no unhandled error behind.

    The counts are compared, not the identities: a reconnect legitimately replaces a
    connection's tasks with new ones; ``LOOP_SINGLETONS`` are not counted. Settling is
    polled with ``eventually``. Errors the event loop reports during the block
    ("Task/Future exception was never retrieved", exceptions in callbacks) fail it too,
    after a ``gc.collect()`` flushes them out.
    """
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    before_tasks = _tasks()
    snapshot = LeakSnapshot(len(before_tasks), len(manager.commands))
    try:
        yield snapshot

        def settled() -> bool:
            return len(_tasks()) <= snapshot.tasks and len(manager.commands) <= snapshot.commands

        try:
            await eventually(settled, timeout=settle)
        except AssertionError:
            extra = _tasks() - before_tasks
            raise AssertionError(
                f"leak: {len(_tasks())} tasks (was {snapshot.tasks}), "
                f"{len(manager.commands)} pending commands (was {snapshot.commands}: "
                f"{[(c.command_type, c.state.value) for c in manager.commands.pending()]}); "
                f"new tasks: {_describe(extra)}"
            ) from None
        gc.collect()
        await asyncio.sleep(0)
        assert not reported, [c.get("message") or repr(c.get("exception")) for c in reported]
        snapshot.after_tasks = len(_tasks())
        snapshot.after_commands = len(manager.commands)
    finally:
        loop.set_exception_handler(previous_handler)


def stop_reading(peer: SimulatedUnity) -> None:
    """The peer's process stops reading its socket (a hung editor); nothing else changes.

    The kernel's buffers fill, then the server's, and the server sees no more frames.
    """
    assert peer.ws is not None
    peer.ws.transport.pause_reading()


def resume_reading(peer: SimulatedUnity) -> None:
    assert peer.ws is not None
    peer.ws.transport.resume_reading()


def reset_connection(peer: SimulatedUnity) -> None:
    """Drop the peer's TCP connection with a reset (RST), as a crashed host would:
    SO_LINGER on with a zero timeout, then close the socket without a closing handshake."""
    assert peer.ws is not None
    transport = peer.ws.transport
    sock = transport.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
