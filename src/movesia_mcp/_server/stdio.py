"""MCP over stdio without a thread blocked in ``read()``.

The SDK's ``stdio_server`` reads stdin in a worker thread. A thread blocked in
``read()`` cannot be cancelled: on SIGTERM the server logged "shutting down" and then
waited for the next line on stdin, holding the Unity port; Ctrl-C in a terminal hung
until Enter. Here stdin and stdout are driven by the event loop itself (non-blocking
pipes, TTYs and sockets), so cancelling the MCP task stops it at once.

Like the SDK, while serving, fd 0 points at the null device and fd 1 at stderr, so a
stray ``print()`` (ours or a library's) cannot corrupt the protocol stream; both are
restored on exit, with the blocking mode they had.

A stdin or stdout the loop cannot poll (a regular file) falls back to a daemon
thread for reading and to plain writes (a file never blocks for long); a daemon
thread never holds the process at exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import selectors
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any

import anyio

logger = logging.getLogger("movesia_mcp._server")

# One JSON-RPC message per line; a longer line is refused, not buffered forever.
MAX_LINE_BYTES = 64 * 1024 * 1024


class LineReader:
    """``async for line in reader``: the lines of a file descriptor, as text."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    def __aiter__(self) -> LineReader:
        return self

    async def __anext__(self) -> str:
        while True:
            try:
                line = await self._stream.readline()
            except ValueError:  # longer than MAX_LINE_BYTES: dropped, and said so
                logger.warning("MCP client sent a line over %d bytes; ignored", MAX_LINE_BYTES)
                continue
            if not line:
                raise StopAsyncIteration
            return line.decode("utf-8", "replace")


class LineWriter:
    """``await write(text)`` / ``await flush()`` on a file descriptor."""

    def __init__(self, fd: int, writer: asyncio.StreamWriter | None) -> None:
        self._fd = fd
        self._writer = writer

    async def write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            if self._writer is not None:
                self._writer.write(data)
            else:
                _write_all(self._fd, data)
        except (ConnectionError, OSError, RuntimeError) as exc:
            raise anyio.ClosedResourceError from exc

    async def flush(self) -> None:
        if self._writer is None:
            return
        try:
            await self._writer.drain()  # the client reads slower than we write: wait
        except (ConnectionError, OSError, RuntimeError) as exc:
            raise anyio.ClosedResourceError from exc


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def ensure_standard_fds() -> None:
    """Open the null device on fds 0-2 if the process was started without them, so the
    listener socket cannot land on fd 0 and be mistaken for stdin."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)  # the lowest free descriptor: fd
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


@contextlib.asynccontextmanager
async def stdio_streams() -> AsyncIterator[tuple[Any, Any]]:
    """The process's stdin and stdout as loop-driven line streams for
    ``mcp.server.stdio.stdio_server(stdin=..., stdout=...)``."""
    loop = asyncio.get_running_loop()
    sys.stdout.flush()
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    in_blocking = os.get_blocking(in_fd)
    out_blocking = os.get_blocking(out_fd)
    saved_0, saved_1 = os.dup(0), os.dup(1)
    _divert(0, os.open(os.devnull, os.O_RDONLY))
    _divert(1, os.dup(2))
    transports: list[asyncio.BaseTransport] = []
    reader_thread = False
    try:
        reader = await _reader(loop, in_fd, transports)
        reader_thread = not transports
        writer = await _writer(loop, out_fd, transports)
        yield LineReader(reader), LineWriter(out_fd, writer)
    finally:
        for transport in transports:
            transport.close()
        for fd, blocking in ((in_fd, in_blocking), (out_fd, out_blocking)):
            with contextlib.suppress(OSError):
                os.set_blocking(fd, blocking)  # a shared TTY must not stay non-blocking
        for fd, saved in ((0, saved_0), (1, saved_1)):
            with contextlib.suppress(OSError):
                os.dup2(saved, fd)
            with contextlib.suppress(OSError):
                os.close(saved)
        # A fallback daemon thread may still be reading in_fd: leave it open then.
        for fd in (out_fd,) if reader_thread else (in_fd, out_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def _pollable(fd: int, events: int) -> bool:
    """Whether the loop's selector can watch ``fd`` (pipes, sockets, TTYs; not regular
    files nor ``/dev/null``, which epoll refuses after asyncio has accepted them)."""
    selector = selectors.DefaultSelector()
    try:
        selector.register(fd, events)
    except (OSError, ValueError):
        return False
    finally:
        selector.close()
    return True


def _divert(fd: int, target: int) -> None:
    os.dup2(target, fd)
    os.close(target)


async def _reader(
    loop: asyncio.AbstractEventLoop, fd: int, transports: list[asyncio.BaseTransport]
) -> asyncio.StreamReader:
    stream = asyncio.StreamReader(limit=MAX_LINE_BYTES, loop=loop)
    if not _pollable(fd, selectors.EVENT_READ):  # a file: read it in a daemon thread
        _read_in_daemon_thread(loop, fd, stream)
        return stream
    pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(stream, loop=loop), pipe
    )
    transports.append(transport)
    return stream


def _read_in_daemon_thread(
    loop: asyncio.AbstractEventLoop, fd: int, stream: asyncio.StreamReader
) -> None:
    def run() -> None:
        try:
            while chunk := os.read(fd, 65536):
                loop.call_soon_threadsafe(stream.feed_data, chunk)
        except OSError:
            pass
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is reading
            loop.call_soon_threadsafe(stream.feed_eof)

    threading.Thread(target=run, name="movesia-stdin", daemon=True).start()


async def _writer(
    loop: asyncio.AbstractEventLoop, fd: int, transports: list[asyncio.BaseTransport]
) -> asyncio.StreamWriter | None:
    # A regular file (or anything epoll refuses): plain writes. Asked first, not left to
    # connect_write_pipe: asyncio refuses a file with ValueError, but uvloop accepts it
    # and libuv then aborts the process when epoll refuses the descriptor.
    if not _pollable(fd, selectors.EVENT_WRITE):
        return None
    pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
    try:
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, pipe)
    except ValueError:  # refused by the loop: plain writes
        return None
    transports.append(transport)
    return asyncio.StreamWriter(transport, protocol, None, loop)
