"""A normal stdio start says one line on stderr at INFO: where the Unity listener is.

Desktop clients show a server's stderr in their logs (some in the UI); a client that
connects, lists and calls must not add to it, in either protocol era.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile

import pytest
from mcp import Client, StdioServerParameters, stdio_client

from expected_tools import TOOL_COUNT

STDIO_DEADLINE = 45.0
PARAMS = StdioServerParameters(
    command=sys.executable,
    args=["-m", "movesia_mcp"],
    env={**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "INFO"},
)


@pytest.mark.parametrize(("mode", "era"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
async def test_a_normal_stdio_start_says_one_line_at_info(mode: str, era: str) -> None:
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        async with (
            asyncio.timeout(STDIO_DEADLINE),
            Client(stdio_client(PARAMS, errlog=errlog), mode=mode) as client,
        ):
            assert client.protocol_version == era
            assert len((await client.list_tools()).tools) == TOOL_COUNT
            status = await client.call_tool("get_connection_status", {})
            assert status.is_error is False
            assert status.structured_content is not None
            assert status.structured_content["connected"] is False  # no editor: a plain start
            errlog.seek(0)
            lines = errlog.read().splitlines()
    assert len(lines) == 1, lines
    assert "Unity listener on ws://127.0.0.1:" in lines[0], lines
