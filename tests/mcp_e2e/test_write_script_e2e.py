"""write_script through MCP: the answer spans Unity's compile and domain reload."""

from __future__ import annotations

import asyncio

from mcp import Client
from mcp_harness import (
    BROKEN_SCRIPT,
    DEADLINE,
    VALID_SCRIPT,
    World,
    call_ok,
    call_while_compiling,
    structured,
)

pytest_plugins = ["mcp_fixtures"]

PATH = "Assets/Scripts/Spinner.cs"


async def test_valid_script_compiles_across_a_domain_reload(world: World, mode: str) -> None:
    conn_seq = world.peer.conn_seq
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        answer = await call_ok(client, "write_script", {"path": PATH, "contents": VALID_SCRIPT})
        # The server is usable again right after the reload.
        state = await call_ok(client, "get_editor_state", {})
    assert answer["path"] == PATH
    assert answer["created"] is True
    assert answer["compiled"] is True
    assert answer["errors"] == []
    assert world.peer.conn_seq == conn_seq + 1
    assert world.peer.reloads == 1
    assert world.editor.script_writes[PATH] == 1
    assert state["is_compiling"] is False


async def test_progress_is_reported_while_unity_compiles(world: World, mode: str) -> None:
    # Unity finishes compiling once the caller has seen it wait (5 s at most).
    result, reports = await call_while_compiling(
        world, mode, "write_script", {"path": PATH, "contents": VALID_SCRIPT}
    )
    answer = structured(result, "write_script")
    assert reports, "no progress notification while Unity was compiling"
    assert any("compiling" in (message or "") for _, _, message in reports)
    assert answer["compiled"] is True
    assert world.editor.script_writes[PATH] == 1


async def test_invalid_script_returns_compiler_errors_with_file_and_line(
    world: World, mode: str
) -> None:
    conn_seq = world.peer.conn_seq
    async with asyncio.timeout(DEADLINE), Client(world.server, mode=mode) as client:
        answer = await call_ok(client, "write_script", {"path": PATH, "contents": BROKEN_SCRIPT})
        console = await call_ok(client, "read_console", {"types": ["Error"]})
    assert answer["compiled"] is False
    assert answer["errors"], answer
    for error in answer["errors"]:
        assert error["file"] == PATH
        assert 1 <= error["line"] <= len(BROKEN_SCRIPT.splitlines()) + 1
        assert error["message"]
    assert any("CS1513" in error["message"] for error in answer["errors"])  # '}' expected
    assert world.peer.conn_seq == conn_seq  # a failed compile does not reload
    assert world.editor.script_writes[PATH] == 1
    assert any(PATH in entry["message"] for entry in console["entries"])
