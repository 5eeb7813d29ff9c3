"""Starlette routes: the Unity WebSocket endpoint and ``GET /unity/status``.

``create_app`` builds the app; extra routes (MCP's streamable HTTP transport) and an
extra lifespan can be mounted beside the Unity ones. With a token configured, every
HTTP route of the app requires it (``TokenGuard``), the mounted ones included.

In ``create_app``'s app a WebSocket for a Unity route is taken by ``UnitySockets``, a
middleware outside Starlette's exception middleware, and handed to the manager with the
server's own ``receive``/``send``: every frame of the link then skips the two exception
wrappers Starlette puts around each send (the routes stay in the app, and decide which
paths are Unity's). ``unity_routes`` in an embedder's own app serve through them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from ._bounds import clip
from ._security import TokenGuard, loopback_host, token_ok
from ._unity_manager import UnityManager

Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]
StatusExtra = Callable[[], dict[str, Any]]


def unity_routes(manager: UnityManager, status_extra: StatusExtra | None = None) -> list[BaseRoute]:
    async def unity_ws(websocket: WebSocket) -> None:
        await manager.handle_connection(websocket)

    async def unity_status(request: Request) -> JSONResponse:
        if not manager.token and not loopback_host(request):
            # No token: only loopback names, so a DNS-rebound web page cannot read it.
            return JSONResponse(
                {"error": "forbidden_host", "message": "use 127.0.0.1 or localhost"},
                status_code=421,
            )
        if not token_ok(request, manager.token):
            return JSONResponse(
                {"error": "authentication_failed", "message": "missing or wrong token"},
                status_code=401,
            )
        body = manager.status()
        if status_extra is not None:
            body.update(status_extra())
        return JSONResponse(clip(body, manager.config.max_status_bytes))

    return [
        WebSocketRoute("/ws/unity", unity_ws),
        WebSocketRoute("/", unity_ws),
        Route("/unity/status", unity_status, methods=["GET"]),
    ]


class UnitySockets:
    """ASGI middleware: a WebSocket that one of ``routes`` matches goes to the manager
    straight away, with this server's ``receive`` and ``send``; anything else goes on to
    ``app``. The first matching route wins, as in the router (the Unity routes come
    first in ``create_app``'s app)."""

    def __init__(self, app: ASGIApp, manager: UnityManager, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.manager = manager
        self.routes = [r for r in routes if isinstance(r, WebSocketRoute)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            for route in self.routes:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    websocket = WebSocket(scope, receive=receive, send=send)
                    await self.manager.handle_connection(websocket, direct=(receive, send))
                    return
        await self.app(scope, receive, send)


def init_unity_routes(manager: UnityManager) -> list[BaseRoute]:
    """The original design's name for ``unity_routes``: ``Starlette(routes=[...])``."""
    return unity_routes(manager)


def create_app(
    manager: UnityManager,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    extra_lifespan: Lifespan | None = None,
    status_extra: StatusExtra | None = None,
) -> Starlette:
    """The Unity listener app. ``extra_routes`` go after the Unity routes."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(manager.running())
            if extra_lifespan is not None:
                await stack.enter_async_context(extra_lifespan(app))
            yield

    routes = unity_routes(manager, status_extra)
    return Starlette(
        routes=[*routes, *extra_routes],
        lifespan=lifespan,
        middleware=[
            Middleware(TokenGuard, token=manager.token),
            Middleware(UnitySockets, manager=manager, routes=routes),
        ],
    )
