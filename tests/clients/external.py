"""Running clients nobody on this project wrote, as ``.ci/run`` installs them.

- the TypeScript SDK (npm ``@modelcontextprotocol/sdk``) in ``.ci/mcp-ts``;
- the Python SDK 1.x (``mcp<2``) in its own venv, ``.ci/mcp1-venv``;
- the MCP Inspector CLI in ``.ci/inspector``.

Locally a missing one skips its tests; with ``CI`` set it fails them, so CI cannot pass
without having run them.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from expected_tools import EXPECTED_TOOLS_ENV, TOOL_COUNT

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TS_SDK = Path(
    os.environ.get("MOVESIA_TS_SDK") or ROOT / ".ci/mcp-ts/node_modules/@modelcontextprotocol/sdk"
)
MCP1_PYTHON = Path(os.environ.get("MOVESIA_MCP1_PYTHON") or ROOT / ".ci/mcp1-venv/bin/python")
INSPECTOR = Path(
    os.environ.get("MOVESIA_INSPECTOR") or ROOT / ".ci/inspector/node_modules/.bin/mcp-inspector"
)
SERVER = [sys.executable, "-m", "movesia_mcp", "--simulate-unity"]
# The server each client starts: an ephemeral Unity port, and quiet on stderr.
SERVER_ENV = {**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"}
# The scripts check the tools they are offered against the catalog's count.
SCRIPT_ENV = {**SERVER_ENV, EXPECTED_TOOLS_ENV: str(TOOL_COUNT)}
CLIENT_TIMEOUT = 180.0  # a whole script: node start, server start, a dozen calls
# What every client checks (the names its script reports).
CHECKS = {
    "capabilities",
    "schemas_closed_and_described",
    "unknown_tool_is_a_json_rpc_error",
    "unknown_argument_names_the_nearest",
    "structured_output_validates",
    "failed_batch_is_a_tool_error_with_results",
    "set_level_applies",
}


def require(present: bool, what: str) -> None:
    """Skip when ``what`` is missing, unless ``CI`` is set: then fail."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing and CI is set; .ci/run installs it")
    pytest.skip(f"needs {what} (.ci/run installs it)")


def require_ts_sdk() -> None:
    require(shutil.which("node") is not None, "node")
    require((TS_SDK / "package.json").is_file(), f"the TypeScript MCP SDK at {TS_SDK}")


def require_mcp1() -> None:
    require(MCP1_PYTHON.is_file(), f"the Python MCP SDK 1.x venv at {MCP1_PYTHON}")


def require_inspector() -> None:
    require(shutil.which("node") is not None, "node")
    require(INSPECTOR.exists(), f"the MCP Inspector CLI at {INSPECTOR}")


def run_script(command: list[str]) -> dict[str, Any]:
    """Run a client script; its report (the JSON line on stdout), checked whole."""
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        env=SCRIPT_ENV,
        stdin=subprocess.DEVNULL,
        cwd=HERE,
    )
    lines = result.stdout.strip().splitlines()
    assert lines, f"no report (exit {result.returncode}); stderr:\n{result.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    failed = {name: c["detail"] for name, c in report["checks"].items() if not c["ok"]}
    assert failed == {}, f"failed checks: {json.dumps(failed, indent=1)}\n{result.stderr}"
    assert set(report["checks"]) == CHECKS
    assert result.returncode == 0, result.stderr
    return report


@contextlib.contextmanager
def http_server() -> Iterator[str]:
    """``movesia-mcp --transport http --simulate-unity`` on an ephemeral port; yields the
    MCP URL once the simulated editor is connected."""
    env = {**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "movesia_mcp", "--transport", "http", "--simulate-unity"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # keeps reading, so the pipe never fills
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    url = None
    seen: list[str] = []
    try:
        while True:
            line = lines.get(timeout=60)
            if line is None:
                raise AssertionError(f"the HTTP server exited early:\n{''.join(seen)}")
            seen.append(line)
            match = re.search(r"MCP at (http://\S+/mcp)", line)
            if match:
                url = match.group(1)
            if url and "simulated editor connected" in line:
                break
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
