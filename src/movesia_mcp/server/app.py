"""The MCP server: catalog tools, server-side tools, resources and notifications."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from mcp import types
from mcp.server.lowlevel import NotificationOptions
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from .._version import __version__
from ..exceptions import NotConnectedError, UnityError
from ..unity_manager import UnityManager
from ..unity_session import StateChange
from .hub import ClientHub
from .tools import progress_reporter, register_unity_tools

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


def build_server(manager: UnityManager, hub: ClientHub) -> MCPServer:
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
        NotificationOptions(resources_changed=True, tools_changed=True),
    )
    server.middleware.append(hub.track_sessions)
    low.add_request_handler("resources/subscribe", types.SubscribeRequestParams, hub.on_subscribe)
    low.add_request_handler(
        "resources/unsubscribe", types.UnsubscribeRequestParams, hub.on_unsubscribe
    )
    register_unity_tools(server, manager)
    _register_server_tools(server, manager, hub)
    _register_resources(server, manager, hub)
    manager.add_state_listener(functools.partial(_on_state_change, hub))
    return server


async def _on_state_change(hub: ClientHub, change: StateChange) -> None:
    uris = list(_STATE_RESOURCES[change.kind])
    message = change.message
    if message is not None:
        uris.append(EVENTS)
        uris.extend(_EVENT_RESOURCES.get(message.type, ()))
    if uris:
        hub.mark(*uris)
    if message is None:
        return
    if message.type == "compile_started":
        await hub.log("info", {"event": "compile_started", "session": change.session_id})
    elif message.type == "compile_finished":
        errors = message.body.get("errors") or []
        level: types.LoggingLevel = "error" if errors else "info"
        await hub.log(
            level,
            {
                "event": "compile_finished",
                "session": change.session_id,
                "success": not errors,
                "errors": errors,
            },
        )
    elif message.type == "log_message" and message.body.get("type") in ("Error", "Exception"):
        await hub.log("error", {"event": "unity_log", "session": change.session_id, **message.body})


def status_snapshot(manager: UnityManager, hub: ClientHub) -> ConnectionStatus:
    status = manager.status()
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
        projects=status["projects"],
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
        return ProjectList(projects=manager.projects(), default_project=manager.default_project)

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
        return ProjectList(projects=manager.projects(), default_project=manager.default_project)

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


def _register_resources(server: MCPServer, manager: UnityManager, hub: ClientHub) -> None:
    json_type = "application/json"

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
        return _dump({"projects": manager.projects(), "default_project": manager.default_project})

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
        events = list(manager.recent_events)[-100:]
        return _dump(
            {
                "events": [
                    {"type": e.type, "session": e.session, "ts": e.ts, "body": e.body}
                    for e in events
                ]
            }
        )

    @server.resource(
        CONSOLE,
        name="console",
        mime_type=json_type,
        description="The newest 50 Unity console entries of the default project",
    )
    async def console_resource() -> str:
        return await _unity_resource(manager, "read_console", {"limit": 50})

    @server.resource(
        HIERARCHY,
        name="scene_hierarchy",
        mime_type=json_type,
        description="Scene roots and their children (depth 1, first 100 roots)",
    )
    async def hierarchy_resource() -> str:
        return await _unity_resource(manager, "get_hierarchy", {"depth": 1, "limit": 100})


async def _unity_resource(manager: UnityManager, command: str, params: dict[str, Any]) -> str:
    try:
        body = await manager.execute(command, params, timeout=10.0)
    except UnityError as exc:
        return _dump({"available": False, "error": str(exc)})
    return _dump({"available": True, **body})


def _dump(data: Any) -> str:
    return json.dumps(data, indent=1, default=str)
