"""One live WebSocket to a Unity editor: the I/O edge of the connection layer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import NoReturn

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .envelope import CloseCode, MovesiaMessage, close_reason
from .exceptions import CommandTooLargeError, ConnectionLostError
from .handshake import Identity

logger = logging.getLogger("movesia_mcp.connection")

CLOSE_TIMEOUT = 1.0


@dataclass(eq=False, slots=True)
class UnityConnection:
    """A connected editor. Hashable by identity; ``identity`` may be refined by ``hello``."""

    websocket: WebSocket
    identity: Identity
    send_timeout: float = 10.0
    max_backlog_bytes: int = 8 * 1024 * 1024
    backlog_bytes: int = 0
    closed: bool = False
    close_code: int | None = None
    close_reason: str = ""
    frames_in: int = 0
    # Set when a close could not be written in time (the editor stopped reading): no
    # disconnect will ever come from the socket then, so the manager stops reading it
    # and settles its commands on this signal instead.
    abandoned: asyncio.Event = field(default_factory=asyncio.Event)
    # Set once the read loop has ended and the connection has been settled: every frame
    # the socket delivered has been routed.
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # The deadlines of sends waiting for the socket: closing expires them at once, so a
    # sender blocked on an editor that stopped reading does not wait out send_timeout.
    _sending: set[asyncio.Timeout] = field(default_factory=set, init=False, repr=False)

    @property
    def session_id(self) -> str:
        return self.identity.session_id

    @property
    def conn_seq(self) -> int:
        return self.identity.conn_seq

    @property
    def capabilities(self) -> frozenset[str]:
        """What the editor declared and the server honours (PROTOCOL.md §3.6)."""
        return self.identity.capabilities

    @property
    def legacy(self) -> bool:
        """A version 1 editor: it declared no capability, and is served as in version 1."""
        return not self.identity.capabilities

    @property
    def label(self) -> str:
        """``session/conn_seq (project)``: put on every log line about this connection."""
        project = self.identity.project_name or "?"
        return f"session={self.session_id} conn={self.conn_seq} project={project}"

    async def send(self, message: MovesiaMessage) -> None:
        await self.send_text(message.to_json())

    async def send_text(self, text: str) -> None:
        """Send one frame.

        Slow-consumer policy: frames waiting to be written count against
        ``max_backlog_bytes``, and one send may wait at most ``send_timeout``. An editor
        that stops reading breaks one of the two, is closed with 1008 and its commands
        fail, so memory stays bounded and nobody else waits on it.
        """
        if self.closed:
            raise ConnectionLostError(f"connection {self.label} is closed", delivered=False)
        size = len(text)
        if size > self.max_backlog_bytes:  # the frame itself, not the editor, is the problem
            raise CommandTooLargeError(
                f"a {size}-byte frame exceeds MAX_SEND_BACKLOG_BYTES={self.max_backlog_bytes}; "
                "it was not sent"
            )
        if self.backlog_bytes + size > self.max_backlog_bytes:
            await self._cut_off(f"send backlog over {self.max_backlog_bytes} bytes")
        self.backlog_bytes += size
        try:
            async with asyncio.timeout(self.send_timeout) as deadline:
                self._sending.add(deadline)
                try:
                    await self.websocket.send_text(text)
                finally:
                    self._sending.discard(deadline)
        except TimeoutError:
            if self.closed:  # expired by close(): the socket went away under this send
                raise ConnectionLostError(
                    f"connection {self.label} was closed ({self.close_reason or 'gone'}) "
                    "before this frame could be written",
                    delivered=False,
                ) from None
            await self._cut_off(f"a send waited {self.send_timeout:g}s")
        # Socket already gone. Starlette reports a transport that is lost under a send
        # as WebSocketDisconnect(1006), which is neither of the other two.
        except (RuntimeError, OSError, WebSocketDisconnect) as exc:
            self.closed = True
            raise ConnectionLostError(
                f"connection {self.label} is gone: {exc}", delivered=False
            ) from exc
        finally:
            self.backlog_bytes -= size

    async def _cut_off(self, why: str) -> NoReturn:
        logger.warning("%s: Unity is not reading (%s); closing", self.label, why)
        await self.close(CloseCode.POLICY_VIOLATION, f"slow_consumer: {why}")
        raise ConnectionLostError(
            f"Unity stopped reading its socket ({why}); the connection was closed",
            delivered=False,
        )

    async def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        for deadline in list(self._sending):  # blocked senders fail now, not at their timeout
            with contextlib.suppress(RuntimeError):  # already expiring
                deadline.reschedule(0)
        if self.websocket.application_state is WebSocketState.DISCONNECTED:
            return
        try:
            # A peer that does not read cannot take a close frame either: do not wait long.
            async with asyncio.timeout(min(self.send_timeout, CLOSE_TIMEOUT)):
                await self.websocket.close(code=code, reason=close_reason(reason))
        except (TimeoutError, RuntimeError, OSError, WebSocketDisconnect) as exc:
            # WebSocketDisconnect: the transport was lost before the manager saw it; the
            # close must not fail (shutdown closes every editor in turn).
            logger.debug("%s: close(%s) did not complete cleanly: %r", self.label, code, exc)
            self.abandoned.set()
