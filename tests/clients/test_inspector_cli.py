"""The MCP Inspector CLI (npm ``@modelcontextprotocol/inspector`` 0.15.0, the newest that
runs on Node 20; it bundles the TypeScript SDK client) against the stdio server:
setLevel, unknown tools, unknown arguments, and structured output, which the CLI's SDK
client validates against the output schema before printing it."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from external import INSPECTOR, SERVER, SERVER_ENV, require_inspector

from expected_tools import TOOL_COUNT


def inspector(*args: str) -> subprocess.CompletedProcess[str]:
    require_inspector()
    return subprocess.run(
        [str(INSPECTOR), "--cli", *SERVER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=SERVER_ENV,
        stdin=subprocess.DEVNULL,
    )


def ok(*args: str) -> Any:
    result = inspector(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def call(tool: str, *arguments: str) -> Any:
    tool_args = [part for argument in arguments for part in ("--tool-arg", argument)]
    return ok("--method", "tools/call", "--tool-name", tool, *tool_args)


def text(result: Any) -> str:
    return " ".join(c["text"] for c in result["content"] if c["type"] == "text")


def test_inspector_sets_the_log_level() -> None:
    assert ok("--method", "logging/setLevel", "--log-level", "error") == {}


def test_inspector_gets_a_json_rpc_error_for_an_unknown_tool() -> None:
    result = inspector("--method", "tools/call", "--tool-name", "create_gameobjekt")
    assert result.returncode == 1
    assert "MCP error -32602: Unknown tool: 'create_gameobjekt'" in result.stderr
    assert "did you mean 'create_gameobject'?" in result.stderr


def test_inspector_gets_the_nearest_name_for_an_unknown_argument() -> None:
    result = call("create_gameobject", "name=Box", "positon=[1,2,3]")
    assert result["isError"] is True
    assert "'positon' (did you mean 'position'?)" in text(result)


def test_inspector_lists_closed_schemas() -> None:
    tools = ok("--method", "tools/list")["tools"]
    assert len(tools) == TOOL_COUNT
    assert all(tool["inputSchema"]["additionalProperties"] is False for tool in tools)


def test_inspector_validates_structured_output() -> None:
    found = call("find_objects", "name=Player")
    assert found["isError"] is False
    assert found["structuredContent"]["objects"][0]["name"] == "Player"
    steps = [
        {"tool": "create_gameobject", "arguments": {"name": "Inspector Batch"}},
        {"tool": "inspect_object", "arguments": {"path": "Nowhere/Ghost"}},
    ]
    failed = call("batch", "steps=" + json.dumps(steps))
    assert failed["isError"] is True
    assert failed["structuredContent"]["completed"] == 1  # validated by the CLI's client
    assert "batch stopped at step 2 of 2 (inspect_object)" in text(failed)
