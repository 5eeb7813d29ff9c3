"""Bad calls end as tool errors that say what went wrong and what to do, and never hang."""

from __future__ import annotations

import asyncio

from mcp import Client
from mcp_harness import DEADLINE, PROJECT, VALID_SCRIPT, World, error_text

from movesia_mcp._simulator import SimulatedEditor

pytest_plugins = ["mcp_fixtures"]


WRONG_TYPES: list[tuple[str, dict[str, object], str]] = [
    ("get_hierarchy", {"depth": "deep"}, "depth"),
    ("create_gameobject", {"name": "Box", "position": "up"}, "position"),
    ("set_play_mode", {"action": 1}, "action"),
    ("find_objects", {"name": "Oak", "limit": [5]}, "limit"),
]
ESCAPING_PATHS = ["../evil.cs", "Assets/../../x.cs", "/etc/evil.cs"]


async def test_wrong_argument_type_is_an_error_naming_the_field(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        for tool, arguments, field in WRONG_TYPES:
            result = await client.call_tool(tool, arguments)
            assert result.is_error is True, tool
            assert field in error_text(result), (tool, error_text(result))
    assert world.peer.commands_seen == []  # all rejected before reaching Unity


async def test_inspect_object_without_a_target_names_the_rule(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("inspect_object", {})
    assert result.is_error is True
    assert "exactly one of 'path' or 'instance_id'" in error_text(result)
    assert world.peer.commands_seen == []


async def test_unknown_object_carries_unitys_message(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("inspect_object", {"path": "Nowhere/Ghost"})
    assert result.is_error is True
    text = error_text(result)
    assert "Unity could not run inspect_object" in text
    assert "GameObject 'Nowhere/Ghost' not found in the loaded scenes" in text


async def test_script_path_outside_assets_is_refused_and_writes_nothing(
    world: World, mode: str
) -> None:
    files_before = set(world.editor.assets)
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        for path in ESCAPING_PATHS:
            arguments = {"path": path, "contents": VALID_SCRIPT}
            result = await client.call_tool("write_script", arguments)
            assert result.is_error is True, path
            text = error_text(result)
            assert "path" in text, text
            assert "Assets/" in text, text
    assert set(world.editor.assets) == files_before
    assert not world.editor.script_writes
    assert world.peer.commands_seen == []


async def test_unknown_project_says_it_is_not_connected_and_lists_what_is(
    world: World, mode: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {"project": "Nope"})
    assert result.is_error is True
    text = error_text(result)
    assert "no connected Unity project matches 'Nope'" in text
    assert f"connected: {PROJECT} [{world.peer.session_id}]" in text


async def test_two_projects_and_no_choice_is_an_error_listing_both(world: World, mode: str) -> None:
    other = await world.attach_editor(SimulatedEditor(project_path="/Users/dev/Projects/Racer"))
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {})
        chosen = await client.call_tool("get_hierarchy", {"project": "Racer", "depth": 0})
    assert result.is_error is True
    text = error_text(result)
    assert "2 Unity projects are connected" in text
    assert f"{PROJECT} [{world.peer.session_id}]" in text
    assert f"Racer [{other.session_id}]" in text
    assert "select_project" in text
    assert chosen.is_error is False  # naming one works
    assert world.peer.commands_seen == []


async def test_no_editor_connected_is_an_error_saying_what_to_do(
    empty_world: World, mode: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(empty_world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {})
        status = await client.call_tool("get_connection_status", {})
    assert result.is_error is True
    text = error_text(result)
    assert "no Unity editor is connected" in text
    assert "open the project in Unity with the Movesia plug-in" in text
    assert status.structured_content is not None
    assert status.structured_content["connected"] is False
    assert "--simulate-unity" in status.structured_content["hint"]


async def test_editor_that_left_and_did_not_return_is_an_error(world: World, mode: str) -> None:
    await world.peer.close()
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("get_hierarchy", {})
    assert result.is_error is True
    text = error_text(result)
    assert f"Unity project '{PROJECT}' disconnected and did not come back" in text
    assert "check that the editor is open" in text
