"""``create_app``'s Unity WebSockets go to the manager on the server's own ASGI
``receive``/``send`` (``_routes.UnitySockets``); ``unity_routes`` in an embedder's own
app, or a mount under a prefix, serve the same link. Real uvicorn, real peers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from movesia_mcp import UnityManager, create_app, unity_routes
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._simulator import SimulatedUnity

from .conftest import eventually


async def echo(params: dict[str, object]) -> dict[str, object]:
    return params


def running(
    manager: UnityManager,
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with manager.running():
            yield

    return lifespan


async def round_trip(manager: UnityManager, url: str) -> None:
    peer = SimulatedUnity(url, heartbeat_interval=None, handlers={"echo": echo})
    await peer.connect()
    try:
        for n in range(3):
            assert await manager.send_and_wait("echo", n=n, text="é") == {"n": n, "text": "é"}
    finally:
        await peer.aclose()


@pytest.mark.parametrize("path", ["/ws/unity", "/"])
async def test_create_app_serves_both_unity_paths_on_the_servers_own_send(path: str) -> None:
    manager = UnityManager()
    async with serve_in_process(create_app(manager), manager) as served:
        url = served.url("ws", path)
        peer = SimulatedUnity(url, heartbeat_interval=None, handlers={"echo": echo})
        await peer.connect()
        try:
            [connection] = manager.connections
            assert connection.asgi_send is not None
            assert connection.asgi_receive is not None
            assert await manager.send_and_wait("echo", n=1) == {"n": 1}
        finally:
            await peer.aclose()
        await eventually(lambda: not manager.connections)


async def test_create_app_hands_the_socket_to_handle_connection() -> None:
    """The facade's method is the one entry, on the direct path too: a manager that
    wraps ``handle_connection`` sees every Unity socket."""
    seen: list[str] = []

    class Counting(UnityManager):
        async def handle_connection(self, websocket: WebSocket, **kwargs: Any) -> None:
            seen.append(websocket.url.path)
            await super().handle_connection(websocket, **kwargs)

    manager = Counting()
    async with serve_in_process(create_app(manager), manager) as served:
        peer = SimulatedUnity(served.ws_url, heartbeat_interval=None, handlers={"echo": echo})
        await peer.connect()
        try:
            [connection] = manager.connections
            assert connection.asgi_send is not None  # still the direct path
            assert await manager.send_and_wait("echo", n=3) == {"n": 3}
        finally:
            await peer.aclose()
    assert seen == ["/ws/unity"]


async def test_unity_routes_in_an_embedders_app_serve_through_starlette() -> None:
    manager = UnityManager()
    app = Starlette(routes=unity_routes(manager), lifespan=running(manager))
    async with serve_in_process(app, manager) as served:
        peer = SimulatedUnity(served.ws_url, heartbeat_interval=None, handlers={"echo": echo})
        await peer.connect()
        try:
            [connection] = manager.connections
            assert connection.asgi_send is None
            assert connection.asgi_receive is None
            assert await manager.send_and_wait("echo", n=2) == {"n": 2}
        finally:
            await peer.aclose()


async def test_create_app_mounted_under_a_prefix_serves_unity_there() -> None:
    manager = UnityManager()
    inner = create_app(manager)
    app = Starlette(routes=[Mount("/editor", app=inner)], lifespan=running(manager))
    async with serve_in_process(app, manager) as served:
        await round_trip(manager, served.url("ws", "/editor/ws/unity"))
        # Outside the mount, nothing is Unity's: the upgrade is refused.
        with pytest.raises(InvalidStatus) as refused:
            async with connect(served.url("ws", "/ws/unity")):
                pass
        assert refused.value.response.status_code == 403


async def test_a_websocket_to_a_path_that_is_not_unitys_is_refused() -> None:
    manager = UnityManager()
    async with serve_in_process(create_app(manager), manager) as served:
        for path in ("/ws/unity/", "/ws", "/unity/status"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(served.url("ws", path)):
                    pass
            assert refused.value.response.status_code == 403, path
        assert not manager.connections
