"""One live WebSocket to a Unity editor: the I/O edge of the connection layer."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from starlette.websockets import WebSocket, WebSocketState

from .envelope import CloseCode, MovesiaMessage
from .exceptions import ConnectionLostError
from .handshake import Identity

logger = logging.getLogger("movesia_mcp.connection")


@dataclass(eq=False, slots=True)
class UnityConnection:
    """A connected editor. Hashable by identity; ``identity`` may be refined by ``hello``."""

    websocket: WebSocket
    identity: Identity
    send_timeout: float = 10.0
    connected_at: float = field(default_factory=time.time)
    closed: bool = False
    close_code: int | None = None
    close_reason: str = ""
    frames_in: int = 0
    frames_out: int = 0

    @property
    def session_id(self) -> str:
        return self.identity.session_id

    @property
    def conn_seq(self) -> int:
        return self.identity.conn_seq

    @property
    def label(self) -> str:
        """``session/conn_seq (project)``: put on every log line about this connection."""
        project = self.identity.project_name or "?"
        return f"session={self.session_id} conn={self.conn_seq} project={project}"

    async def send(self, message: MovesiaMessage) -> None:
        await self.send_text(message.to_json())

    async def send_text(self, text: str) -> None:
        """Send one frame. A peer that stops reading for ``send_timeout`` is cut off."""
        if self.closed:
            raise ConnectionLostError(f"connection {self.label} is closed", delivered=False)
        try:
            async with asyncio.timeout(self.send_timeout):
                await self.websocket.send_text(text)
        except TimeoutError:
            logger.warning(
                "%s: peer stopped reading for %.1fs; closing", self.label, self.send_timeout
            )
            await self.close(1011, "send_timeout: peer is not reading")
            raise ConnectionLostError(
                f"Unity stopped reading ({self.label})", delivered=False
            ) from None
        except (RuntimeError, OSError) as exc:  # socket already gone
            self.closed = True
            raise ConnectionLostError(
                f"connection {self.label} is gone: {exc}", delivered=False
            ) from exc
        self.frames_out += 1

    async def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        if self.websocket.application_state is WebSocketState.DISCONNECTED:
            return
        try:
            async with asyncio.timeout(self.send_timeout):
                await self.websocket.close(code=code, reason=reason[:120])
        except (TimeoutError, RuntimeError, OSError) as exc:
            logger.debug("%s: close(%s) did not complete cleanly: %s", self.label, code, exc)
