"""Resource templates (catalog v2): ``unity://object/{path}`` and ``unity://script/{path}``.

``{path}`` is one URI segment, so its slashes are percent-encoded
(``unity://object/Environment%2FTrees``, ``unity://script/Assets%2FScripts%2FPlayer.cs``);
the SDK decodes it. An object resource is ``inspect_object``'s answer, a script resource
``read_script``'s, bounded in bytes like the other resources. Bad paths are refused with
the catalog's rules before anything reaches Unity.

Both templates, and what refreshes them, are declared in ``catalog.resources.TEMPLATES``.
Subscriptions: a client subscribes to the concrete URI it read. Which concrete URIs are
wanted is known from both eras' subscriptions: ``resources/subscribe`` (the hub's
subscribers) and the ``subscriptions/listen`` streams open now (``ListenTracker``). Unity's
``hierarchy_changed`` (and a scene opening or saving) updates every subscribed object URI;
``assets_imported``/``assets_deleted`` update the script URIs of those paths.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import quote

from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import TypeAdapter, ValidationError

from .._bounds import dumps_within
from .._exceptions import UnityError
from .._unity_manager import UnityManager
from ..catalog._models import ScriptPath, explain
from ..catalog._resources import (
    OBJECT_TEMPLATE,
    SCRIPT_TEMPLATE,
    TEMPLATES,
    TEMPLATES_BY_URI,
    refreshed_templates,
)
from .hub import LISTEN, ClientHub

OBJECT_PREFIX = TEMPLATES_BY_URI[OBJECT_TEMPLATE].prefix
SCRIPT_PREFIX = TEMPLATES_BY_URI[SCRIPT_TEMPLATE].prefix
TEMPLATE_URIS = tuple(spec.uri_template for spec in TEMPLATES)
PREFIXES = tuple(spec.prefix for spec in TEMPLATES)

_SCRIPT_PATH: TypeAdapter[str] = TypeAdapter(ScriptPath)
MAX_HIERARCHY_PATH = 4096

CallNext = Callable[[ServerRequestContext[Any, Any]], Awaitable[Any]]


def object_uri(path: str) -> str:
    return OBJECT_PREFIX + quote(path, safe="")


def script_uri(path: str) -> str:
    return SCRIPT_PREFIX + quote(path, safe="")


class ListenTracker:
    """Server middleware: the resource URIs the open 2026-07-28 listen streams asked for."""

    def __init__(self) -> None:
        self.uris: Counter[str] = Counter()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method != LISTEN:
            return await call_next(ctx)
        notifications = (ctx.params or {}).get("notifications") or {}
        wanted = notifications.get("resourceSubscriptions") or []
        uris = [u for u in wanted if isinstance(u, str) and u.startswith(PREFIXES)]
        self.uris.update(uris)
        try:
            return await call_next(ctx)
        finally:
            self.uris.subtract(uris)
            self.uris += Counter()  # drop the zero counts


def subscribed(hub: ClientHub, listens: ListenTracker, prefix: str) -> set[str]:
    """The concrete URIs under ``prefix`` some client of either era subscribed to."""
    legacy = {uri for uri, keys in hub.subscribers.items() if keys and uri.startswith(prefix)}
    return legacy | {uri for uri in listens.uris if uri.startswith(prefix)}


def uris_for_event(
    hub: ClientHub, listens: ListenTracker, fired: Iterable[str], body: dict[str, Any]
) -> list[str]:
    """The subscribed template URIs that the ``fired`` triggers of a Unity event change
    (``catalog.resources.TEMPLATES`` says which: all of a template's, or its paths')."""
    uris: list[str] = []
    for spec in refreshed_templates(fired):
        wanted = subscribed(hub, listens, spec.prefix)
        if spec.per_path:
            paths: Iterable[Any] = body.get("paths") or ()
            wanted &= {spec.prefix + quote(p, safe="") for p in paths if isinstance(p, str)}
        uris.extend(sorted(wanted))
    return uris


def register_templates(
    server: MCPServer, manager: UnityManager, hub: ClientHub, max_bytes: int
) -> ListenTracker:
    """Register both templates and the listen tracker; returns the tracker."""
    listens = ListenTracker()
    server.middleware.append(listens)

    async def object_resource(path: str) -> str:
        if not path.strip() or len(path) > MAX_HIERARCHY_PATH or "\x00" in path:
            raise ResourceError(
                f"{OBJECT_PREFIX}: {path[:80]!r} is not a hierarchy path; give one like "
                "'Environment/Trees' (scene root first), URL-encoded"
            )
        body = await _unity(manager, "inspect_object", {"path": path})
        return dumps_within(body, max_bytes, indent=1)

    async def script_resource(path: str) -> str:
        try:
            checked = _SCRIPT_PATH.validate_python(path)
        except ValidationError as exc:
            raise ResourceError(f"{SCRIPT_PREFIX}: {explain(exc)}") from None
        body = await _unity(manager, "read_script", {"path": checked})
        return dumps_within(body, max_bytes, indent=1)

    readers: dict[str, Callable[[str], Awaitable[str]]] = {
        OBJECT_TEMPLATE: object_resource,
        SCRIPT_TEMPLATE: script_resource,
    }
    if set(readers) != set(TEMPLATE_URIS):
        raise RuntimeError(f"template readers {sorted(readers)} != declared {TEMPLATE_URIS}")
    for spec in TEMPLATES:
        server.resource(
            spec.uri_template,
            name=spec.name,
            mime_type=spec.mime_type,
            description=spec.description,
        )(readers[spec.uri_template])
    return listens


async def _unity(manager: UnityManager, command: str, params: dict[str, Any]) -> dict[str, Any]:
    """Unity's answer, or a resource error with its message (no object, no editor, ...)."""
    try:
        return await manager.execute(command, params, timeout=10.0)
    except UnityError as exc:
        raise ResourceError(f"{command}: {exc}") from None
