"""The command line as a user runs it: real subprocesses, real sockets."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys

import pytest
from mcp import Client, StdioServerParameters

from conftest import RunningServer
from expected_tools import TOOL_COUNT
from movesia_mcp import UnityManager
from movesia_mcp.catalog.schemas import DEFAULT_DIR, stale_files

CLI = [sys.executable, "-m", "movesia_mcp"]


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_demo_runs_the_whole_chain_and_exits_0() -> None:
    result = run_cli("demo", "--plain", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "✓ List the tools" in out
    assert f"{TOOL_COUNT} tools" in out
    assert "compiler error: Assets/Scripts/Spinner.cs(" in out
    assert "CS1513" in out
    assert "survived a domain reload (conn_seq 1 → 2)" in out
    assert "Demo complete" in out


def test_version_and_help() -> None:
    from movesia_mcp import __version__

    assert run_cli("--version").stdout.strip() == f"movesia-mcp {__version__}"
    help_text = run_cli("--help").stdout
    for name in (
        "--transport",
        "--simulate-unity",
        "SERVER_PORT",
        "MOVESIA_TOKEN",
        "status",
        "demo",
    ):
        assert name in help_text


def test_invalid_environment_value_stops_startup_naming_the_variable() -> None:
    result = run_cli(env={"SERVER_PORT": "eighty"})
    assert result.returncode == 2
    assert "SERVER_PORT" in result.stderr
    assert result.stdout == ""


def test_port_in_use_is_reported_clearly_without_traceback() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = run_cli("--transport", "http", env={"SERVER_PORT": str(port)})
    assert result.returncode == 3
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_tool_schemas_are_up_to_date() -> None:
    assert stale_files(DEFAULT_DIR) == []


async def test_simulate_unity_over_stdio_creates_and_reads_back_an_object() -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "movesia_mcp", "--simulate-unity"],
        env={**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"},
    )
    async with asyncio.timeout(60), Client(params) as client:
        for _ in range(200):
            status = await client.call_tool("get_connection_status", {})
            if status.structured_content and status.structured_content["connected"]:
                break
            await asyncio.sleep(0.05)
        created = await client.call_tool("create_gameobject", {"name": "FromStdio"})
        assert created.is_error is False
        found = await client.call_tool("find_objects", {"name": "FromStdio"})
        assert found.structured_content is not None
        assert [o["name"] for o in found.structured_content["objects"]] == ["FromStdio"]


# ── movesia-mcp status ──────────────────────────────────────────────────────────────


def status_json(port: int, *extra: str) -> tuple[int, dict[str, object]]:
    result = run_cli("status", "--json", "--port", str(port), *extra, timeout=30)
    return result.returncode, json.loads(result.stdout)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_status_reports_a_running_server_and_its_editors(server: RunningServer) -> None:
    async with server.peer(project_path="/Users/dev/Projects/StatusGame"):
        code, report = await asyncio.to_thread(status_json, server.port)
    assert code == 0
    assert report["verdict"] == "ok"
    status = report["status"]
    assert isinstance(status, dict)
    assert [p["project"] for p in status["projects"]] == ["StatusGame"]


def test_status_says_the_port_is_closed(closed_port: int) -> None:
    code, report = status_json(closed_port)
    assert code == 1
    assert report["verdict"] == "port_closed"
    assert "nothing is listening" in str(report["message"])


def test_status_says_something_else_holds_the_port() -> None:
    import http.server
    import threading

    httpd = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        code, report = status_json(httpd.server_address[1])
    finally:
        httpd.shutdown()
    assert code == 1
    assert report["verdict"] == "foreign_server"
    assert "not movesia-mcp" in str(report["message"])


def test_status_says_when_a_port_does_not_speak_http() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]

        def garbage() -> None:
            conn, _ = s.accept()
            conn.sendall(b"\x00\x01 not http\r\n\r\n")
            conn.close()

        import threading

        threading.Thread(target=garbage, daemon=True).start()
        code, report = status_json(port)
    assert code == 1
    assert report["verdict"] in ("no_answer", "foreign_server")
    assert "movesia-mcp" in str(report["message"])


async def test_status_says_the_token_is_wrong() -> None:
    from conftest import serve

    async with serve(UnityManager(token="right-token")) as running:
        code, report = await asyncio.to_thread(status_json, running.port, "--token", "wrong")
        ok_code, ok = await asyncio.to_thread(status_json, running.port, "--token", "right-token")
    assert code == 1
    assert report["verdict"] == "bad_token"
    assert "token is wrong" in str(report["message"])
    assert ok_code == 0
    assert ok["verdict"] == "ok"


def test_every_environment_variable_is_documented_in_readme_and_help() -> None:
    import re
    from pathlib import Path

    import movesia_mcp._config as config_module

    root = Path(__file__).resolve().parents[2]
    names = set(re.findall(r'"([A-Z][A-Z_]+)"', Path(config_module.__file__).read_text()))
    names -= {"INFO", "DEBUG", "WARNING", "ERROR", "CRITICAL"}
    assert "SERVER_PORT" in names
    readme = (root / "README.md").read_text()
    help_text = run_cli("--help").stdout
    for name in sorted(names):
        assert f"`{name}`" in readme, name
        assert name in help_text, name
