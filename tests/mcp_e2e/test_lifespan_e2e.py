"""The app's lifespan owns the notification loop: an embedder starts nothing else.

The README's library use, with MCP mounted: ``build_server(manager, hub)``, its
streamable-HTTP app mounted in ``create_app(manager, ...)`` with the session manager as
the extra lifespan, served by uvicorn. Nobody calls ``hub.run()``; a subscribed client
still gets ``resources/updated`` when Unity's selection changes, and once the server has
shut down no flush loop is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator
from typing import Any

from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import ResourceUpdatedNotification
from starlette.applications import Starlette
from starlette.routing import Mount

from movesia_mcp import create_app
from movesia_mcp._server.app import build_server
from movesia_mcp._server.hub import ClientHub
from movesia_mcp._server.runtime import bind_listener, serving
from movesia_mcp._simulator import SimulatedEditor, SimulatedUnity
from movesia_mcp._unity_manager import UnityManager
from movesia_mcp.catalog._resources import SELECTION

DEADLINE = 20.0


def hub_tasks() -> list[asyncio.Task[Any]]:
    """The running tasks of a ``ClientHub`` coroutine (its flush loop); anyio names a
    task after its function and wraps the coroutine, so the name says which."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and (
            ".ClientHub." in task.get_name()
            or getattr(task.get_coro(), "__qualname__", "").startswith("ClientHub.")
        )
    ]


@contextlib.asynccontextmanager
async def embedded(app: Starlette, manager: UnityManager) -> AsyncIterator[int]:
    """uvicorn serving ``app`` on an ephemeral loopback port, in a task of its own."""
    sock = bind_listener("127.0.0.1", 0)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(app, sock, manager, max_message_bytes=1 << 24):
            up.set()
            await stop.wait()

    task = asyncio.create_task(run())
    started = asyncio.create_task(up.wait())
    await asyncio.wait([task, started], return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    if task.done():
        task.result()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        await asyncio.wait_for(task, DEADLINE)
        sock.close()


async def test_an_embedded_app_notifies_without_the_embedder_starting_the_loop() -> None:
    manager = UnityManager()
    hub = ClientHub()
    server = build_server(manager, hub)
    app = create_app(
        manager,
        extra_routes=[Mount("/", app=server.streamable_http_app(streamable_http_path="/mcp"))],
        extra_lifespan=lambda _: server.session_manager.run(),
    )
    assert hub_tasks() == []  # building starts nothing
    updated = asyncio.Event()

    async def on_message(message: object) -> None:
        if isinstance(message, ResourceUpdatedNotification) and message.params.uri == SELECTION:
            updated.set()

    async with asyncio.timeout(DEADLINE), embedded(app, manager) as port:
        assert len(hub_tasks()) == 1  # the lifespan started the loop
        editor = SimulatedEditor()
        peer = SimulatedUnity(
            f"ws://127.0.0.1:{port}/ws/unity",
            project_path=editor.project_path,
            handlers=editor.handlers(),
            heartbeat_interval=None,
        )
        editor.attach(peer)
        await peer.connect()
        try:
            async with Client(
                f"http://127.0.0.1:{port}/mcp", mode="legacy", message_handler=on_message
            ) as client:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await client.subscribe_resource(SELECTION)
                result = await client.call_tool("set_selection", {"paths": ["Main Camera"]})
                assert not result.is_error, result
                await updated.wait()  # selection_changed → unity://selection updated
        finally:
            await peer.aclose()
    assert hub_tasks() == []  # shutdown stopped it


async def test_in_process_clients_overlapping_share_one_hub_and_stop_its_loops() -> None:
    manager = UnityManager()
    hub = ClientHub()
    server = build_server(manager, hub)
    async with asyncio.timeout(DEADLINE):
        async with Client(server) as first:
            async with Client(server) as second:
                assert len(hub_tasks()) == 2  # one loop per lifespan; they take turns
                await second.list_resources()
            assert len(hub_tasks()) == 1
            await first.list_resources()
    assert hub_tasks() == []
