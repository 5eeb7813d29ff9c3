"""Every tool through a real MCP client, in both protocol eras, against a simulated editor."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client
from mcp_harness import DEADLINE, SERVER_TOOLS, TOOL_CALLS, World, run_table_entry

from expected_tools import SERVER_TOOL_NAMES, TOOL_COUNT, UNITY_TOOL_COUNT
from movesia_mcp.catalog import UNITY_TOOLS

pytest_plugins = ["mcp_fixtures"]

CATALOG_NAMES = {spec.name for spec in UNITY_TOOLS}
ALL_TOOLS = sorted(CATALOG_NAMES | set(SERVER_TOOLS))


def test_the_argument_table_covers_every_tool() -> None:
    assert len(CATALOG_NAMES) == UNITY_TOOL_COUNT
    assert set(TOOL_CALLS) == CATALOG_NAMES | set(SERVER_TOOLS)


async def test_list_tools_offers_the_catalog_and_the_server_tools(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        tools = (await client.list_tools()).tools
    names = [tool.name for tool in tools]
    assert len(names) == len(set(names)) == TOOL_COUNT
    assert set(names) == CATALOG_NAMES | set(SERVER_TOOLS)
    assert set(names) - CATALOG_NAMES == SERVER_TOOL_NAMES


async def test_tool_annotations_match_the_catalog(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    for spec in UNITY_TOOLS:
        hints = listed[spec.name].annotations
        assert hints is not None, spec.name
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
            spec.read_only,
            spec.destructive,
            spec.idempotent,
        ), spec.name
        assert listed[spec.name].output_schema is not None, spec.name
    for name in ("get_connection_status", "list_projects", "wait_for_compile"):
        hints = listed[name].annotations
        assert hints is not None, name
        assert hints.read_only_hint is True, name
    select = listed["select_project"].annotations
    assert select is not None
    assert select.read_only_hint is False


@pytest.mark.parametrize("tool", ALL_TOOLS)
async def test_every_tool_end_to_end(world: World, mode: str, tool: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        answer = await run_table_entry(client, tool)
    state = TOOL_CALLS[tool].state
    if state is not None:
        assert state(world.editor, answer), f"{tool}: the editor does not show the change"
