"""Edge cases a protocol review turned up, one behaviour per test."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from conftest import RunningServer, serve
from movesia_mcp import (
    CommandProgress,
    CommandTooLargeError,
    ConnectionLostError,
    MovesiaMessage,
    UnityManager,
    UnityManagerConfig,
)
from movesia_mcp._config import HeartbeatConfig
from movesia_mcp._simulator import NoAnswer

from .conftest import FakeClock, eventually, fast_manager


async def never(params: dict[str, Any]) -> NoAnswer:
    return NoAnswer()


async def test_lost_command_of_an_editor_that_never_acks_is_not_called_safe_to_retry(
    server: RunningServer,
) -> None:
    peer = server.peer(handlers={"create_gameobject": never}, ack_commands=False)
    await peer.connect()
    call = asyncio.create_task(server.manager.send_and_wait("create_gameobject", name="A"))
    await eventually(lambda: len(peer.commands_seen) == 1)
    await peer.close()
    with pytest.raises(ConnectionLostError) as caught:
        await call
    assert caught.value.delivered is False
    assert "safe to retry" not in str(caught.value)
    assert "check before retrying" in str(caught.value)


async def test_event_handler_may_send_a_command_and_get_its_answer() -> None:
    answers: list[dict[str, Any]] = []
    manager: UnityManager

    async def on_event(message: MovesiaMessage) -> None:
        if message.type == "hierarchy_changed":
            answers.append(await manager.send_and_wait("ping", timeout=3))

    async def pong(params: dict[str, Any]) -> dict[str, Any]:
        return {"pong": True}

    manager = UnityManager(UnityManagerConfig(command_timeout=3), on_domain_event=on_event)
    async with serve(manager) as running, running.peer(handlers={"ping": pong}) as peer:
        await peer.send_event("hierarchy_changed", {})
        await eventually(lambda: answers == [{"pong": True}])


async def test_failing_interrupt_manager_does_not_close_the_editor(
    server: RunningServer,
) -> None:
    class Interrupts:
        async def resume_all(self) -> None:
            raise RuntimeError("boom")

    server.manager.interrupt_manager = Interrupts()
    async with server.peer() as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        await peer.send_event("compile_finished", {"success": True}, wait_ack=True)
        await peer.send_event("hierarchy_changed", {}, wait_ack=True)
        assert peer.closed_by_server is None


async def test_compile_without_compile_finished_expires_after_the_interrupt_window() -> None:
    clock = FakeClock()
    manager = fast_manager(
        clock=clock, interrupt_timeout=0.3, heartbeat=HeartbeatConfig(compile_suspend_ms=200)
    )

    async def pong(params: dict[str, Any]) -> dict[str, Any]:
        return {"pong": True}

    async with serve(manager) as running, running.peer(handlers={"ping": pong}) as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        assert manager.is_compiling
        clock.advance(0.35)  # past the window: the editor crashed mid-compile
        assert await manager.send_and_wait("ping") == {"pong": True}
        assert manager.is_compiling is False


async def test_long_non_ascii_handshake_error_still_closes_with_4000(
    server: RunningServer,
) -> None:
    ws = await connect(server.url)
    await ws.send(json.dumps({"project_path": "/p", "conn_seq": "é" * 200}))
    await ws.wait_closed()
    assert ws.close_code == 4000
    assert ws.close_reason is not None
    assert len(ws.close_reason.encode()) <= 123


async def test_failing_progress_callback_leaves_nothing_pending(server: RunningServer) -> None:
    async def broken(progress: CommandProgress) -> None:
        raise RuntimeError("client went away")

    async with server.peer(handlers={"hang": never}):
        with pytest.raises(RuntimeError, match="client went away"):
            await server.manager.send_and_wait("hang", on_progress=broken, timeout=5)
        assert len(server.manager.commands) == 0


async def test_single_oversized_command_fails_alone_and_keeps_the_editor() -> None:
    manager = fast_manager(max_send_backlog_bytes=1000)

    async def echo(params: dict[str, Any]) -> dict[str, Any]:
        return params

    async with serve(manager) as running, running.peer(handlers={"echo": echo}) as peer:
        with pytest.raises(CommandTooLargeError, match="MAX_SEND_BACKLOG_BYTES"):
            await manager.send_and_wait("echo", text="x" * 2000)
        assert await manager.send_and_wait("echo", text="small") == {"text": "small"}
        assert peer.closed_by_server is None
        assert len(manager.commands) == 0


async def test_ack_required_event_carrying_a_request_id_is_an_event(
    server: RunningServer,
) -> None:
    async with server.peer() as peer:
        ack = await peer.send_event("compile_started", {"request_id": "old"}, wait_ack=True)
        assert ack["type"] == "compile_started"
        assert server.manager.is_compiling


async def test_query_session_without_conn_uses_the_hello_conn_seq(
    server: RunningServer,
) -> None:
    peer = server.peer(handshake="hello", conn_seq=5)
    peer.url = server.url + f"?session={peer.session_id}"
    welcome = await peer.connect()
    assert welcome["conn_seq"] == 5
    await peer.aclose()
