"""The MCP resources and resource templates, declared once as data, beside the tool catalog.

Each spec names a resource (a URI, or a URI template with one ``{path}`` segment), its
name, description and MIME type, and what refreshes it: the triggers after which the
server sends ``notifications/resources/updated`` for it. A trigger is a Unity event type
(``hierarchy_changed``, ``log_message``, ...), ``ANY_EVENT``, or a change of the editor
link (``CONNECTED``: an editor connected, or reconnected after a reload;
``DISCONNECTED``).

The server registers the resources from these tables (``server/resources.py``,
``server/templates.py``) and announces updates from them (``refreshed_resources``,
``refreshed_templates``); the README's "Resources" and "Resource templates" tables are
checked against them (``tests/mcp_e2e/test_readme_tables.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CONNECTED = "connected"
DISCONNECTED = "disconnected"
ANY_EVENT = "*"
LINK_TRIGGERS = frozenset({CONNECTED, DISCONNECTED})

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    uri: str
    name: str
    description: str
    refreshed_by: frozenset[str]
    mime_type: str = JSON


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """A resource template. ``per_path``: a trigger refreshes only the subscribed URIs of
    the paths its event names (``body["paths"]``); otherwise every subscribed URI."""

    uri_template: str
    name: str
    description: str
    refreshed_by: frozenset[str]
    per_path: bool = False
    mime_type: str = JSON

    @property
    def prefix(self) -> str:
        """The concrete URIs' common start: ``unity://object/`` for ``unity://object/{path}``."""
        return self.uri_template.split("{", 1)[0]


def _on(*triggers: str) -> frozenset[str]:
    return frozenset(triggers)


STATUS = "unity://status"
PROJECTS = "unity://projects"
SELECTION = "unity://selection"
EVENTS = "unity://events"
CONSOLE = "unity://console"
HIERARCHY = "unity://scene/hierarchy"

RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        STATUS,
        "status",
        "Connection, compile state, projects and Unity versions",
        _on(
            CONNECTED,
            DISCONNECTED,
            "compile_started",
            "compile_finished",
            "scene_opened",
            "play_mode_changed",
        ),
    ),
    ResourceSpec(PROJECTS, "projects", "Connected Unity projects", _on(CONNECTED, DISCONNECTED)),
    ResourceSpec(
        SELECTION,
        "selection",
        "Current editor selection of each connected project",
        _on(CONNECTED, "selection_changed"),
    ),
    ResourceSpec(EVENTS, "events", "Recent Unity events, newest last (bounded)", _on(ANY_EVENT)),
    ResourceSpec(
        CONSOLE,
        "console",
        "The newest 50 Unity console entries of the default project",
        _on(CONNECTED, "log_message", "console_cleared"),
    ),
    ResourceSpec(
        HIERARCHY,
        "scene_hierarchy",
        "Scene roots and their children (depth 1, first 100 roots)",
        _on(CONNECTED, "hierarchy_changed", "scene_opened", "scene_saved"),
    ),
)

OBJECT_TEMPLATE = "unity://object/{path}"
SCRIPT_TEMPLATE = "unity://script/{path}"

TEMPLATES: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        OBJECT_TEMPLATE,
        "object",
        "One GameObject with its components, by hierarchy path (URL-encoded, "
        "e.g. unity://object/Environment%2FTrees)",
        _on("hierarchy_changed", "scene_opened", "scene_saved"),
    ),
    TemplateSpec(
        SCRIPT_TEMPLATE,
        "script",
        "A C# script under Assets/ with its contents, by path (URL-encoded, "
        "e.g. unity://script/Assets%2FScripts%2FPlayer.cs)",
        _on("assets_imported", "assets_deleted"),
        per_path=True,
    ),
)

RESOURCES_BY_URI = {spec.uri: spec for spec in RESOURCES}
TEMPLATES_BY_URI = {spec.uri_template: spec for spec in TEMPLATES}


def triggers(link: str | None = None, event: str | None = None) -> frozenset[str]:
    """The triggers of one change: a link change (``CONNECTED``/``DISCONNECTED``), a Unity
    event of type ``event``, or both (a ``hello`` on a live link)."""
    found: set[str] = set()
    if link in LINK_TRIGGERS:
        found.add(link)
    if event is not None:
        found.update((ANY_EVENT, event))
    return frozenset(found)


def refreshed_resources(fired: Iterable[str]) -> list[str]:
    """The URIs of the resources ``fired`` triggers refresh, in declaration order."""
    fired = frozenset(fired)
    return [spec.uri for spec in RESOURCES if spec.refreshed_by & fired]


def refreshed_templates(fired: Iterable[str]) -> list[TemplateSpec]:
    """The templates ``fired`` triggers refresh (their subscribed URIs, or those of the
    event's paths for a ``per_path`` template)."""
    fired = frozenset(fired)
    return [spec for spec in TEMPLATES if spec.refreshed_by & fired]
