"""The real stdio server driven by the MCP Inspector CLI (npm @modelcontextprotocol/inspector
0.15.0, the last release that runs on Node 20). ``.ci/run`` installs it whenever node is
present and points ``MOVESIA_INSPECTOR`` at it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from expected_tools import TOOL_COUNT

INSPECTOR = os.environ.get("MOVESIA_INSPECTOR") or str(
    Path(__file__).resolve().parents[2] / ".ci/inspector/node_modules/.bin/mcp-inspector"
)

pytestmark = pytest.mark.skipif(
    not (shutil.which("node") and Path(INSPECTOR).exists()),
    reason="needs node and the Inspector CLI (.ci/run installs it when node is present)",
)


def inspector(*args: str) -> Any:
    server = [sys.executable, "-m", "movesia_mcp", "--simulate-unity"]
    result = subprocess.run(
        [INSPECTOR, "--cli", *server, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_inspector_lists_every_tool_with_schemas_and_annotations() -> None:
    tools = {t["name"]: t for t in inspector("--method", "tools/list")["tools"]}
    assert len(tools) == TOOL_COUNT
    hierarchy = tools["get_hierarchy"]
    assert hierarchy["annotations"]["readOnlyHint"] is True
    assert "depth" in hierarchy["inputSchema"]["properties"]
    assert "nodes" in hierarchy["outputSchema"]["properties"]


def test_inspector_calls_a_unity_tool() -> None:
    result = inspector(
        "--method", "tools/call", "--tool-name", "find_objects", "--tool-arg", "name=Player"
    )
    assert result["isError"] is False
    assert result["structuredContent"]["objects"][0]["name"] == "Player"


def test_inspector_reads_the_status_resource() -> None:
    result = inspector("--method", "resources/read", "--uri", "unity://status")
    status = json.loads(result["contents"][0]["text"])
    assert status["connected"] is True
    assert status["projects"][0]["project"] == "SimProject"
