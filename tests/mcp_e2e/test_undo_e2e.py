"""undo and redo through MCP against the simulated editor's undo history."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp import Client
from mcp_harness import DEADLINE, VALID_SCRIPT, World, call_ok, error_text

pytest_plugins = ["mcp_fixtures"]


async def position(client: Client, path: str) -> list[float]:
    inspected = await call_ok(client, "inspect_object", {"path": path})
    transform = next(c for c in inspected["components"] if c["type"] == "Transform")
    return list(transform["properties"]["localPosition"])


async def exists(client: Client, name: str) -> bool:
    found = await call_ok(client, "find_objects", {"name": name})
    return name in [o["name"] for o in found["objects"]]


async def test_undo_takes_back_groups_and_redo_brings_them_again(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "create_gameobject", {"name": "Crate", "position": [1, 0, 0]})
        await call_ok(
            client,
            "set_component_properties",
            {"path": "Crate", "component": "Transform", "properties": {"localPosition": [5, 0, 0]}},
        )
        first = await call_ok(client, "undo", {})
        moved_back = await position(client, "Crate")
        second = await call_ok(client, "undo", {})
        gone = not await exists(client, "Crate")
        again = await call_ok(client, "redo", {"steps": 2})
        redone = await position(client, "Crate")
    assert first == {"steps": 1, "names": ["Modify a component"]}
    assert moved_back == [1.0, 0.0, 0.0]
    assert second == {"steps": 1, "names": ["Create a GameObject"]}
    assert gone
    assert again == {"steps": 2, "names": ["Create a GameObject", "Modify a component"]}
    assert redone == [5.0, 0.0, 0.0]


async def test_undo_stops_at_the_start_of_the_history(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "create_gameobject", {"name": "Only"})
        answer = await call_ok(client, "undo", {"steps": 5})
        nothing = await call_ok(client, "undo", {})
    assert answer == {"steps": 1, "names": ["Create a GameObject"]}
    assert nothing == {"steps": 0, "names": []}


async def test_a_new_change_after_undo_drops_the_redo_history(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "create_gameobject", {"name": "First"})
        await call_ok(client, "undo", {})
        await call_ok(client, "create_gameobject", {"name": "Second"})
        redo = await call_ok(client, "redo", {})
        first_back = await exists(client, "First")
    assert redo == {"steps": 0, "names": []}
    assert not first_back


async def test_a_batch_is_one_undo_group(world: World, mode: str) -> None:
    steps = [
        {"tool": "create_gameobject", "arguments": {"name": "Left"}},
        {"tool": "create_gameobject", "arguments": {"name": "Right"}},
    ]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "batch", {"steps": steps})
        answer = await call_ok(client, "undo", {})
        left, right = await exists(client, "Left"), await exists(client, "Right")
    assert answer == {"steps": 1, "names": ["Movesia batch"]}
    assert (left, right) == (False, False)


async def test_material_changes_are_undone_and_file_changes_are_not(
    world: World, mode: str
) -> None:
    path = "Assets/Materials/Ground.mat"
    before = list(world.editor.assets[path].data["properties"]["_Color"])
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "modify_material", {"path": path, "color": [1, 0, 0, 1]})
        await call_ok(
            client, "write_script", {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT}
        )
        answer = await call_ok(client, "undo", {})
    assert answer == {"steps": 1, "names": ["Modify a material"]}
    assert world.editor.assets[path].data["properties"]["_Color"] == before
    assert "Assets/Scripts/Spinner.cs" in world.editor.assets


async def test_opening_a_scene_clears_the_history(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        await call_ok(client, "create_gameobject", {"name": "Before Open"})
        await call_ok(client, "open_scene", {"path": "Assets/Scenes/Level2.unity"})
        answer = await call_ok(client, "undo", {})
        state = await call_ok(client, "get_editor_state", {})
    assert answer == {"steps": 0, "names": []}
    assert state["active_scene"] == "Level2"


@pytest.mark.parametrize("tool", ["undo", "redo"])
@pytest.mark.parametrize("arguments", [{"steps": 0}, {"steps": 51}, {"steps": "two"}, {"n": 1}])
async def test_bad_steps_are_refused_before_unity(
    world: World, mode: str, tool: str, arguments: dict[str, Any]
) -> None:
    sent = len(world.peer.received)
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error is True
    assert "steps" in error_text(result)
    assert len(world.peer.received) == sent
