"""Who may talk to the server: the shared token and the browser-Origin rule (PROTOCOL.md §8)."""

from __future__ import annotations

import hmac
import json

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send


def token_ok(connection: HTTPConnection, token: str | None) -> bool:
    """True when no token is configured, or the request presents it.

    Accepted as ``?token=`` or ``Authorization: Bearer``; compared in constant time.
    """
    if not token:
        return True
    presented = connection.query_params.get("token")
    auth = connection.headers.get("authorization", "")
    if presented is None and auth[:7].lower() == "bearer ":
        presented = auth[7:].strip()
    return secret_matches(presented, token)


def secret_matches(presented: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a presented token or secret with the expected one."""
    if presented is None or expected is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def origin_ok(connection: HTTPConnection, allowed: frozenset[str]) -> bool:
    """Unity sends no ``Origin``; a browser always does and is refused unless allowed."""
    origin = connection.headers.get("origin")
    return origin is None or origin in allowed


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def loopback_host(connection: HTTPConnection) -> bool:
    """The request was addressed to a loopback name, not to a name a web page rebound."""
    host = connection.headers.get("host", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in LOOPBACK_HOSTS


UNAUTHORIZED_BODY = json.dumps(
    {
        "error": "authentication_failed",
        "message": "missing or wrong token: send 'Authorization: Bearer <MOVESIA_TOKEN>' "
        "or '?token=<MOVESIA_TOKEN>'",
    }
).encode()


async def send_json_error(
    send: Send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """A plain ASGI error response with a JSON body, for refusals made before any app runs."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_unauthorized(send: Send) -> None:
    """A 401 with a JSON body saying how to authenticate."""
    await send_json_error(
        send, 401, UNAUTHORIZED_BODY, ((b"www-authenticate", b'Bearer realm="movesia-mcp"'),)
    )


class TokenGuard:
    """ASGI middleware: with a token configured, every HTTP request must present it
    (``/mcp`` in both MCP eras). WebSockets pass: the Unity route closes them with 4003
    itself, so the plug-in can tell the user why."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not token_ok(HTTPConnection(scope), self.token):
            await send_unauthorized(send)
            return
        await self.app(scope, receive, send)
