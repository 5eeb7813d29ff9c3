"""batch(atomic=true) through MCP: one undo group, rolled back for real when a step fails;
steps Unity could not roll back are refused before anything reaches Unity."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from mcp import Client
from mcp_harness import DEADLINE, VALID_SCRIPT, World, call_ok, error_text, result_model

from movesia_mcp.catalog._tools import BatchResult

pytest_plugins = ["mcp_fixtures"]


def step(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"tool": tool, "arguments": arguments}


async def test_a_failing_atomic_batch_is_rolled_back_and_reports_what_ran(
    world: World, mode: str
) -> None:
    ground = "Assets/Materials/Ground.mat"
    color = list(world.editor.assets[ground].data["properties"]["_Color"])
    steps = [
        step("create_gameobject", name="Made First"),
        step("rename_gameobject", path="Player", new_name="Renamed"),
        step("modify_material", path=ground, color=[1, 0, 0, 1]),
        step("inspect_object", path="Nowhere/Ghost"),
        step("create_gameobject", name="Never Made"),
    ]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("batch", {"steps": steps, "atomic": True})
        after = await call_ok(client, "find_objects", {"name": "e"})
        undo = await call_ok(client, "undo", {})
    assert result.is_error is True
    text = error_text(result)
    assert "atomic batch stopped at step 4 of 5 (inspect_object)" in text, text
    assert "The 3 step(s) before it ran and were rolled back" in text
    assert result.structured_content is not None
    result_model("batch").model_validate(result.structured_content)
    report = BatchResult.model_validate(result.structured_content)
    assert (report.completed, report.stopped_on_error, report.rolled_back) == (3, True, True)
    assert [r.success for r in report.results] == [True, True, True, False]
    assert "Nowhere/Ghost" in (report.results[3].error or "")
    names = [o["name"] for o in after["objects"]]
    assert "Made First" not in names
    assert "Renamed" not in names
    assert world.editor.graph.find("Player") is not None
    assert world.editor.assets[ground].data["properties"]["_Color"] == color
    assert undo == {"steps": 0, "names": []}  # a rolled-back batch leaves no undo group


async def test_an_atomic_batch_that_completes_is_one_undo_group(world: World, mode: str) -> None:
    steps = [
        step("inspect_object", path="Player"),  # reads are fine in an atomic batch
        step("create_gameobject", name="Kept A"),
        step("create_gameobject", name="Kept B"),
    ]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        answer = await call_ok(client, "batch", {"steps": steps, "atomic": True})
        made = world.editor.graph.find("Kept A") is not None
        undo = await call_ok(client, "undo", {})
    assert (answer["completed"], answer["stopped_on_error"], answer["rolled_back"]) == (
        3,
        False,
        False,
    )
    assert made
    assert undo == {"steps": 1, "names": ["Movesia batch"]}
    assert world.editor.graph.find("Kept A") is None
    assert world.editor.graph.find("Kept B") is None


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (step("write_script", path="Assets/Scripts/S.cs", contents=VALID_SCRIPT), "domain reload"),
        (step("set_play_mode", action="play"), "domain reload"),
        (step("refresh_assets"), "domain reload"),
        (step("delete_asset", path="Assets/Materials/Ground.mat"), "domain reload"),
        (step("open_scene", path="Assets/Scenes/Level2.unity"), "undo does not take it back"),
        (step("create_material", path="Assets/Materials/New.mat"), "undo does not take it back"),
        (step("execute_menu_item", menu_path="GameObject/Create Empty"), "undo does not"),
    ],
)
async def test_steps_that_cannot_be_rolled_back_are_refused_before_unity(
    world: World, mode: str, bad: dict[str, Any], words: str
) -> None:
    sent = len(world.peer.received)
    steps = [step("create_gameobject", name="Not Made"), bad]
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("batch", {"steps": steps, "atomic": True})
    assert result.is_error is True
    text = error_text(result)
    assert f"batch step 2 ({bad['tool']}) cannot be in an atomic batch" in text, text
    assert words in text
    assert len(world.peer.received) == sent  # nothing reached Unity
    assert world.editor.graph.find("Not Made") is None


async def test_the_simulated_editor_refuses_them_too_without_running_a_step(
    world: World,
) -> None:
    """What a client that bypasses the server's check would meet in the editor."""
    body = world.editor.execute(
        "batch",
        {
            "atomic": True,
            "steps": [
                {"tool": "create_gameobject", "params": {"name": "Not Made"}},
                {"tool": "write_script", "params": {"path": "Assets/S.cs", "contents": ""}},
            ],
        },
    )
    assert isinstance(body, dict)
    assert "batch step 2 (write_script) cannot be in an atomic batch" in body["error"]
    assert world.editor.graph.find("Not Made") is None
