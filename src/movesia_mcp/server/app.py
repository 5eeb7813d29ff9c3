"""The MCP server: catalog tools, server-side tools, resources and notifications."""

from __future__ import annotations

import functools
import time
from typing import Any

import anyio
import anyio.lowlevel
from mcp import types
from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from .._version import __version__
from ..bounds import clip, dumps_within, json_size, newest_within
from ..exceptions import NotConnectedError, UnityError
from ..unity_manager import UnityManager
from ..unity_session import StateChange
from .hub import ClientHub
from .prompts import register_prompts
from .templates import ListenTracker, register_templates, uris_for_event
from .tools import (
    DEFAULT_CONSOLE_ENTRY_BYTES,
    clip_console_entry,
    guard_tool_calls,
    progress_reporter,
    register_unity_tools,
)

INSTRUCTIONS = """\
Tools here act on the Unity Editor project the user has open. Unity tools take an optional
'project' argument, needed only when several editors are connected. Scene queries are paged:
follow 'next_offset'. write_script waits for Unity to compile and returns compiler errors with
file and line. Resources under unity:// give live state (status, selection, console, events).
"""

STATUS = "unity://status"
PROJECTS = "unity://projects"
SELECTION = "unity://selection"
EVENTS = "unity://events"
CONSOLE = "unity://console"
HIERARCHY = "unity://scene/hierarchy"
RESOURCE_URIS = (STATUS, PROJECTS, SELECTION, EVENTS, CONSOLE, HIERARCHY)

# Unity events that change what a resource shows, beyond unity://events itself.
_EVENT_RESOURCES: dict[str, tuple[str, ...]] = {
    "hierarchy_changed": (HIERARCHY,),
    "scene_opened": (HIERARCHY, STATUS),
    "scene_saved": (HIERARCHY,),
    "log_message": (CONSOLE,),
    "console_cleared": (CONSOLE,),
    "play_mode_changed": (STATUS,),
}
_STATE_RESOURCES: dict[str, tuple[str, ...]] = {
    "connected": (STATUS, PROJECTS, SELECTION, HIERARCHY, CONSOLE),
    "disconnected": (STATUS, PROJECTS),
    "compile": (STATUS,),
    "selection": (SELECTION,),
    "event": (),
}


class ConnectionStatus(BaseModel):
    connected: bool
    compiling: bool
    default_project: str | None
    projects: list[dict[str, Any]]
    pending_commands: int
    mcp_clients: int
    server_version: str
    hint: str = ""


class ProjectList(BaseModel):
    projects: list[dict[str, Any]]
    default_project: str | None


class CompileWait(BaseModel):
    project: str
    was_compiling: bool
    waited_s: float
    last_compile: dict[str, Any] | None = Field(
        None, description="The last compile_finished body: success and errors"
    )


DEFAULT_RESOURCE_BYTES = 1024 * 1024  # Config.max_resource_bytes (MAX_RESOURCE_BYTES)


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
    _register_server_tools(server, manager, hub)
    guard_tool_calls(server)
    _register_resources(server, manager, hub, max_resource_bytes, max_console_entry_bytes)
    listens = register_templates(server, manager, hub, max_resource_bytes)  # catalog v2
    register_prompts(server)  # catalog v2
    manager.add_state_listener(
        functools.partial(
            _on_state_change, hub, console_entry_bytes=max_console_entry_bytes, listens=listens
        )
    )
    hub.settle = functools.partial(deliveries_settled, manager)
    return server


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
    uris = list(_STATE_RESOURCES[change.kind])
    message = change.message
    if message is not None:
        uris.append(EVENTS)
        uris.extend(_EVENT_RESOURCES.get(message.type, ()))
        if listens is not None:  # the resource templates' subscribed URIs
            uris.extend(uris_for_event(hub, listens, message.type, message.body))
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


def status_snapshot(manager: UnityManager, hub: ClientHub) -> ConnectionStatus:
    """The status answer, at most ``max_status_bytes`` (each project's share clipped)."""
    status = clip(manager.status(), manager.config.max_status_bytes - 1024)
    hint = ""
    if not status["connected"]:
        hint = (
            "No Unity editor is connected. Open the project in Unity with the Movesia "
            "plug-in, or start this server with --simulate-unity to try it without Unity."
        )
    elif status["compiling"]:
        hint = "Unity is compiling; commands wait for it to finish."
    return ConnectionStatus(
        connected=status["connected"],
        compiling=status["compiling"],
        default_project=status["default_project"],
        projects=status.get("projects", []),
        pending_commands=status["pending_commands"],
        mcp_clients=hub.client_count,
        server_version=__version__,
        hint=hint,
    )


