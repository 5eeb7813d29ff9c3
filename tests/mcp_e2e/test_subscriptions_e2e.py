"""Resource updates reach subscribed clients of both eras when Unity's state changes.

Handshake era: ``resources/subscribe`` then ``notifications/resources/updated``.
2026-07-28: a ``subscriptions/listen`` stream of ``ResourceUpdated`` events.
Each test reads the resource after the update and checks that it shows the change.
"""

from __future__ import annotations

import asyncio

from mcp_harness import DEADLINE, PROJECT, World, call_ok, read_json, subscribed, update_showing

from movesia_mcp._simulator import SimulatedEditor
from movesia_mcp.catalog._resources import SELECTION, STATUS

pytest_plugins = ["mcp_fixtures"]


async def test_status_is_updated_when_unity_compiles(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), subscribed(world.server, mode, [STATUS]) as (client, log):
        assert (await read_json(client, STATUS))["compiling"] is False
        since = log.count(STATUS)
        await world.peer.send_event("compile_started", {})
        during = await update_showing(client, log, STATUS, since, lambda s: s["compiling"])
        assert during["projects"][0]["compiling"] is True
        assert "compiling" in during["hint"]

        since = log.count(STATUS)
        await world.peer.send_event("compile_finished", {"success": True, "errors": []})
        after = await update_showing(client, log, STATUS, since, lambda s: not s["compiling"])
        assert after["projects"][0]["last_compile"] == {"success": True, "errors": []}


async def test_status_is_updated_when_a_second_editor_connects(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), subscribed(world.server, mode, [STATUS]) as (client, log):
        since = log.count(STATUS)
        other = await world.attach_editor(
            SimulatedEditor(project_path="/Users/dev/Projects/Racer"), wait=False
        )
        status = await update_showing(client, log, STATUS, since, lambda s: len(s["projects"]) == 2)
    projects = {p["project"]: p for p in status["projects"]}
    assert set(projects) == {PROJECT, "Racer"}
    assert projects["Racer"]["session"] == other.session_id
    assert projects["Racer"]["status"] == "connected"


async def test_status_is_updated_when_the_editor_disconnects(world: World, mode: str) -> None:
    async with asyncio.timeout(DEADLINE), subscribed(world.server, mode, [STATUS]) as (client, log):
        assert (await read_json(client, STATUS))["connected"] is True
        since = log.count(STATUS)
        await world.peer.close()
        status = await update_showing(client, log, STATUS, since, lambda s: not s["connected"])
    assert "No Unity editor is connected" in status["hint"]
    assert all(p["status"] != "connected" for p in status["projects"])


async def test_selection_is_updated_when_set_selection_is_called(world: World, mode: str) -> None:
    async with (
        asyncio.timeout(DEADLINE),
        subscribed(world.server, mode, [SELECTION]) as (client, log),
    ):
        before = await read_json(client, SELECTION)
        assert before["selection"].get(PROJECT) in (None, {})
        since = log.count(SELECTION)
        chosen = await call_ok(client, "set_selection", {"paths": ["Player", "Environment"]})
        selection = await update_showing(
            client, log, SELECTION, since, lambda s: bool(s["selection"].get(PROJECT))
        )
    ids = [o["instance_id"] for o in chosen["objects"]]
    assert selection["selection"][PROJECT]["instance_ids"] == ids
    assert selection["selection"][PROJECT]["names"] == ["Player", "Environment"]
    assert world.editor.selection == ids
