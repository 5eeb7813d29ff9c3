"""Packages through MCP: add and remove span the resolve, the compile and the domain
reload; bad package names are refused before anything reaches Unity."""

from __future__ import annotations

import asyncio

import pytest
from mcp import Client
from mcp_harness import (
    DEADLINE,
    World,
    call_ok,
    call_while_compiling,
    error_text,
    structured,
)

pytest_plugins = ["mcp_fixtures"]


async def test_adding_a_package_reloads_and_lists_it(world: World, mode: str) -> None:
    conn_seq = world.peer.conn_seq
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        before = await call_ok(client, "list_packages", {})
        answer = await call_ok(client, "add_package", {"package": "com.unity.cinemachine"})
        after = await call_ok(client, "list_packages", {"include_builtin": True})
    assert "com.unity.cinemachine" not in {p["name"] for p in before["packages"]}
    # No version asked: the registry's newest.
    assert answer == {
        "package": "com.unity.cinemachine",
        "name": "com.unity.cinemachine",
        "version": "2.10.1",
        "compiled": True,
        "errors": [],
    }
    listed = {p["name"]: p for p in after["packages"]}
    assert listed["com.unity.cinemachine"]["version"] == "2.10.1"
    assert listed["com.unity.cinemachine"]["source"] == "registry"
    assert listed["com.unity.modules.physics"]["source"] == "builtin"
    assert after["total"] == len(before["packages"]) + 1 + 3  # the new one and 3 modules
    assert world.peer.conn_seq == conn_seq + 1  # the domain reloaded once
    assert world.peer.reloads == 1


async def test_a_git_package_and_its_removal(world: World, mode: str) -> None:
    url = "https://github.com/example-org/Unity-Tweens.git?path=/Packages/tweens#v2.1.0"
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        added = await call_ok(client, "add_package", {"package": "git+" + url})
        removed = await call_ok(client, "remove_package", {"name": added["name"]})
        listed = await call_ok(client, "list_packages", {})
    assert added["name"] == "com.example-org.unity-tweens"
    assert added["package"] == "git+" + url
    assert removed["version"] is None
    assert removed["compiled"] is True
    assert added["name"] not in {p["name"] for p in listed["packages"]}
    assert world.peer.reloads == 2


async def test_what_the_package_manager_refuses_is_a_tool_error(world: World, mode: str) -> None:
    world.editor.package_manager.packages.pop("com.unity.timeline")  # not installed now
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool("remove_package", {"name": "com.unity.timeline"})
        builtin = await client.call_tool("remove_package", {"name": "com.unity.modules.physics"})
        unknown = await client.call_tool("add_package", {"package": "com.example.nothing"})
        version = await client.call_tool("add_package", {"package": "com.unity.ugui@9.9.9"})
    assert result.is_error is True
    assert "not a dependency of this project" in error_text(result)
    assert builtin.is_error is True
    assert "built-in modules" in error_text(builtin)
    assert unknown.is_error is True
    assert "not found in the registry" in error_text(unknown)
    assert version.is_error is True
    assert "available: 1.0.0" in error_text(version)
    assert world.peer.reloads == 0
    assert world.editor.package_manager.resolves == 0


async def test_progress_is_reported_while_the_package_manager_works(
    world: World, mode: str
) -> None:
    result, reports = await call_while_compiling(
        world, mode, "add_package", {"package": "com.unity.ai.navigation@1.1.5"}
    )
    answer = structured(result, "add_package")
    assert reports, "no progress notification while Unity was busy"
    assert answer["version"] == "1.1.5"
    assert answer["compiled"] is True


REFUSED: list[tuple[str, dict[str, object], str]] = [
    ("add_package", {"package": "TextMeshPro"}, "is not a package"),
    ("add_package", {"package": "com.unity"}, "is not a package"),
    ("add_package", {"package": "com.Unity.textmeshpro"}, "is not a package"),
    ("add_package", {"package": "com.unity.textmeshpro@latest"}, "must be semantic"),
    ("add_package", {"package": "com.unity.textmeshpro@3.0"}, "must be semantic"),
    ("add_package", {"package": "http://example.com/repo.git"}, "only https git URLs"),
    ("add_package", {"package": "git@github.com:o/r.git"}, "only https git URLs"),
    ("add_package", {"package": "file:../local"}, "only https git URLs"),
    ("add_package", {"package": "https://github.com/o/repo"}, "not a usable git URL"),
    ("add_package", {"package": "https://github.com/o/r.git; rm -rf ~"}, "not a usable git URL"),
    ("add_package", {"package": "com.a.b@1.0.0\n"}, "must be semantic"),
    ("remove_package", {"name": "com.unity.textmeshpro@3.0.6"}, "is not a package name"),
    ("remove_package", {"name": "../Packages"}, "is not a package name"),
]


@pytest.mark.parametrize(("tool", "arguments", "rule"), REFUSED)
async def test_a_bad_package_is_refused_before_unity(
    world: World, tool: str, arguments: dict[str, object], rule: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode="legacy") as client:
        result = await client.call_tool(tool, dict(arguments))
        ok = await client.call_tool("get_hierarchy", {"depth": 0})
    assert result.is_error is True
    assert rule in error_text(result), error_text(result)
    assert ok.is_error is False
    assert [m["type"] for m in world.peer.commands_seen] == ["get_hierarchy"]
    assert world.editor.package_manager.resolves == 0
