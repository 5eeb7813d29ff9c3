"""list_tests and run_tests through real MCP clients, against the simulated editor's suite."""

from __future__ import annotations

import asyncio
from typing import Any

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

FAILING = "Game.Tests.InventoryTests.DropsItemWhenFull"


async def test_list_tests_pages_through_both_modes(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        first = await call_ok(client, "list_tests", {"limit": 4})
        rest = await call_ok(client, "list_tests", {"offset": first["next_offset"], "limit": 4})
        play = await call_ok(client, "list_tests", {"mode": "PlayMode"})
    assert first["total"] == rest["total"] == 7
    assert (first["next_offset"], rest["next_offset"]) == (4, None)
    names = [t["name"] for t in first["tests"] + rest["tests"]]
    assert len(names) == len(set(names)) == 7
    assert [t["name"] for t in play["tests"]] == [
        "Game.Tests.PlayMode.SpawnTests.SpawnsPlayer",
        "Game.Tests.PlayMode.SpawnTests.SpawnsEnemies",
    ]
    assert {t["assembly"] for t in play["tests"]} == {"Game.Tests.PlayMode"}
    assert world.peer.reloads == 0


async def test_a_playmode_run_is_answered_across_the_domain_reload(world: World, mode: str) -> None:
    conn_seq = world.peer.conn_seq
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        answer = await call_ok(client, "run_tests", {"mode": "PlayMode"})
        state = await call_ok(client, "get_editor_state", {})  # usable again after it
    assert (answer["passed"], answer["failed"], answer["skipped"], answer["total"]) == (2, 0, 0, 2)
    assert answer["mode"] == "PlayMode"
    assert answer["failures"] == []
    assert world.peer.conn_seq == conn_seq + 1
    assert world.peer.reloads == 1
    assert state["is_compiling"] is False


@pytest.mark.parametrize(
    ("arguments", "counts"),
    [
        ({"categories": ["Movement"]}, (2, 0, 0)),
        ({"test_names": [FAILING]}, (0, 1, 0)),
        ({"group_names": ["^Game[.]Tests[.]Inventory"]}, (1, 1, 1)),
        ({"group_names": ["Jumps", "SortsBy"]}, (1, 0, 1)),
        ({"assemblies": ["Game.Tests.PlayMode"]}, (0, 0, 0)),  # not an EditMode assembly
        ({"categories": ["Movement"], "test_names": [FAILING]}, (0, 0, 0)),  # all must match
    ],
)
async def test_filters_choose_the_tests_that_run(
    world: World, arguments: dict[str, Any], counts: tuple[int, int, int]
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        answer = await call_ok(client, "run_tests", {"mode": "EditMode", **arguments})
    assert (answer["passed"], answer["failed"], answer["skipped"]) == counts
    assert answer["total"] == sum(counts)
    assert len(answer["failures"]) == counts[1]


async def test_failures_are_paged(world: World) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        first = await call_ok(client, "run_tests", {"mode": "EditMode", "limit": 1})
        past = await call_ok(client, "run_tests", {"mode": "EditMode", "offset": 1})
    assert [f["name"] for f in first["failures"]] == [FAILING]
    assert first["next_offset"] is None
    assert past["failures"] == []
    assert (past["failed"], past["offset"], past["next_offset"]) == (1, 1, None)


@pytest.mark.parametrize(
    ("tool", "arguments", "problem"),
    [
        ("run_tests", {}, "mode: Field required"),
        ("run_tests", {"mode": "Both"}, "mode: Input should be 'EditMode' or 'PlayMode'"),
        ("run_tests", {"mode": "EditMode", "limit": 0}, "limit: Input should be greater"),
        ("run_tests", {"mode": "EditMode", "categories": "Movement"}, "categories:"),
        ("list_tests", {"mode": "editmode"}, "mode: Input should be 'EditMode' or 'PlayMode'"),
        ("list_tests", {"offset": -1}, "offset: Input should be greater than or equal to 0"),
    ],
)
async def test_bad_input_is_refused_before_unity(
    world: World, mode: str, tool: str, arguments: dict[str, Any], problem: str
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error is True
    assert problem in error_text(result)
    assert world.peer.commands_seen == []


async def test_a_bad_name_pattern_is_unitys_clear_error(world: World) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        result = await client.call_tool("run_tests", {"mode": "EditMode", "group_names": ["("]})
    assert result.is_error is True
    assert "group_names: '(' is not a regular expression" in error_text(result)


async def test_progress_is_reported_while_run_tests_waits(world: World, mode: str) -> None:
    # The editor is busy (compiling) until the caller has seen run_tests wait.
    result, reports = await call_while_compiling(world, mode, "run_tests", {"mode": "EditMode"})
    assert reports, "no progress notification while run_tests waited"
    answer = structured(result, "run_tests")
    assert (answer["passed"], answer["failed"], answer["skipped"]) == (3, 1, 1)


async def test_a_playmode_run_is_refused_as_a_batch_step(world: World) -> None:
    """Answered when the run ends, after a reload: a batch answered at once cannot wait for
    it, and a run nobody waits for must not answer a later command."""
    steps = [{"tool": "run_tests", "arguments": {"mode": "PlayMode"}}]
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        result = await client.call_tool("batch", {"steps": steps})
    assert result.is_error is True
    assert "batch step 1: run_tests in PlayMode cannot run in a batch" in error_text(result)
    assert world.peer.commands_seen == []
