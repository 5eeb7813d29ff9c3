"""Hostile paths are refused by the server, through a real MCP client, before anything
reaches Unity: the simulated editor never receives the command."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client
from mcp_harness import DEADLINE, World, error_text

pytest_plugins = ["mcp_fixtures"]

HOSTILE: list[tuple[str, dict[str, object], str]] = [
    ("delete_asset", {"path": "Assets"}, "the Assets root cannot be the target"),
    ("delete_asset", {"path": "Assets/"}, "the Assets root cannot be the target"),
    ("delete_asset", {"path": "Assets/."}, "the Assets root cannot be the target"),
    ("delete_asset", {"path": "Assets/Materials\x00/Red.mat"}, "control character U+0000"),
    ("delete_asset", {"path": "Assets/Old.mat:$DATA"}, "no ':' in file names"),
    ("write_script", {"path": "Assets/Scripts/CON.cs", "contents": ""}, "reserved device name"),
    ("write_script", {"path": "Assets/Scripts/Nul.cs", "contents": ""}, "reserved device name"),
    ("write_script", {"path": "Assets/Scripts/A.cs.", "contents": ""}, "ends with a dot"),
    ("create_material", {"path": "Assets/Art /Red.mat"}, "ends with a dot or a space"),
    ("delete_asset", {"path": "Assets/a/../../ProjectSettings"}, "no parent-folder steps"),
    ("delete_asset", {"path": "ProjectSettings/ProjectSettings.asset"}, "only Assets/"),
    (
        "batch",
        {
            "steps": [
                {"tool": "create_gameobject", "arguments": {"name": "Harmless"}},
                {"tool": "delete_asset", "arguments": {"path": "Assets/."}},
            ]
        },
        "the Assets root cannot be the target",
    ),
]


@pytest.mark.parametrize(("tool", "arguments", "rule"), HOSTILE)
async def test_a_hostile_path_is_refused_naming_the_rule_and_never_reaches_unity(
    world: World, tool: str, arguments: dict[str, object], rule: str
) -> None:
    assets_before = sorted(world.editor.assets)
    async with asyncio.timeout(DEADLINE), Client(world.server, mode="legacy") as client:
        result = await client.call_tool(tool, dict(arguments))
        # A round trip that does reach Unity: every earlier frame was handled by now.
        ok = await client.call_tool("get_hierarchy", {"depth": 0})
    assert result.is_error is True
    assert rule in error_text(result), error_text(result)
    assert ok.is_error is False
    assert [m["type"] for m in world.peer.commands_seen] == ["get_hierarchy"]  # nothing else
    assert sorted(world.editor.assets) == assets_before
