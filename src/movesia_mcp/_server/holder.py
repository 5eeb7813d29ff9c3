"""What the process holding the Unity port offers relays: MCP at ``/relay``.

Every other ``movesia-mcp`` of the same user that finds the port taken serves its own
MCP client by relaying to this endpoint (see relay.py). It is the holder's own MCP
server over streamable HTTP, behind two locks: ``MOVESIA_TOKEN`` when set (the app's
``TokenGuard``), and always the per-user relay secret (relay_secret.py), presented in
the ``X-Movesia-Relay-Secret`` header and compared in constant time.
"""

from __future__ import annotations

import json
import os
from typing import Any

from mcp.server.session import ServerSession
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.requests import HTTPConnection
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._security import secret_matches, send_json_error
from .hub import ClientHub
from .relay_secret import RELAY_HEADER

RELAY_PATH = "/relay"
RELAY_CLIENT_NAME = "movesia-mcp-relay"

_FORBIDDEN = json.dumps(
    {
        "error": "relay_forbidden",
        "message": "missing or wrong relay secret: only movesia-mcp of the user who "
        "started this server may relay to it",
    }
).encode()


class RelayEndpoint:
    """ASGI app for ``/relay``: the session manager's endpoint, for holders of the secret."""

    def __init__(self, session_manager: StreamableHTTPSessionManager, secret: str) -> None:
        self._inner = StreamableHTTPASGIApp(session_manager)
        self._secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        presented = HTTPConnection(scope).headers.get(RELAY_HEADER)
        if not secret_matches(presented, self._secret):
            await send_json_error(send, 403, _FORBIDDEN)
            return
        await self._inner(scope, receive, send)


def relay_route(session_manager: StreamableHTTPSessionManager, secret: str) -> Route:
    return Route(
        RELAY_PATH,
        endpoint=RelayEndpoint(session_manager, secret),
        methods=["GET", "POST", "DELETE"],
    )


def is_relay(session: ServerSession) -> bool:
    params = session.client_params
    return params is not None and params.client_info.name == RELAY_CLIENT_NAME


def relayed_clients(hub: ClientHub) -> int:
    """Relays connected over ``/relay`` (each serves one MCP client of its own)."""
    return sum(1 for session in list(hub.sessions.values()) if is_relay(session))


def holder_status(hub: ClientHub, transport: str, relay_enabled: bool) -> dict[str, Any]:
    """The ``/unity/status`` fields that say who holds the port and whom it serves."""
    relayed = relayed_clients(hub)
    return {
        "holder": {
            "pid": os.getpid(),
            "transport": transport,
            "uid": os.getuid() if hasattr(os, "getuid") else None,
            "relay_path": RELAY_PATH if relay_enabled else None,
        },
        "relayed_clients": relayed,
        # Its own client (stdio) and any direct HTTP clients, not counting relays.
        "direct_clients": hub.client_count - relayed,
    }
