"""``movesia-mcp`` serves on uvloop when it is installed (the ``fast`` extra) and on
asyncio otherwise, or as ``MOVESIA_EVENT_LOOP`` says; a DEBUG line names the loop.

Each case is the real stdio server as a subprocess, driven by the SDK's stdio client
through a simulated editor: a tool call that reaches the editor and comes back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import TextContent

from movesia_mcp._cli import event_loop
from movesia_mcp._exceptions import ConfigError

HAS_UVLOOP = find_spec("uvloop") is not None
# ``python -c`` with uvloop made unimportable, as on a machine without the extra.
WITHOUT_UVLOOP = (
    "import sys; sys.modules['uvloop'] = None; "
    "from movesia_mcp._cli import main; sys.exit(main(sys.argv[1:]))"
)
DEADLINE = 45.0


def server_params(choice: str | None, *, hide_uvloop: bool = False) -> StdioServerParameters:
    env = {**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "DEBUG"}
    env.pop("MOVESIA_EVENT_LOOP", None)
    if choice is not None:
        env["MOVESIA_EVENT_LOOP"] = choice
    entry = ["-c", WITHOUT_UVLOOP] if hide_uvloop else ["-m", "movesia_mcp"]
    return StdioServerParameters(command=sys.executable, args=[*entry, "--simulate-unity"], env=env)


async def serve_one_call(params: StdioServerParameters) -> tuple[dict[str, Any], str]:
    """Start the server, wait for its simulated editor, create an object and find it;
    returns what find_objects answered and everything the server wrote to stderr."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        async with (
            asyncio.timeout(DEADLINE),
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            deadline = time.monotonic() + 15
            while True:
                status = await session.call_tool("get_connection_status", {})
                assert status.structured_content is not None
                if status.structured_content["connected"]:
                    break
                assert time.monotonic() < deadline, "the simulated editor did not connect"
                await asyncio.sleep(0.05)
            created = await session.call_tool("create_gameobject", {"name": "Loop Marker"})
            assert created.is_error is False, created.content
            found = await session.call_tool("find_objects", {"name": "loop marker"})
        errlog.seek(0)
        stderr = errlog.read()
    assert found.is_error is False, [c.text for c in found.content if isinstance(c, TextContent)]
    assert found.structured_content is not None
    return dict(found.structured_content), stderr


def names(answer: dict[str, Any]) -> list[str]:
    return [entry["name"] for entry in answer["objects"]]


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed here (no [fast] extra)")
@pytest.mark.parametrize("choice", [None, "auto", "uvloop"])
async def test_the_server_runs_on_uvloop_when_installed(choice: str | None) -> None:
    answer, stderr = await serve_one_call(server_params(choice))
    assert names(answer) == ["Loop Marker"]
    assert "movesia_mcp._cli: event loop: uvloop" in stderr


async def test_the_server_runs_on_asyncio_when_asked() -> None:
    answer, stderr = await serve_one_call(server_params("asyncio"))
    assert names(answer) == ["Loop Marker"]
    assert "movesia_mcp._cli: event loop: asyncio" in stderr


async def test_the_server_runs_on_asyncio_without_uvloop() -> None:
    answer, stderr = await serve_one_call(server_params(None, hide_uvloop=True))
    assert names(answer) == ["Loop Marker"]
    assert "movesia_mcp._cli: event loop: asyncio" in stderr


def test_insisting_on_uvloop_without_it_stops_with_a_message() -> None:
    params = server_params("uvloop", hide_uvloop=True)
    result = subprocess.run(
        [params.command, *params.args],
        env=params.env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "MOVESIA_EVENT_LOOP=uvloop but uvloop is not installed" in result.stderr
    assert "movesia-mcp[fast]" in result.stderr


@pytest.mark.parametrize("choice", ["", " AUTO ", "asyncio", "Asyncio"])
def test_event_loop_choices_are_read_leniently(choice: str) -> None:
    name, factory = event_loop(choice)
    if choice.strip().lower() == "asyncio":
        assert (name, factory) == ("asyncio", None)
    else:
        assert name == ("uvloop" if HAS_UVLOOP else "asyncio")


def test_an_unknown_event_loop_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="MOVESIA_EVENT_LOOP='trio' is invalid"):
        event_loop("trio")
