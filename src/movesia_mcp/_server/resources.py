"""The MCP resources: registered from ``catalog.resources.RESOURCES``, one reader each.

What refreshes each of them is declared there too; ``app.py`` announces the updates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mcp.server.mcpserver import MCPServer

from .._bounds import dumps_within, json_size, newest_within
from .._exceptions import UnityError
from .._unity_manager import UnityManager
from ..catalog._resources import (
    CONSOLE,
    EVENTS,
    HIERARCHY,
    PROJECTS,
    RESOURCES,
    SELECTION,
    STATUS,
)
from .hub import ClientHub
from .server_tools import project_list, status_snapshot
from .tools import clip_console_entry

DEFAULT_RESOURCE_BYTES = 1024 * 1024  # Config.max_resource_bytes (MAX_RESOURCE_BYTES)
RESOURCE_URIS = tuple(spec.uri for spec in RESOURCES)

Reader = Callable[[], Awaitable[str]]


def register_resources(
    server: MCPServer,
    manager: UnityManager,
    hub: ClientHub,
    max_bytes: int,
    console_entry_bytes: int,
) -> None:
    """Register every resource of the declaration, each with its reader below."""

    def _dump(data: Any) -> str:
        return dumps_within(data, max_bytes, indent=1)

    async def status_resource() -> str:
        return _dump(status_snapshot(manager, hub).model_dump())

    async def projects_resource() -> str:
        return _dump(project_list(manager).model_dump())

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

    async def events_resource() -> str:
        events = [
            {"type": e.type, "session": e.session, "ts": e.ts, "body": e.body}
            for e in list(manager.recent_events)[-100:]
        ]
        # The newest that fit whole (indentation costs up to a third more than compact).
        return _dump({"events": newest_within(events, max_bytes * 2 // 3, json_size)})

    async def console_resource() -> str:
        body = await _unity_body(manager, "read_console", {"limit": 50})
        if isinstance(body.get("entries"), list):
            body["entries"] = [clip_console_entry(e, console_entry_bytes) for e in body["entries"]]
        return _dump(body)

    async def hierarchy_resource() -> str:
        return _dump(await _unity_body(manager, "get_hierarchy", {"depth": 1, "limit": 100}))

    readers: dict[str, Reader] = {
        STATUS: status_resource,
        PROJECTS: projects_resource,
        SELECTION: selection_resource,
        EVENTS: events_resource,
        CONSOLE: console_resource,
        HIERARCHY: hierarchy_resource,
    }
    if set(readers) != set(RESOURCE_URIS):  # a declared resource without a reader, or not
        raise RuntimeError(f"resource readers {sorted(readers)} != declared {RESOURCE_URIS}")
    for spec in RESOURCES:
        server.resource(
            spec.uri, name=spec.name, mime_type=spec.mime_type, description=spec.description
        )(readers[spec.uri])


async def _unity_body(
    manager: UnityManager, command: str, params: dict[str, Any]
) -> dict[str, Any]:
    try:
        body = await manager.execute(command, params, timeout=10.0)
    except UnityError as exc:
        return {"available": False, "error": str(exc)}
    return {"available": True, **body}
