"""Byte bounds, end to end: a hostile editor's huge or numerous messages reach the MCP
client bounded (real WebSocket, real MCP client of either era)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from mcp import Client
from mcp.types import LoggingMessageNotificationParams
from mcp_harness import DEADLINE, World, eventually, read_json, structured

from movesia_mcp._bounds import json_size
from movesia_mcp._config import UnityManagerConfig
from movesia_mcp._server.resources import DEFAULT_RESOURCE_BYTES

pytest_plugins = ["mcp_fixtures"]

MiB = 1024 * 1024
DEFAULTS = UnityManagerConfig()


async def test_forty_events_of_two_mib_are_kept_clipped_and_unity_events_stays_bounded(
    world: World, mode: str
) -> None:
    for n in range(40):
        await world.peer.send_event("scene_saved", {"n": n, "blob": "x" * (2 * MiB)})
    await eventually(lambda: any(e.body.get("n") == 39 for e in world.manager.recent_events))
    kept = [e for e in world.manager.recent_events if e.type == "scene_saved"]
    assert all(json_size(e.body) <= DEFAULTS.max_event_bytes for e in kept)
    assert kept[-1].body["blob"].startswith("xxxx")
    assert "clipped" in kept[-1].body["blob"]
    assert world.manager.recent_events.bytes <= DEFAULTS.max_recent_events_bytes
    async with Client(world.server, mode=mode) as client:
        result = await client.read_resource("unity://events")
        text = result.contents[0].text  # type: ignore[union-attr]
        assert len(text.encode()) <= DEFAULT_RESOURCE_BYTES
        events = json.loads(text)["events"]
        assert events[-1]["body"]["n"] == 39  # the newest are the ones kept


async def test_a_three_mb_compile_finished_leaves_status_answers_bounded(
    world: World, mode: str
) -> None:
    errors = [
        {"file": f"Assets/S{i}.cs", "line": i, "column": 1, "message": "m" * 300}
        for i in range(10_000)
    ]
    assert json_size(errors) > 3 * MiB
    await world.peer.send_event("compile_started", {})
    await world.peer.send_event("compile_finished", {"success": False, "errors": errors})
    session = world.session_of(world.peer)
    await eventually(lambda: session.last_compile is not None)
    last = session.last_compile
    assert json_size(last) <= DEFAULTS.max_compile_errors_bytes
    assert last["errors_total"] == 10_000
    assert last["errors"][0] == errors[0]
    budget = DEFAULTS.max_status_bytes
    async with Client(world.server, mode=mode) as client:
        status = await client.call_tool("get_connection_status", {})
        assert len(status.content[0].text.encode()) <= budget  # type: ignore[union-attr]
        assert structured(status, "get_connection_status")["connected"] is True
        projects = await client.call_tool("list_projects", {})
        assert len(projects.content[0].text.encode()) <= budget  # type: ignore[union-attr]
        listed = structured(projects, "list_projects")["projects"]
        assert listed[0]["last_compile"]["errors_total"] == 10_000
        resource = await read_json(client, "unity://status")
        assert json_size(resource) <= budget
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{world.running.http}/unity/status")
    assert answer.status_code == 200
    assert len(answer.content) <= budget
    assert answer.json()["projects"][0]["last_compile"]["errors_total"] == 10_000


async def test_a_flood_of_error_logs_gives_a_bounded_number_of_notifications() -> None:
    """10,000 Unity error logs: every one is either sent or counted as folded, and the
    number of notifications is bounded by the rate, not by the flood."""
    from mcp_harness import open_world

    logs: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append(params)

    def unity_logs() -> list[Any]:
        return [log for log in logs if log.data.get("event") == "unity_log"]

    def folded() -> int:
        return sum(
            log.data["by_event"].get("unity_log", 0)
            for log in logs
            if log.data.get("event") == "unity_logs_folded"
        )

    flood = 10_000
    async with (
        asyncio.timeout(60),
        open_world() as world,
        Client(world.server, mode="legacy", logging_callback=on_log) as client,
    ):
        await client.call_tool("get_connection_status", {})  # the hub now knows the client
        started = time.monotonic()
        frames = [
            json.dumps(
                {
                    "v": 1,
                    "type": "log_message",
                    "id": f"flood-{n}",
                    "session": world.peer.session_id,
                    "body": {"type": "Error", "message": f"NullReferenceException {n}"},
                }
            )
            for n in range(flood)
        ]
        for frame in frames:
            await world.peer.send_raw(frame)
        await eventually(lambda: len(unity_logs()) + folded() == flood, timeout=DEADLINE * 2)
        elapsed = time.monotonic() - started
        assert world.manager.dropped_deliveries == 0
    assert len(unity_logs()) + folded() == flood
    assert folded() > 0
    # At most max_logs_per_s per started second, the summaries included.
    assert len(logs) <= world.hub.max_logs_per_s * (int(elapsed) + 2)
    assert len(logs) < flood // 20
    summary = next(log for log in logs if log.data.get("event") == "unity_logs_folded")
    assert summary.level == "warning"
    assert "counted, not sent" in summary.data["message"]
