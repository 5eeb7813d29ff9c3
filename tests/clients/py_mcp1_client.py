"""A client nobody on this project wrote: the MCP Python SDK 1.x (``mcp<2``, in its own
venv that ``.ci/run`` creates at ``.ci/mcp1-venv``), driving movesia-mcp with a simulated
editor over stdio or streamable HTTP.

    .ci/mcp1-venv/bin/python py_mcp1_client.py stdio <command> [args...]
    .ci/mcp1-venv/bin/python py_mcp1_client.py http <url>

Prints one JSON object ``{sdk, transport, protocolVersion, checks: {name: {ok, detail}}}``
on stdout and exits 1 when a check failed. ``test_python_sdk1_client.py`` runs it.

Runs under that venv's Python and SDK only: it imports nothing from movesia_mcp.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from importlib.metadata import version
from typing import Any

from mcp import ClientSession, McpError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client
from mcp.types import CallToolResult, LoggingMessageNotificationParams, TextContent

BROKEN_SCRIPT = (
    "using UnityEngine;\n\npublic class PyBroken : MonoBehaviour\n{\n    void Update()\n"
    "    {\n    }\n"
)
VALID_SCRIPT = BROKEN_SCRIPT + "}\n"
# Set by the pytest side (external.py) from the catalog: how many tools must be listed.
EXPECTED_TOOLS_ENV = "MOVESIA_EXPECTED_TOOLS"

checks: dict[str, dict[str, Any]] = {}
logs: list[LoggingMessageNotificationParams] = []


async def check(name: str, body: Callable[[], Awaitable[Any]]) -> None:
    try:
        checks[name] = {"ok": True, "detail": await body()}
    except Exception:
        checks[name] = {"ok": False, "detail": traceback.format_exc()}


def expect(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def text(result: Any) -> str:
    return " ".join(c.text for c in result.content if isinstance(c, TextContent))


def structured(result: CallToolResult) -> dict[str, Any]:
    if result.structuredContent is None:
        raise AssertionError(f"no structured content: {result}")
    return result.structuredContent


def events() -> list[str]:
    return [f"{log.level}:{log.data.get('event')}" for log in logs if isinstance(log.data, dict)]


async def eventually(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def on_log(params: LoggingMessageNotificationParams) -> None:
    logs.append(params)


async def run(session: ClientSession) -> str:
    init = await session.initialize()

    async def capabilities() -> Any:
        caps = init.capabilities
        expect(caps.logging is not None, f"no logging capability: {caps}")
        expect(caps.prompts is not None and caps.prompts.listChanged is True, "prompts")
        expect(caps.tools is not None and caps.tools.listChanged is True, "tools")
        return caps.model_dump(exclude_none=True)

    async def schemas() -> Any:
        tools = (await session.list_tools()).tools
        expected = int(os.environ[EXPECTED_TOOLS_ENV])
        expect(len(tools) == expected, f"expected {expected} tools, got {len(tools)}")
        problems = [t.name for t in tools if t.inputSchema.get("additionalProperties") is not False]
        problems += [
            f"{t.name}.{name}"
            for t in tools
            for name, prop in t.inputSchema.get("properties", {}).items()
            if not prop.get("description")
        ]
        expect(not problems, f"open or undescribed: {problems}")
        return {"tools": len(tools)}

    async def unknown_tool() -> Any:
        try:
            await session.call_tool("create_gameobjekt", {"name": "X"})
        except McpError as exc:
            expect(exc.error.code == -32602, f"code {exc.error.code}")
            expect("did you mean 'create_gameobject'?" in exc.error.message, exc.error.message)
            return {"code": exc.error.code, "message": exc.error.message}
        raise AssertionError("an unknown tool did not raise McpError")

    async def unknown_argument() -> Any:
        result = await session.call_tool("create_gameobject", {"name": "Py Box", "positon": [1]})
        expect(result.isError is True, f"not an error: {result}")
        expect("did you mean 'position'?" in text(result), text(result))
        found = await session.call_tool("find_objects", {"name": "Py Box"})
        expect(found.structuredContent is not None, "find_objects: no structured content")
        expect(structured(found)["total"] == 0, "the misspelled call created an object")
        return text(result)

    async def structured_output() -> Any:
        # The 1.x ClientSession validates structuredContent against the tool's
        # outputSchema (jsonschema) and raises when it does not match.
        found = await session.call_tool("find_objects", {"name": "Player"})
        expect(found.isError is False, text(found))
        expect(structured(found)["objects"][0]["name"] == "Player", str(found))
        tree = await session.call_tool("get_hierarchy", {"depth": 1})
        expect(structured(tree)["nodes"], str(tree))
        status = await session.call_tool("get_connection_status", {})
        expect(structured(status)["connected"] is True, str(status))
        return {"validated": 3}

    async def failed_batch() -> Any:
        steps = [
            {"tool": "create_gameobject", "arguments": {"name": "Py Batch"}},
            {"tool": "inspect_object", "arguments": {"path": "Nowhere/Ghost"}},
        ]
        result = await session.call_tool("batch", {"steps": steps})
        expect(result.isError is True, f"not an error: {result}")
        expect(result.structuredContent is not None, "no partial results")
        expect(structured(result)["completed"] == 1, str(result.structuredContent))
        return text(result)

    async def set_level() -> Any:
        await session.set_logging_level("error")
        before = len(logs)
        path = "Assets/Scripts/PyBroken.cs"
        await session.call_tool("write_script", {"path": path, "contents": BROKEN_SCRIPT})
        await eventually(lambda: "error:compile_finished" in events()[before:], "error log")
        at_error = events()[before:]
        expect("info:compile_started" not in at_error, f"info log at level error: {at_error}")
        await session.set_logging_level("info")
        after = len(logs)
        await session.call_tool("write_script", {"path": path, "contents": VALID_SCRIPT})
        await eventually(lambda: "info:compile_finished" in events()[after:], "info log")
        return {"at_error": at_error, "at_info": events()[after:]}

    await check("capabilities", capabilities)
    await check("schemas_closed_and_described", schemas)
    await check("unknown_tool_is_a_json_rpc_error", unknown_tool)
    await check("unknown_argument_names_the_nearest", unknown_argument)
    await check("structured_output_validates", structured_output)
    await check("failed_batch_is_a_tool_error_with_results", failed_batch)
    await check("set_level_applies", set_level)
    return str(init.protocolVersion)


async def main(argv: list[str]) -> int:
    kind, target = argv[0], argv[1:]
    async with AsyncExitStack() as stack:
        if kind == "http":
            read, write, _ = await stack.enter_async_context(streamablehttp_client(target[0]))
        else:
            params = StdioServerParameters(command=target[0], args=target[1:], env=dict(os.environ))
            read, write = await stack.enter_async_context(stdio_client(params))
        session = await stack.enter_async_context(
            ClientSession(read, write, logging_callback=on_log)
        )
        protocol = await run(session)
    report = {"sdk": version("mcp"), "transport": kind, "protocolVersion": protocol}
    print(json.dumps({**report, "checks": checks}, default=str))
    return 0 if all(c["ok"] for c in checks.values()) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
