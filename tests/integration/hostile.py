"""A hostile Unity peer over a bare TCP stream: the test decides what goes into each TCP
write (several frames and a close in one ``write``), and when the socket dies.

The WebSocket framing comes from ``websockets``' sans-I/O ``ClientProtocol``: frames are
real, masked, RFC 6455 frames; only the I/O is the test's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

Message = dict[str, Any]


def unity(msg_type: str, body: Message | None = None, *, msg_id: str | None = None) -> Message:
    return {
        "v": 1,
        "source": "unity",
        "type": msg_type,
        "ts": int(time.time()),
        "id": msg_id if msg_id is not None else uuid.uuid4().hex,
        "body": body or {},
    }


class HostilePeer:
    def __init__(self, url: str, **query: str) -> None:
        self.url = url + ("?" + urlencode(query) if query else "")
        self.received: list[Message] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._inbox: list[Message] = []
        self._protocol = ClientProtocol(parse_uri(self.url), max_size=None)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        uri = parse_uri(self.url)
        self._reader, self._writer = await asyncio.open_connection(uri.host, uri.port)
        self._protocol.send_request(self._protocol.connect())
        self._writer.write(self._pending_bytes())
        await self._writer.drain()
        async with asyncio.timeout(5):
            while self._protocol.handshake_exc is None and not _is_open(self._protocol):
                await self._feed()
        if self._protocol.handshake_exc is not None:
            raise self._protocol.handshake_exc

    # ── building bytes (nothing is written until ``write``) ──────────────────────────

    def frame(self, message: Message | str) -> bytes:
        text = message if isinstance(message, str) else json.dumps(message)
        self._protocol.send_text(text.encode("utf-8"))
        return self._pending_bytes()

    def close_frame(self, code: int = 1001, reason: str = "domain reload") -> bytes:
        self._protocol.send_close(code, reason)
        return self._pending_bytes()

    async def write(self, *chunks: bytes) -> None:
        """All of ``chunks`` in ONE write to the socket."""
        assert self._writer is not None
        self._writer.write(b"".join(chunks))
        await self._writer.drain()

    async def send(self, message: Message | str) -> None:
        await self.write(self.frame(message))

    # ── reading ─────────────────────────────────────────────────────────────────────

    async def receive(
        self, predicate: Callable[[Message], bool] = lambda m: True, timeout: float = 3.0
    ) -> Message:
        async with asyncio.timeout(timeout):
            while True:
                for i, message in enumerate(self._inbox):
                    if predicate(message):
                        del self._inbox[i]
                        return message
                if not await self._feed():
                    raise ConnectionError(f"closed ({self.close_code}) before a match")

    async def closed(self, timeout: float = 3.0) -> tuple[int | None, str]:
        """Read until the server's close (or EOF); its code and reason."""
        async with asyncio.timeout(timeout):
            while self.close_code is None and await self._feed():
                pass
        self.finish()
        return self.close_code, self.close_reason

    async def _feed(self) -> bool:
        assert self._reader is not None
        try:
            data = await self._reader.read(65536)
        except ConnectionError:
            data = b""
        if data:
            self._protocol.receive_data(data)
        else:
            self._protocol.receive_eof()
        for event in self._protocol.events_received():
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                message = json.loads(bytes(event.data))
                self.received.append(message)
                self._inbox.append(message)
            elif getattr(event, "opcode", None) is Opcode.CLOSE:
                close = self._protocol.close_rcvd
                if close is not None:
                    self.close_code, self.close_reason = close.code, close.reason
        # Replies the protocol owes (a pong, the closing handshake) are dropped on
        # purpose: a hostile peer answers only what the test writes.
        self._protocol.data_to_send()
        return bool(data)

    def _pending_bytes(self) -> bytes:
        return b"".join(self._protocol.data_to_send())

    # ── ending ──────────────────────────────────────────────────────────────────────

    def finish(self) -> None:
        """Close the TCP connection with a FIN (after whatever was written)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()

    def reset(self) -> None:
        """Drop the TCP connection with a reset, as a crashed host would."""
        if self._writer is None:
            return
        transport = self._writer.transport
        sock = transport.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


def _is_open(protocol: ClientProtocol) -> bool:
    from websockets.protocol import State

    return protocol.state is State.OPEN
