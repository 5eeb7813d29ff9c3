"""uvicorn's sans-I/O WebSocket protocol, pausing reads only when the app falls behind.

uvicorn's ``websockets-sansio`` protocol (its ``ws="auto"`` choice) pauses the transport
after every inbound frame it queues and resumes it when the app's ``receive()`` empties
the queue: two ``epoll_ctl`` calls and the selector's bookkeeping per frame, about 15 µs
of a ≈ 100 µs ``send_and_wait`` round trip on this server (``bench/FINDINGS.md``). The
bare ``websockets`` server it is measured against pauses only past a high-water mark.

``LazyPauseProtocol`` is that protocol, unchanged, given a transport whose
``pause_reading()`` is deferred: the socket really stops being read only once
``PAUSE_AFTER_BYTES`` bytes have arrived since uvicorn first asked for a pause (that
is, since its queue of frames for the app was last empty); the app's next emptying of
the queue (uvicorn's ``resume_reading()``) resumes it. What waits unconsumed is bounded
in wire bytes: that many, plus one read of the transport (and a partial frame of up to
``ws_max_size``, as before); in Python objects it is the frames those bytes hold. An app
that keeps up, as the Unity read loop does, never pays for a pause.

It uses only the asyncio protocol and transport interfaces (``connection_made``,
``data_received``, ``pause_reading``, ``resume_reading``) around uvicorn's class. It is
used only where uvicorn's own ``ws="auto"`` choice is that class (uvicorn 0.50 and
later); otherwise, or if a uvicorn release no longer has it, ``websocket_protocol()``
returns ``"auto"`` (uvicorn's own choice, unchanged). If uvicorn stops pausing through
the transport, the gate is never asked to pause and passes everything through.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

logger = logging.getLogger("movesia_mcp._server")

# Unconsumed bytes a WebSocket may hold before its socket stops being read (about what
# the kernel buffers on a loopback socket anyway).
PAUSE_AFTER_BYTES = 64 * 1024


class ReadGate(asyncio.Transport):
    """The transport as uvicorn's protocol sees it: everything passes through to the
    real one, except that a pause is only noted (``wanted``) until ``behind`` bytes
    reach the limit (``note_read``)."""

    def __init__(self, transport: asyncio.Transport, limit: int = PAUSE_AFTER_BYTES) -> None:
        super().__init__()
        self.transport = transport
        self.limit = limit
        self.wanted = False  # the protocol asked for a pause: the app has frames to take
        self.paused = False  # the real transport is paused
        self.behind = 0  # bytes read since the protocol asked for a pause
        # The hot ones, bound once (no extra call per frame written).
        self.write = transport.write  # type: ignore[method-assign]
        self.is_closing = transport.is_closing  # type: ignore[method-assign]

    # ── reading: the one thing that differs ────────────────────────────────────────

    def pause_reading(self) -> None:
        self.wanted = True

    def resume_reading(self) -> None:
        self.wanted = False
        self.behind = 0
        if self.paused:
            self.paused = False
            self.transport.resume_reading()

    def note_read(self, size: int) -> None:
        """``size`` bytes were just handed to the protocol."""
        if not self.wanted:
            return
        self.behind += size
        if self.behind >= self.limit and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def is_reading(self) -> bool:
        return self.transport.is_reading()

    # ── everything else: the real transport's ──────────────────────────────────────

    def close(self) -> None:
        self.transport.close()

    def abort(self) -> None:
        self.transport.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.transport.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self.transport.get_protocol()

    def writelines(self, list_of_data: Any) -> None:
        self.transport.writelines(list_of_data)

    def write_eof(self) -> None:
        self.transport.write_eof()

    def can_write_eof(self) -> bool:
        return self.transport.can_write_eof()

    def get_write_buffer_size(self) -> int:
        return self.transport.get_write_buffer_size()

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self.transport.get_write_buffer_limits()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.transport.set_write_buffer_limits(high, low)


def websocket_protocol() -> type[asyncio.Protocol] | str:
    """What ``uvicorn.Config(ws=...)`` gets: ``LazyPauseProtocol``, or ``"auto"``."""
    return LazyPauseProtocol if LazyPauseProtocol is not None else "auto"


def _lazy_pause_protocol() -> type[asyncio.Protocol] | None:
    try:
        from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
    except ImportError:  # a uvicorn without it, or without websockets
        logger.debug("uvicorn has no websockets-sansio protocol; using its default")
        return None
    if AutoWebSocketsProtocol is not WebSocketsSansIOProtocol:
        # An older uvicorn, whose default is another implementation: keep its choice.
        logger.debug("uvicorn's default WebSocket protocol is not websockets-sansio; kept")
        return None

    class LazyPause(WebSocketsSansIOProtocol):
        gate: ReadGate | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # Not isinstance(asyncio.Transport): uvloop's transports are not subclasses.
            if callable(getattr(transport, "pause_reading", None)):
                self.gate = ReadGate(cast(asyncio.Transport, transport))
                transport = self.gate
            super().connection_made(transport)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.gate is not None:
                self.gate.note_read(len(data))

    LazyPause.__name__ = LazyPause.__qualname__ = "LazyPauseProtocol"
    return LazyPause


LazyPauseProtocol = _lazy_pause_protocol()
