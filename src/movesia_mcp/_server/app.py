"""The MCP server: catalog tools, server-side tools, resources and notifications.

``build_server`` puts it together: the Unity tools (``tools.py``), this server's own
tools (``server_tools.py``), the resources (``resources.py``) and templates
(``templates.py``) declared in ``catalog/resources.py``, the prompts; and turns Unity's
state changes into ``resources/updated`` and log notifications through the hub, whose
flush loop the server's lifespan runs.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.lowlevel
from mcp import types
from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver import MCPServer

from .._unity_manager import UnityManager
from .._unity_session import StateChange
from .._version import __version__
from ..catalog._resources import refreshed_resources, triggers
from .hub import ClientHub
from .prompts import register_prompts
from .resources import DEFAULT_RESOURCE_BYTES, register_resources
from .server_tools import register_server_tools
from .templates import ListenTracker, register_templates, uris_for_event
from .tools import (
    DEFAULT_CONSOLE_ENTRY_BYTES,
    clip_console_entry,
    guard_tool_calls,
    register_unity_tools,
)

__all__ = ["INSTRUCTIONS", "build_server", "deliveries_settled"]

INSTRUCTIONS = """\
Tools here act on the Unity Editor project the user has open. Unity tools take an optional
'project' argument, needed only when several editors are connected. Scene queries are paged:
follow 'next_offset'. write_script waits for Unity to compile and returns compiler errors with
file and line. Resources under unity:// give live state (status, selection, console, events).
"""


def build_server(
    manager: UnityManager,
    hub: ClientHub,
    *,
    max_resource_bytes: int = DEFAULT_RESOURCE_BYTES,
    max_console_entry_bytes: int = DEFAULT_CONSOLE_ENTRY_BYTES,
) -> MCPServer:
    """The MCP server. Everything it relays from Unity is bounded in bytes: resources by
    ``max_resource_bytes``, console entries (``unity://console``, ``read_console``, log
    notifications) by ``max_console_entry_bytes``, status answers by the manager's
    ``max_status_bytes``."""
    server = MCPServer(
        "movesia-mcp",
        title="Movesia: Unity Editor bridge",
        version=__version__,
        instructions=INSTRUCTIONS,
        subscriptions=hub.bus,
        lifespan=functools.partial(_lifespan, hub),
    )
    low = server._lowlevel_server  # no public accessor in mcp 2.3 (see notes/mcp-sdk-2x.md)
    low.create_initialization_options = functools.partial(  # type: ignore[method-assign]
        low.create_initialization_options,
        # Every listChanged true, as server/discover says to 2026-07-28 clients (there,
        # the subscriptions/listen stream carries them all).
        NotificationOptions(resources_changed=True, tools_changed=True, prompts_changed=True),
    )
    server.middleware.append(hub.track_sessions)
    low.add_request_handler("resources/subscribe", types.SubscribeRequestParams, hub.on_subscribe)
    low.add_request_handler(
        "resources/unsubscribe", types.UnsubscribeRequestParams, hub.on_unsubscribe
    )
    # Declares the logging capability; the level applies per connection (hub.py).
    low.add_request_handler("logging/setLevel", types.SetLevelRequestParams, hub.on_set_level)
    register_unity_tools(server, manager, console_entry_bytes=max_console_entry_bytes)
    register_server_tools(server, manager, hub)
    guard_tool_calls(server)
    register_resources(server, manager, hub, max_resource_bytes, max_console_entry_bytes)
    listens = register_templates(server, manager, hub, max_resource_bytes)  # catalog v2
    register_prompts(server)  # catalog v2
    manager.add_state_listener(
        functools.partial(
            _on_state_change, hub, console_entry_bytes=max_console_entry_bytes, listens=listens
        )
    )
    hub.settle = functools.partial(deliveries_settled, manager)
    return server


@contextlib.asynccontextmanager
async def _lifespan(hub: ClientHub, _: MCPServer) -> AsyncIterator[dict[str, Any]]:
    """The server's lifespan runs the hub's notification flush loop: an embedder that
    serves the server (stdio, streamable HTTP, in process) has nothing else to start."""
    async with hub.running():
        yield {}


async def deliveries_settled(manager: UnityManager, timeout: float = 0.5) -> None:
    """Return once the manager has handed its state listeners what Unity sent so far.

    The manager delivers events off the editor's read loop, from a queue, so the
    compile events that came before a command's answer may still wait there when the
    answer is back. Bounded by ``timeout``: a slow listener delays no answer for long.
    """
    step = 0.001
    for _ in range(int(timeout / step)):
        queue = manager._deliveries
        if queue is None or queue.empty():
            break
        await anyio.sleep(step)
    for _ in range(10):  # the delivery task, past get(), reaching the hub's listener
        await anyio.lowlevel.checkpoint()


async def _on_state_change(
    hub: ClientHub,
    change: StateChange,
    *,
    console_entry_bytes: int = DEFAULT_CONSOLE_ENTRY_BYTES,
    listens: ListenTracker | None = None,
) -> None:
    message = change.message
    fired = triggers(change.kind, None if message is None else message.type)
    uris = refreshed_resources(fired)  # catalog.resources.RESOURCES says which
    if message is not None and listens is not None:  # the templates' subscribed URIs
        uris.extend(uris_for_event(hub, listens, fired, message.body))
    if uris:
        hub.mark(*uris)
    if message is None:
        return
    if message.type == "compile_started":
        hub.log("info", {"event": "compile_started", "session": change.session_id})
    elif message.type == "compile_finished":
        errors = message.body.get("errors") or []
        level: types.LoggingLevel = "error" if errors else "info"
        # The manager kept at most MAX_COMPILE_ERRORS(_BYTES) of them.
        hub.log(
            level,
            {
                "event": "compile_finished",
                "session": change.session_id,
                "success": not errors,
                "errors": errors,
                **(
                    {"errors_total": message.body["errors_total"]}
                    if "errors_total" in message.body
                    else {}
                ),
            },
        )
    elif message.type == "log_message" and message.body.get("type") in ("Error", "Exception"):
        entry = clip_console_entry(dict(message.body), console_entry_bytes)
        hub.log("error", {"event": "unity_log", "session": change.session_id, **entry})
