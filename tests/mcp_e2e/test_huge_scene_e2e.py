"""A 100,000-object scene: hierarchy answers stay paged and small."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client
from mcp.types import TextContent
from mcp_harness import DEADLINE, call_ok, open_world, structured

from movesia_mcp._simulator import SimulatedEditor

pytest_plugins = ["mcp_fixtures"]

OBJECTS = 100_000
LIMIT = 50
MAX_BYTES = 200_000


@pytest.fixture(scope="module")
def huge_editor() -> SimulatedEditor:
    """Built once (it takes a while); the tests here only read it."""
    return SimulatedEditor(objects=OBJECTS)


async def test_huge_scene_hierarchy_is_paged(huge_editor: SimulatedEditor, mode: str) -> None:
    async with (
        asyncio.timeout(DEADLINE),
        open_world(editor=huge_editor) as world,
        Client(world.server, mode=mode) as client,
    ):
        page = await call_ok(client, "get_hierarchy", {"limit": LIMIT, "depth": 1})
        second = await call_ok(
            client, "get_hierarchy", {"limit": LIMIT, "depth": 1, "offset": page["next_offset"]}
        )
    assert len(page["nodes"]) <= LIMIT
    assert abs(page["total_objects"] - OBJECTS) <= OBJECTS // 100
    assert page["total"] > LIMIT
    assert page["next_offset"] == LIMIT
    assert second["offset"] == LIMIT
    assert len(second["nodes"]) <= LIMIT
    first_ids = {n["instance_id"] for n in page["nodes"]}
    assert first_ids.isdisjoint(n["instance_id"] for n in second["nodes"])


@pytest.mark.parametrize(
    "arguments",
    [{"limit": LIMIT}, {"depth": 1}],
    ids=["limit-50-default-depth", "depth-1-default-limit"],
)
async def test_huge_scene_hierarchy_page_is_under_200_kb(
    huge_editor: SimulatedEditor, arguments: dict[str, int]
) -> None:
    """A plain request answers with a page (children cut off where needed), and the
    JSON text the client receives stays under 200 KB."""
    async with (
        asyncio.timeout(DEADLINE),
        open_world(editor=huge_editor) as world,
        Client(world.server, mode="legacy") as client,
    ):
        result = await client.call_tool("get_hierarchy", arguments)
    page = structured(result, "get_hierarchy")
    assert len(page["nodes"]) <= arguments.get("limit", 100)
    assert page["next_offset"] is not None
    text = "".join(c.text for c in result.content if isinstance(c, TextContent))
    size = len(text.encode())
    assert size < MAX_BYTES, f"get_hierarchy({arguments}) sent {size:,} bytes of JSON text"
