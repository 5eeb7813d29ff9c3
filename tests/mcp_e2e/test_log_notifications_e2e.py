"""Compile and Unity error logs reach handshake-era clients as MCP log notifications."""

from __future__ import annotations

import asyncio
from typing import Any

from mcp import Client
from mcp.types import LoggingMessageNotificationParams
from mcp_harness import DEADLINE, eventually, open_world

pytest_plugins = ["mcp_fixtures"]


async def test_compile_errors_and_unity_error_logs_arrive_as_log_notifications() -> None:
    logs: list[LoggingMessageNotificationParams] = []

    async def on_log(params: LoggingMessageNotificationParams) -> None:
        logs.append(params)

    def events() -> list[Any]:
        return [log.data.get("event") for log in logs if isinstance(log.data, dict)]

    async with (
        asyncio.timeout(DEADLINE),
        open_world() as world,
        Client(world.server, mode="legacy", logging_callback=on_log) as client,
    ):
        await client.call_tool("get_connection_status", {})  # the hub now knows the client
        errors = [{"file": "Assets/A.cs", "line": 3, "column": 1, "message": "CS1513"}]
        await world.peer.send_event("compile_started", {})
        await world.peer.send_event("compile_finished", {"success": False, "errors": errors})
        await world.peer.send_event("log_message", {"type": "Error", "message": "NullRef"})
        await eventually(
            lambda: events()[-3:] == ["compile_started", "compile_finished", "unity_log"]
        )
    finished = next(log for log in logs if log.data.get("event") == "compile_finished")
    assert finished.level == "error"
    assert finished.data["errors"] == errors
    unity_log = next(log for log in logs if log.data.get("event") == "unity_log")
    assert unity_log.data["message"] == "NullRef"
