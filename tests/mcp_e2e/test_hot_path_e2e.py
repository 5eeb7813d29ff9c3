"""The lean tool path: progress work only when the caller asked for it, and the answer's
size taken from the one text the SDK serialises (over the 200 KB bound: refused)."""

from __future__ import annotations

import asyncio
from typing import Any

from mcp import Client
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from mcp_harness import DEADLINE, World, error_text, structured

from movesia_mcp._server.tools import MAX_RESULT_CHARS, wants_progress
from movesia_mcp._simulator import SimulatedUnity
from movesia_mcp.catalog import TOOLS_BY_NAME

pytest_plugins = ["mcp_fixtures"]

HIERARCHY = TOOLS_BY_NAME["get_hierarchy"].command


def add_probe(world: World, seen: list[bool]) -> None:
    """A server tool that records what ``wants_progress`` says of its own request."""

    async def probe_progress(ctx: Context) -> str:
        seen.append(wants_progress(ctx))
        return "ok"

    world.server.add_tool(probe_progress, name="probe_progress")


async def test_a_call_without_a_progress_token_wants_no_progress(world: World, mode: str) -> None:
    seen: list[bool] = []
    add_probe(world, seen)
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("probe_progress", {})
    assert result.is_error is False
    assert seen == [False]


async def test_a_call_with_a_progress_callback_wants_progress(world: World, mode: str) -> None:
    seen: list[bool] = []
    add_probe(world, seen)

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        pass

    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("probe_progress", {}, progress_callback=on_progress)
    assert result.is_error is False
    assert seen == [True]


async def test_a_tool_called_in_process_without_a_request_runs(world: World) -> None:
    """``MCPServer.call_tool`` (no JSON-RPC request, so no progress token) still works."""
    result = await world.server.call_tool("get_editor_state", {})
    assert isinstance(result, CallToolResult)
    assert result.is_error is False
    assert result.structured_content is not None
    assert result.structured_content["is_compiling"] is False


def page_of(nodes: int, name_chars: int) -> dict[str, Any]:
    """A valid ``get_hierarchy`` answer of ``nodes`` top-level nodes."""
    return {
        "nodes": [
            {
                "instance_id": i,
                "name": "n" * name_chars,
                "path": f"/{i}",
                "active": True,
                "child_count": 0,
                "children": [],
                "children_truncated": False,
            }
            for i in range(nodes)
        ],
        "total": nodes,
        "offset": 0,
        "next_offset": None,
        "total_objects": nodes,
    }


async def hierarchy_answering(world: World, page: dict[str, Any]) -> SimulatedUnity:
    async def get_hierarchy(params: dict[str, Any]) -> dict[str, Any]:
        return page

    peer = SimulatedUnity(
        world.running.url,
        project_path="/Users/dev/Projects/Big",
        handlers={HIERARCHY: get_hierarchy},
        heartbeat_interval=None,
    )
    world.peers.append(peer)
    await peer.connect()
    return peer


async def test_an_answer_over_the_bound_is_refused_with_advice(
    empty_world: World, mode: str
) -> None:
    await hierarchy_answering(empty_world, page_of(400, 600))  # about 290,000 characters
    async with asyncio.timeout(DEADLINE), Client(empty_world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {"limit": 400})
    assert result.is_error is True
    message = error_text(result)
    assert "Unity's answer to get_hierarchy is" in message
    assert f"more than the {MAX_RESULT_CHARS // 1000} KB a chat context can take" in message
    assert "'offset'" in message
    assert result.structured_content is None


async def test_an_answer_under_the_bound_is_sent_whole(empty_world: World, mode: str) -> None:
    await hierarchy_answering(empty_world, page_of(200, 600))  # about 145,000 characters
    async with asyncio.timeout(DEADLINE), Client(empty_world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {"limit": 200})
    page = structured(result, "get_hierarchy")
    assert len(page["nodes"]) == 200
    text = error_text(result)
    assert 100_000 < len(text) <= MAX_RESULT_CHARS
