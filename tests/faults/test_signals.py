"""SIGTERM and SIGINT stop the server promptly in every transport, with stdin still
open, closing connected editors with 1001; Ctrl-C in a terminal exits at once.

Real subprocesses (``python -m movesia_mcp``), a real editor socket. The bound on the
exit time is generous (machines are noisy); before the fix the stdio server never
exited while its stdin stayed open.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import re
import signal
import sys
import termios
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

EXIT_BOUND_S = 10.0
LISTENING = re.compile(rb"Unity listener on ws://127\.0\.0\.1:(\d+)/ws/unity")


@contextlib.asynccontextmanager
async def server_process(
    transport: str, stdin: Any = asyncio.subprocess.PIPE, **kwargs: Any
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    env = {**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "INFO"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "movesia_mcp",
        "--transport",
        transport,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        **kwargs,
    )
    try:
        assert process.stderr is not None
        port = None
        async with asyncio.timeout(60):
            while port is None:
                line = await process.stderr.readline()
                assert line, "the server exited before listening"
                found = LISTENING.search(line)
                port = int(found.group(1)) if found else None
        yield process, port
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


INITIALIZE = (
    b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": '
    b'"2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}\n'
)


async def mcp_initialized(process: asyncio.subprocess.Process, stdin: Any = None) -> None:
    """Run MCP's initialize over stdio: the server now reads stdin for the next line
    (where the SDK's reader thread used to block shutdown)."""
    assert process.stdout is not None
    if stdin is None:
        assert process.stdin is not None
        process.stdin.write(INITIALIZE)
        await process.stdin.drain()
    else:
        os.write(stdin, INITIALIZE)
    async with asyncio.timeout(30):
        answer = await process.stdout.readline()
    assert b'"serverInfo"' in answer
    await asyncio.sleep(0.5)  # the reader is back in read(), waiting for the next line


async def connected_editor(port: int) -> ClientConnection:
    ws = await connect(
        f"ws://127.0.0.1:{port}/ws/unity?session=sig-test&conn=1",
        open_timeout=10,
        ping_interval=None,
    )
    welcome = await asyncio.wait_for(ws.recv(), 10)
    assert "welcome" in str(welcome)
    return ws


async def close_code(ws: ClientConnection) -> int | None:
    try:
        async with asyncio.timeout(EXIT_BOUND_S):
            while True:
                await ws.recv()
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd is not None else None


async def exit_time(process: asyncio.subprocess.Process, started: float) -> float:
    async with asyncio.timeout(EXIT_BOUND_S * 3):  # a hang fails here, not forever
        await process.wait()
    return time.monotonic() - started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_a_signal_stops_the_server_and_editors_see_1001(
    transport: str, signum: signal.Signals
) -> None:
    async with server_process(transport) as (process, port):
        editor = await connected_editor(port)
        if transport == "stdio":
            await mcp_initialized(process)
        started = time.monotonic()
        process.send_signal(signum)  # stdin stays open all along
        code = await close_code(editor)
        elapsed = await exit_time(process, started)
    assert code == 1001
    assert elapsed < EXIT_BOUND_S
    assert process.returncode == 0


async def test_the_port_is_free_again_after_sigterm() -> None:
    async with server_process("stdio") as (process, port):
        await mcp_initialized(process)
        process.send_signal(signal.SIGTERM)
        await exit_time(process, time.monotonic())
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # raises if the server still held it


def _make_controlling_terminal() -> None:
    """In the child: a session of its own, with the pty on fd 0 as its terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


async def test_ctrl_c_in_a_terminal_exits_at_once() -> None:
    master, slave = pty.openpty()
    try:
        async with server_process("stdio", stdin=slave, preexec_fn=_make_controlling_terminal) as (
            process,
            port,
        ):
            editor = await connected_editor(port)
            await mcp_initialized(process, stdin=master)
            started = time.monotonic()
            os.write(master, b"\x03")  # Ctrl-C: the terminal sends SIGINT to the server
            code = await close_code(editor)
            elapsed = await exit_time(process, started)
    finally:
        os.close(slave)
        os.close(master)
    assert code == 1001
    assert elapsed < EXIT_BOUND_S
    assert process.returncode in (0, 130)


@pytest.mark.parametrize("stdin", ["file", "devnull", "closed"])
def test_stdio_from_a_file_the_null_device_or_no_stdin_at_all_ends_cleanly(
    stdin: str, tmp_path: Any
) -> None:
    """stdin the loop cannot poll is read by a daemon thread; a missing fd 0 is replaced
    by the null device before the loop exists. Each ends at end of input, exit code 0."""
    import subprocess

    request = tmp_path / "in.jsonl"
    request.write_bytes(INITIALIZE)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "SERVER_PORT": "0"}
    command = [sys.executable, "-m", "movesia_mcp"]
    with out.open("wb") as stdout:
        if stdin == "file":
            with request.open("rb") as source:
                result = subprocess.run(command, stdin=source, stdout=stdout, env=env, timeout=60)
        elif stdin == "devnull":
            result = subprocess.run(
                command, stdin=subprocess.DEVNULL, stdout=stdout, env=env, timeout=60
            )
        else:  # the shell's "<&-": fd 0 closed in the child
            result = subprocess.run(
                ["sh", "-c", 'exec "$0" -m movesia_mcp <&-', sys.executable],
                stdout=stdout,
                env=env,
                timeout=60,
            )
    assert result.returncode == 0
    if stdin == "file":  # answered on a stdout that is a regular file
        assert b'"serverInfo"' in out.read_bytes()
