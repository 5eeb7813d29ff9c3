"""Scenario 6: the MCP client goes away while its tool call waits for Unity.

The whole chain: MCP client → ``build_server`` → ``UnityManager`` → real WebSocket →
``SimulatedUnity`` + ``SimulatedEditor``, whose ``inspect_object`` never answers (until
the test makes it answer late). Two MCP transports:

- ``memory``: the SDK's in-process client (``Client(server)``);
- ``http``: streamable HTTP over a loopback socket, the server built as ``movesia-mcp
  --transport http`` builds it (``Runtime.app()``).

Both protocol eras (``legacy`` with the initialize handshake, ``auto`` = 2026-07-28).
Not generated: ``memory`` + ``auto`` + ``exit_client``. There the SDK runs the server's
handler inline in the caller's own task (``DirectDispatcher``), so leaving the client
context cannot end a call in flight: there is no connection to lose; the caller
cancelling its call (``cancel_call``) is that era's in-process disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from conftest import serve
from movesia_mcp import CommandState, Config, UnityManager, UnityManagerConfig
from movesia_mcp._server.app import build_server
from movesia_mcp._server.hub import ClientHub
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._server.runtime import Runtime
from movesia_mcp._simulator import NoAnswer, SimulatedEditor, SimulatedUnity
from movesia_mcp._simulator.peer import HandlerResult, envelope

from .conftest import eventually, fast_manager, leak_check

CASES = [
    pytest.param(transport, mode, how, id=f"{transport}-{mode}-{how}")
    for transport in ("memory", "http")
    for mode in ("legacy", "auto")
    for how in ("cancel_call", "exit_client")
    if (transport, mode, how) != ("memory", "auto", "exit_client")
]


@dataclass
class Chain:
    manager: UnityManager
    target: MCPServer | str  # what ``Client`` connects to
    editor: SimulatedEditor
    peer: SimulatedUnity


async def never(params: dict[str, Any]) -> HandlerResult:
    return NoAnswer()


@contextlib.asynccontextmanager
async def _memory() -> AsyncIterator[tuple[UnityManager, MCPServer, ClientHub, str]]:
    manager = fast_manager(command_timeout=30.0)
    hub = ClientHub()
    server = build_server(manager, hub)
    async with serve(manager) as running:
        yield manager, server, hub, running.url


@contextlib.asynccontextmanager
async def _http() -> AsyncIterator[tuple[UnityManager, str, ClientHub, str]]:
    config = Config(
        server_port=0,
        unity=UnityManagerConfig(command_timeout=30.0, interrupt_timeout=10.0),
    )
    runtime = Runtime.create(config, "http")
    async with serve_in_process(
        runtime.app(), runtime.manager, max_message_bytes=1 << 24
    ) as served:
        yield runtime.manager, f"{served.http_url}/mcp", runtime.hub, served.ws_url


@contextlib.asynccontextmanager
async def chain(transport: str, capabilities: tuple[str, ...] | None = ()) -> AsyncIterator[Chain]:
    """``capabilities``: what the editor declares; ``()`` is a version 1 editor, None the
    simulator's 1.1 set (``command_ack``, ``dedup``, ``cancel``)."""
    editor = SimulatedEditor()
    async with _memory() if transport == "memory" else _http() as (manager, target, hub, url):
        flusher = asyncio.create_task(hub.run())
        peer = SimulatedUnity(
            url,
            project_path=editor.project_path,
            handlers={**editor.handlers(), "inspect_object": never},
            heartbeat_interval=None,
            capabilities=capabilities,
        )
        editor.attach(peer)
        await peer.connect()
        try:
            yield Chain(manager, target, editor, peer)
        finally:
            await peer.aclose()
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher


