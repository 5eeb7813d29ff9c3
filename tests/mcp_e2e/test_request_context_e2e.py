"""The tool path reads a tool's request context without the SDK's pydantic property;
it must be the same object the property gives, inside a request and outside one."""

from __future__ import annotations

import asyncio

from mcp import Client
from mcp.server.mcpserver import Context
from mcp_harness import DEADLINE, World

from movesia_mcp._server.tools import _request_context

pytest_plugins = ["mcp_fixtures"]


async def test_a_tools_request_context_is_the_sdks(world: World, mode: str) -> None:
    seen: list[bool] = []

    async def probe_context(ctx: Context) -> str:
        request = _request_context(ctx)
        seen.append(request is not None and request is ctx.request_context)
        return "ok"

    world.server.add_tool(probe_context, name="probe_context")
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("probe_context", {})
    assert result.is_error is False
    assert seen == [True]


def test_a_context_outside_a_request_has_none() -> None:
    assert _request_context(Context()) is None
