"""The real thing: ``python -m movesia_mcp --simulate-unity`` as a subprocess over stdio,
driven by the official client (``mcp.Client``) and by the v1-style ``ClientSession``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from mcp_harness import TOOL_CALLS, call_ok, run_table_entry

pytest_plugins = ["mcp_fixtures"]

PARAMS = StdioServerParameters(
    command=sys.executable,
    args=["-m", "movesia_mcp", "--simulate-unity"],
    env={**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"},
)
STDIO_DEADLINE = 45.0  # process start, editor connect, 40+ calls
CLIENTS = ["Client", "ClientSession"]


@contextlib.asynccontextmanager
async def stdio_server(kind: str) -> AsyncIterator[Any]:
    """A connected client of ``kind`` to a fresh server subprocess."""
    if kind == "Client":
        async with Client(PARAMS) as client:
            assert client.protocol_version == "2026-07-28"
            yield client
        return
    async with stdio_client(PARAMS) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        assert session.protocol_version == "2025-11-25"
        yield session


async def wait_until_connected(client: Any, timeout: float = 10.0) -> dict[str, Any]:
    """Poll get_connection_status until the simulated editor is connected."""
    deadline = time.monotonic() + timeout
    while True:
        status = await call_ok(client, "get_connection_status", {})
        if status["connected"]:
            return status
        if time.monotonic() >= deadline:
            raise AssertionError(f"the simulated editor did not connect within {timeout:g}s")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("kind", CLIENTS)
async def test_stdio_server_answers_every_tool(kind: str) -> None:
    async with asyncio.timeout(STDIO_DEADLINE), stdio_server(kind) as client:
        await wait_until_connected(client)
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert listed == set(TOOL_CALLS)
        answered = []
        for tool in TOOL_CALLS:  # in table order, one editor: the table is built for it
            await run_table_entry(client, tool)
            answered.append(tool)
    assert answered == list(TOOL_CALLS)


@pytest.mark.parametrize("kind", CLIENTS)
async def test_stdio_created_object_can_be_read_back(kind: str) -> None:
    async with asyncio.timeout(STDIO_DEADLINE), stdio_server(kind) as client:
        await wait_until_connected(client)
        created = await call_ok(
            client,
            "create_gameobject",
            {"name": "Stdio Marker", "primitive": "Sphere", "position": [0, 3, 0]},
        )
        found = await call_ok(client, "find_objects", {"name": "stdio marker"})
        tree = await call_ok(client, "get_hierarchy", {"depth": 0, "limit": 500})
        inspected = await call_ok(
            client, "inspect_object", {"instance_id": created["object"]["instance_id"]}
        )
    marker = created["object"]
    assert found["total"] == 1
    assert found["objects"][0]["instance_id"] == marker["instance_id"]
    assert [n["instance_id"] for n in tree["nodes"] if n["name"] == "Stdio Marker"] == [
        marker["instance_id"]
    ]
    transform = next(c for c in inspected["components"] if c["type"] == "Transform")
    assert transform["properties"]["localPosition"] == [0, 3, 0]
    assert "SphereCollider" in marker["components"]
