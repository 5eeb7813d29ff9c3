"""Server shutdown (PROTOCOL.md §9, close 1001): editors are told, callers fail fast."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from conftest import serve
from movesia_mcp import ServerShuttingDownError
from movesia_mcp._simulator import NoAnswer

from .conftest import eventually, fast_manager


async def no_answer(params: dict[str, Any]) -> NoAnswer:
    return NoAnswer()


async def test_shutdown_fails_command_in_flight_with_server_shutting_down() -> None:
    manager = fast_manager(command_timeout=30)
    async with serve(manager) as running:
        peer = running.peer(handlers={"echo": no_answer})
        await peer.connect()
        task = asyncio.create_task(manager.send_and_wait("echo", timeout=30))
        await eventually(lambda: peer.commands_seen)
        started = time.monotonic()
    try:
        with pytest.raises(ServerShuttingDownError):
            await asyncio.wait_for(task, 5)
        assert time.monotonic() - started < 2.0
    finally:
        await peer.aclose()


async def test_shutdown_closes_editors_with_1001() -> None:
    manager = fast_manager()
    async with serve(manager) as running:
        peer = running.peer()
        await peer.connect()
    try:
        await asyncio.wait_for(peer.disconnected.wait(), 2)
        assert peer.closed_by_server is not None
        assert peer.closed_by_server[0] == 1001
    finally:
        await peer.aclose()


async def test_command_after_shutdown_is_refused() -> None:
    manager = fast_manager()
    async with serve(manager) as running, running.peer():
        pass
    with pytest.raises(ServerShuttingDownError):
        await manager.send_and_wait("echo")


async def test_shutdown_fails_command_waiting_for_compile_with_server_shutting_down() -> None:
    manager = fast_manager()
    async with serve(manager) as running:
        peer = running.peer()
        await peer.connect()
        await peer.send_event("compile_started", {}, wait_ack=True)
        task = asyncio.create_task(manager.send_and_wait("echo"))
        await eventually(lambda: manager.sessions[peer.session_id].compiling)
    try:
        with pytest.raises(ServerShuttingDownError):
            await asyncio.wait_for(task, 5)
        assert peer.commands_seen == []
    finally:
        await peer.aclose()