def _register_server_tools(server: MCPServer, manager: UnityManager, hub: ClientHub) -> None:
    read_only = types.ToolAnnotations(
        read_only_hint=True, idempotent_hint=True, open_world_hint=False
    )

    @server.tool(title="Connection status", annotations=read_only)
    async def get_connection_status() -> ConnectionStatus:
        """Whether Unity is connected and compiling, and which projects are connected.
        Answered by this server; no Unity round trip."""
        return status_snapshot(manager, hub)

    @server.tool(title="List projects", annotations=read_only)
    async def list_projects() -> ProjectList:
        """The Unity projects connected to this server (or reconnecting after a reload)."""
        return _project_list(manager)

    @server.tool(
        title="Select project",
        annotations=types.ToolAnnotations(
            read_only_hint=False,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )
    async def select_project(
        project: str | None = Field(
            description="Name, path or session id from list_projects; null clears the choice"
        ),
    ) -> ProjectList:
        """Make a project the default target of Unity tools."""
        try:
            manager.select_project(project)
        except NotConnectedError as exc:
            raise ToolError(f"{exc}. Call list_projects to see what is connected.") from None
        return _project_list(manager)

    @server.tool(title="Wait for compile", annotations=read_only)
    async def wait_for_compile(
        ctx: Context,
        project: str | None = Field(
            None, description="Project to wait for; default target if omitted"
        ),
        timeout: float = Field(120.0, gt=0, le=600, description="Give up after this many seconds"),
    ) -> CompileWait:
        """Wait until Unity finishes the current compile and domain reload, then report the
        last compile result. Returns at once when nothing is compiling."""
        started = time.monotonic()
        try:
            session = manager.find_session(project)
            was_compiling = session.compiling or session.connection is None
            await manager.wait_until_ready(
                session, timeout=timeout, on_progress=progress_reporter(ctx)
            )
        except UnityError as exc:
            raise ToolError(str(exc)) from None
        return CompileWait(
            project=session.name,
            was_compiling=was_compiling,
            waited_s=round(time.monotonic() - started, 3),
            last_compile=session.last_compile,
        )


def _project_list(manager: UnityManager) -> ProjectList:
    projects = clip(manager.projects(), manager.config.max_status_bytes - 1024)
    return ProjectList(projects=projects, default_project=manager.default_project)


def _register_resources(
    server: MCPServer,
    manager: UnityManager,
    hub: ClientHub,
    max_bytes: int,
    console_entry_bytes: int,
) -> None:
    json_type = "application/json"

    def _dump(data: Any) -> str:
        return dumps_within(data, max_bytes, indent=1)

    @server.resource(
        STATUS,
        name="status",
        mime_type=json_type,
        description="Connection, compile state, projects and Unity versions",
    )
    async def status_resource() -> str:
        return _dump(status_snapshot(manager, hub).model_dump())

    @server.resource(
        PROJECTS, name="projects", mime_type=json_type, description="Connected Unity projects"
    )
    async def projects_resource() -> str:
        return _dump(_project_list(manager).model_dump())

    @server.resource(
        SELECTION,
        name="selection",
        mime_type=json_type,
        description="Current editor selection of each connected project",
    )
    async def selection_resource() -> str:
        return _dump(
            {
                "selection": {
                    s.name: s.selection
                    for s in manager.sessions.values()
                    if s.connection is not None
                },
            }
        )

    @server.resource(
        EVENTS,
        name="events",
        mime_type=json_type,
        description="Recent Unity events, newest last (bounded)",
    )
    async def events_resource() -> str:
        events = [
            {"type": e.type, "session": e.session, "ts": e.ts, "body": e.body}
            for e in list(manager.recent_events)[-100:]
        ]
        # The newest that fit whole (indentation costs up to a third more than compact).
        return _dump({"events": newest_within(events, max_bytes * 2 // 3, json_size)})

    @server.resource(
        CONSOLE,
        name="console",
        mime_type=json_type,
        description="The newest 50 Unity console entries of the default project",
    )
    async def console_resource() -> str:
        body = await _unity_body(manager, "read_console", {"limit": 50})
        if isinstance(body.get("entries"), list):
            body["entries"] = [clip_console_entry(e, console_entry_bytes) for e in body["entries"]]
        return _dump(body)

    @server.resource(
        HIERARCHY,
        name="scene_hierarchy",
        mime_type=json_type,
        description="Scene roots and their children (depth 1, first 100 roots)",
    )
    async def hierarchy_resource() -> str:
        return _dump(await _unity_body(manager, "get_hierarchy", {"depth": 1, "limit": 100}))


async def _unity_body(
    manager: UnityManager, command: str, params: dict[str, Any]
) -> dict[str, Any]:
    try:
        body = await manager.execute(command, params, timeout=10.0)
    except UnityError as exc:
        return {"available": False, "error": str(exc)}
    return {"available": True, **body}
