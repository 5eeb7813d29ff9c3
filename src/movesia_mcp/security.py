"""Who may talk to the server: the shared token and the browser-Origin rule (PROTOCOL.md §8)."""

from __future__ import annotations

import hmac

from starlette.requests import HTTPConnection


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
    return presented is not None and hmac.compare_digest(presented.encode(), token.encode())


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
