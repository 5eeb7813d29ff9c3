"""One live WebSocket to a Unity editor: the I/O edge of the connection layer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from starlette.types import Receive, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from ._envelope import CloseCode, MovesiaMessage, close_reason
from ._exceptions import CommandTooLargeError, ConnectionLostError
from ._handshake import Identity

logger = logging.getLogger("movesia_mcp._connection")

CLOSE_TIMEOUT = 1.0


@dataclass(eq=False, slots=True)
class UnityConnection:
    """A connected editor. Hashable by identity; ``identity`` may be refined by ``hello``."""

    websocket: WebSocket
    identity: Identity
    send_timeout: float = 10.0  # the watchdog's limit for one send (UNITY_SEND_TIMEOUT)
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
    # True while a takeover lets this superseded connection route the frames it already
    # holds: its events still count (a compile_finished there must not be lost).
    draining: bool = False
    # Clock of the watchdog's send ages (the manager's clock).
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    # The server's own ASGI ``receive`` and ``send`` under ``websocket``, when the socket
    # came straight from it (``create_app``'s Unity middleware): frames then go in and
    # out without the Starlette layers around each. None: through ``websocket``.
    asgi_receive: Receive | None = field(default=None, repr=False)
    asgi_send: Send | None = field(default=None, repr=False)
    # The event loop the connection is served on, given by the links: each send then
    # finds its task without looking the running loop up (on CPython 3.11 that lookup
    # is a ``getpid`` system call). None: looked up per send.
    loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    # Sends waiting for the socket: when each began, by its task (a task waits on one
    # send at a time). Closing interrupts them at once, so a sender blocked on an editor
    # that stopped reading does not wait for the manager's watchdog; the watchdog closes
    # a connection whose oldest send has waited ``send_timeout`` (``stuck_for``).
    _sending: dict[asyncio.Task[Any], float] = field(default_factory=dict, init=False, repr=False)
    _interrupted: set[asyncio.Task[Any]] = field(default_factory=set, init=False, repr=False)

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
        ``max_backlog_bytes``, and the manager's watchdog closes a connection one of
        whose sends has waited ``send_timeout``. An editor that stops reading breaks one
        of the two, is closed with 1008 and its commands fail, so memory stays bounded
        and nobody else waits on it.
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
            await self.cut_off(f"send backlog over {self.max_backlog_bytes} bytes")
        task = asyncio.current_task(self.loop)
        assert task is not None
        self._sending[task] = self.clock()
        self.backlog_bytes += size
        websocket = self.websocket
        send = self.asgi_send
        try:
            if send is None or websocket.application_state is not WebSocketState.CONNECTED:
                await websocket.send_text(text)  # (Starlette says what is wrong, if anything)
            else:
                # ``websocket.send_text(text)`` on the ASGI send itself, with Starlette's
                # states and errors: an OSError marks the socket disconnected.
                try:
                    await send({"type": "websocket.send", "text": text})
                except OSError as exc:
                    websocket.application_state = WebSocketState.DISCONNECTED
                    raise WebSocketDisconnect(code=1006) from exc
        except asyncio.CancelledError:
            if task not in self._interrupted or task.uncancel() > 0:
                raise  # cancelled by someone else as well: that wins
            # Interrupted by close(): the socket went away under this send.
            raise ConnectionLostError(self._interrupted_why(), delivered=False) from None
        # Socket already gone. Starlette reports a transport that is lost under a send
        # as WebSocketDisconnect(1006), which is neither of the other two.
        except (RuntimeError, OSError, WebSocketDisconnect) as exc:
            self.closed = True
            raise ConnectionLostError(
                f"connection {self.label} is gone: {exc}", delivered=False
            ) from exc
        finally:
            self.backlog_bytes -= size
            del self._sending[task]
            if self._interrupted:
                self._interrupted.discard(task)

    def stuck_for(self, now: float) -> float:
        """How long the oldest send still waiting for the socket has waited (0: none)."""
        for began in self._sending.values():  # insertion order: the oldest first
            return max(0.0, now - began)
        return 0.0

    def _interrupted_why(self) -> str:
        if self.close_reason.startswith("slow_consumer"):
            why = self.close_reason.removeprefix("slow_consumer: ")
            return f"Unity stopped reading its socket ({why}); the connection was closed"
        return (
            f"connection {self.label} was closed ({self.close_reason or 'gone'}) "
            "before this frame could be written"
        )

    async def cut_off(self, why: str) -> NoReturn:
        """Close a connection whose editor stopped reading (1008), and fail the send."""
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
        current = asyncio.current_task()
        for task in self._sending:  # blocked senders fail now
            if task not in self._interrupted and task is not current:
                self._interrupted.add(task)
                task.cancel()
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
