"""The server's own tools: answered here, with no Unity round trip (but the wait)."""

from __future__ import annotations

import time
from typing import Any

from mcp import types
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from .._bounds import clip
from .._exceptions import NotConnectedError, UnityError
from .._unity_manager import UnityManager
from .._version import __version__
from .hub import ClientHub
from .tools import progress_reporter


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


def register_server_tools(server: MCPServer, manager: UnityManager, hub: ClientHub) -> None:
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
        return project_list(manager)

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
        return project_list(manager)

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


def project_list(manager: UnityManager) -> ProjectList:
    projects = clip(manager.projects(), manager.config.max_status_bytes - 1024)
    return ProjectList(projects=projects, default_project=manager.default_project)