@pytest.mark.parametrize(("transport", "mode", "how"), CASES)
async def test_mcp_client_gone_mid_call_cancels_the_unity_command(
    transport: str, mode: str, how: str
) -> None:
    """Guarantee: when the MCP client abandons a tool call that waits for Unity, either
    by cancelling the call (the SDK sends ``notifications/cancelled``) or by going away
    altogether (leaving its session; over HTTP its connection closes): the pending
    Unity command leaves ``manager.commands`` promptly (< 1 s) in state CANCELLED;
    Unity's late answer to it is dropped without an error to anyone (no ``error``
    envelope back to Unity, no unhandled exception in the server); another MCP client
    keeps being served, before and after; no task leaks."""
    async with chain(transport) as world:
        manager, peer = world.manager, world.peer
        async with leak_check(manager), Client(world.target, mode=mode) as other:
            assert not (await other.call_tool("get_editor_state", {})).is_error
            client_cm = Client(world.target, mode=mode)
            client = await client_cm.__aenter__()
            exited = False
            call = asyncio.create_task(client.call_tool("inspect_object", {"path": "Player"}))
            try:
                await eventually(lambda: len(manager.commands) == 1)
                (command,) = manager.commands.pending()
                await eventually(lambda: command.state is CommandState.ACKED)
                request_id = command.id

                started = time.monotonic()
                if how == "cancel_call":
                    call.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await call
                else:
                    exited = True
                    await client_cm.__aexit__(None, None, None)
                await eventually(lambda: request_id not in manager.commands, timeout=1.0)
                assert time.monotonic() - started < 1.0
                assert command.state is CommandState.CANCELLED

                # The late answer from Unity: dropped, no complaint to Unity.
                errors_before = sum(m["type"] == "error" for m in peer.received)
                await peer.send(
                    envelope(
                        "inspect_object_response",
                        {"request_id": request_id, "object": {}, "components": []},
                        msg_id=request_id,
                        session=peer.session_id,
                    )
                )
                # An hb/pong round trip: the server has handled the late answer by now.
                await peer.send(envelope("hb", msg_id="after-late", session=peer.session_id))
                await eventually(lambda: any(m["id"] == "after-late" for m in peer.received))
                assert sum(m["type"] == "error" for m in peer.received) == errors_before
                assert len(manager.commands) == 0

                # The server keeps serving: the other client, and (cancel_call) this one.
                assert not (await other.call_tool("get_editor_state", {})).is_error
                if how == "cancel_call":
                    assert not (await client.call_tool("get_editor_state", {})).is_error
            finally:
                call.cancel()
                with contextlib.suppress(BaseException):
                    await call
                if not exited:
                    await client_cm.__aexit__(None, None, None)


@pytest.mark.parametrize(("transport", "mode", "how"), CASES)
async def test_mcp_client_gone_mid_call_sends_cancel_to_a_1_1_editor(
    transport: str, mode: str, how: str
) -> None:
    """Guarantee (PROTOCOL.md 1.1 §6.2): the same, with an editor that declares
    ``command_ack``, ``dedup`` and ``cancel``: when the MCP client cancels its call (the
    SDK's ``notifications/cancelled``) or goes away, the server forgets the command and
    sends the editor ``{"type": "cancel", "body": {"request_id": R}}``; the editor's late
    answer is told ``unknown_request`` (ref_id R) and changes nothing; another MCP
    client keeps being served; no task leaks."""
    async with chain(transport, capabilities=None) as world:
        manager, peer = world.manager, world.peer
        assert peer.welcome is not None
        assert "cancel" in peer.welcome["capabilities"]
        async with leak_check(manager), Client(world.target, mode=mode) as other:
            client_cm = Client(world.target, mode=mode)
            client = await client_cm.__aenter__()
            exited = False
            call = asyncio.create_task(client.call_tool("inspect_object", {"path": "Player"}))
            try:
                await eventually(lambda: len(manager.commands) == 1)
                (command,) = manager.commands.pending()
                await eventually(lambda: command.state is CommandState.ACKED)
                request_id = command.id
                if how == "cancel_call":
                    call.cancel()
                    with pytest.raises(asyncio.CancelledError):
                        await call
                else:
                    exited = True
                    await client_cm.__aexit__(None, None, None)
                await eventually(lambda: request_id not in manager.commands, timeout=2.0)
                assert command.state is CommandState.CANCELLED
                await eventually(lambda: peer.cancels == [request_id], timeout=2.0)
                cancel = next(m for m in peer.received if m["type"] == "cancel")
                assert cancel["body"] == {"request_id": request_id}
                assert cancel["source"] == "mcp"

                await peer.send(
                    envelope(
                        "inspect_object_response",
                        {"request_id": request_id, "object": {}, "components": []},
                        msg_id=request_id,
                        session=peer.session_id,
                    )
                )
                await eventually(lambda: any(m["type"] == "error" for m in peer.received))
                [error] = [m for m in peer.received if m["type"] == "error"]
                assert error["body"]["code"] == "unknown_request"
                assert error["body"]["ref_id"] == request_id
                assert len(manager.commands) == 0
                assert not (await other.call_tool("get_editor_state", {})).is_error
            finally:
                call.cancel()
                with contextlib.suppress(BaseException):
                    await call
                if not exited:
                    await client_cm.__aexit__(None, None, None)
