"""Half-open HTTP requests are closed after a bounded time (slowloris).

uvicorn waits for request headers and bodies as long as bytes keep trickling in (its
keep-alive timer is disarmed by every byte), and holds a connection that never sends
anything at all. Each such connection costs a socket and, on the Unity port, one of
the connections every editor shares. Here every request must have arrived whole
(headers and body) within ``request_timeout`` seconds of the connection opening or of
the previous response finishing; otherwise the connection is closed. A request that
has arrived is never cut: a long tool call or an SSE stream runs as long as it needs,
and a WebSocket upgrade leaves HTTP (and this timer) behind.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

logger = logging.getLogger("movesia_mcp._server")

# h11 states of the peer while its request is still arriving.
_ARRIVING = (h11.IDLE, h11.SEND_BODY)


def deadline_protocol(request_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a per-request arrival deadline (``Config(http=...)``)."""

    class DeadlineH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(request_timeout, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if self.transport.is_closing() or self.conn.their_state not in _ARRIVING:
                return  # the request arrived whole; answering it may take as long as it takes
            logger.info(
                "closing HTTP connection from %s: request incomplete after %gs",
                f"{self.client[0]}:{self.client[1]}" if self.client else "?",
                request_timeout,
            )
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True  # the app sees http.disconnect
                self.cycle.message_event.set()
            self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection gets its own deadline

        def handle_websocket_upgrade(self, event: h11.Request) -> None:
            self._disarm()  # a WebSocket is no longer an HTTP request
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return DeadlineH11Protocol
