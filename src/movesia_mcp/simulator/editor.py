"""A faithful in-memory Unity Editor that answers every command of the tool catalog.

``SimulatedEditor`` holds what the real plug-in reads and changes: scenes of
GameObjects, assets, the console, the selection, play mode, menu items and project
settings. ``execute(command, params)`` is plain synchronous code over that state;
``handlers()`` wraps it for ``SimulatedUnity`` (one handler per catalog command), sends
the domain events the change caused, and turns a compile into the peer's reload
cycle. ``run_simulated_editor`` keeps such an editor connected to a server.

Answers follow the catalog's result models; failures are ``{"error": "..."}`` as the
real plug-in sends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import math
import posixpath
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from websockets.exceptions import WebSocketException

from ..catalog import TOOLS_BY_COMMAND, TOOLS_BY_NAME, UNITY_TOOLS
from ..catalog.models import ObjectTarget, explain, project_relative
from ..catalog.tools import (
    AddComponentParams,
    AddPackageParams,
    AssignMaterialParams,
    CaptureViewParams,
    CreateMaterialParams,
    CreateParams,
    CreatePrefabParams,
    CreateSceneParams,
    DeleteAssetParams,
    DuplicateParams,
    EditScriptParams,
    FindParams,
    HierarchyParams,
    InstantiatePrefabParams,
    ListPackagesParams,
    ListTestsParams,
    MenuItemParams,
    ModifyMaterialParams,
    MoveToSceneParams,
    NoParams,
    OpenSceneParams,
    PlayModeParams,
    PrefabInstanceParams,
    ProjectSettingsParams,
    ReadConsoleParams,
    ReadScriptParams,
    RefreshParams,
    RemoveComponentParams,
    RemovePackageParams,
    RenameParams,
    ReparentParams,
    RunTestsParams,
    SaveSceneParams,
    SearchAssetsParams,
    SetActiveSceneParams,
    SetPropertiesParams,
    SetSelectionParams,
    UndoParams,
    WriteScriptParams,
    atomic_step_refusal,
)
from ..commands import unity_error
from ..handshake import derive_session_id
from . import scripts, testing, undo
from .capture import capture_view
from .compiler import check_project, debug_logs, public_fields
from .packages import PackageError, PackageManager
from .peer import (
    AnswerThenCompile,
    CommandHandler,
    CompileThenAnswer,
    HandlerResult,
    HandshakeRejected,
    ReloadThenAnswer,
    SimulatedUnity,
)
from .project import (
    LAYERS,
    SHADERS,
    TAGS,
    Asset,
    add_generated_objects,
    build_sample_project,
    project_settings,
)
from .scene import (
    BASE_TYPES,
    BUILTIN_COMPONENTS,
    ONE,
    RENDERERS,
    ZERO,
    Component,
    GameObject,
    Scene,
    SceneGraph,
    Vec3,
    builtin_component,
    primitive_components,
)

logger = logging.getLogger("movesia_mcp.simulator")

DEFAULT_PROJECT_PATH = "/Users/dev/Projects/SimProject"
DEFAULT_UNITY_VERSION = "6000.0.23f1"
# A hierarchy answer stops adding children past this many nodes (children_truncated).
# Unity's search filter ``t:<name>`` accepts these names for our asset types.
TYPE_ALIASES: dict[str, str] = {
    "prefab": "Prefab",
    "gameobject": "Prefab",
    "material": "Material",
    "script": "Script",
    "monoscript": "Script",
    "scene": "Scene",
    "sceneasset": "Scene",
    "texture": "Texture2D",
    "texture2d": "Texture2D",
}
TRANSFORM_PROPERTIES = (
    "localPosition",
    "position",
    "localEulerAngles",
    "eulerAngles",
    "localScale",
)


class CommandError(Exception):
    """A command Unity refuses; the message is what the plug-in answers as ``error``."""


@dataclass(slots=True)
class ConsoleEntry:
    type: str  # Log, Warning, Error, Exception, Assert
    message: str
    stacktrace: str
    timestamp: float
    from_compiler: bool = False  # compiler messages survive Clear, go on the next compile

    def to_dict(self, include_stacktrace: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "type": self.type,
            "message": self.message,
            "timestamp": self.timestamp,
        }
        if include_stacktrace:
            entry["stacktrace"] = self.stacktrace
        return entry


@dataclass(slots=True)
class Compilation:
    """A command's answer that started a compile, and the compile's errors (if any).

    ``answer_first``: Unity answers before compiling (a menu item, a batch); otherwise
    the answer waits for the compile and, when it succeeds, the domain reload.
    """

    body: dict[str, Any]
    errors: list[dict[str, Any]]
    answer_first: bool = False


Outcome = dict[str, Any] | Compilation


class EventSink(Protocol):
    """Where domain events go: a connected ``SimulatedUnity``."""

    compiling: bool

    async def send_event(
        self, msg_type: str, body: dict[str, Any] | None = None, *, wait_ack: bool = False
    ) -> dict[str, Any]: ...


class StopSignal(Protocol):
    def is_set(self) -> bool: ...

    async def wait(self) -> Any: ...


class SimulatedEditor:
    """The state of one Unity project in the editor, and every catalog command on it.

    ``objects``: None opens the small sample scene; N adds generated objects to it until
    the scene holds N (100 root groups with nested children) for benchmarks.
    """

    def __init__(
        self,
        *,
        project_path: str = DEFAULT_PROJECT_PATH,
        unity_version: str = DEFAULT_UNITY_VERSION,
        objects: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.project_path = project_path
        self.unity_version = unity_version
        self.clock = clock
        self.graph = SceneGraph()
        self.assets: dict[str, Asset] = {}
        self.console: list[ConsoleEntry] = []
        self.selection: list[int] = []
        self.is_playing = False
        self.is_paused = False
        self.frame = 0
        self.compile_errors: list[dict[str, Any]] = []
        self.script_classes: set[str] = set()  # MonoBehaviours of the last good compile
        self.script_writes: Counter[str] = Counter()  # path → files written
        self.compiles = 0
        self.pending_imports: set[str] = set()  # changed on disk, imported on refresh
        self.settings = project_settings(project_path, unity_version)
        self.package_manager = PackageManager()
        self.peer: EventSink | None = None
        self.history = undo.UndoHistory()
        self._outbox: list[tuple[str, dict[str, Any]]] = []
        self._hierarchy_changed: set[str] = set()
        self._commands: dict[str, Callable[[Any], Outcome]] = {
            spec.command: getattr(self, "_" + spec.command) for spec in UNITY_TOOLS
        }
        self.assets.update(build_sample_project(self.graph, self._guid))
        # The sample's scripts compiled when the project was opened.
        self.script_classes = check_project(self._script_sources())[1]
        if objects is not None:
            main = self._active_scene()
            add_generated_objects(self.graph, main, objects - main.object_count)

    # ── wiring ──────────────────────────────────────────────────────────────────────

    def attach(self, peer: EventSink) -> None:
        """Send domain events through ``peer`` from now on."""
        self.peer = peer

    def handlers(self) -> dict[str, CommandHandler]:
        """One ``SimulatedUnity`` handler per catalog command."""
        return {spec.command: self._handler(spec.command) for spec in UNITY_TOOLS}

    def _handler(self, command: str) -> CommandHandler:
        async def handle(params: dict[str, Any]) -> HandlerResult:
            outcome = self.execute(command, params)
            await self.flush_events()
            if not isinstance(outcome, Compilation):
                return outcome
            if outcome.answer_first:
                return AnswerThenCompile(outcome.body, outcome.errors)
            if outcome.errors:
                return CompileThenAnswer(outcome.body, outcome.errors)
            return ReloadThenAnswer(outcome.body)

        return handle

    def execute(self, command: str, params: dict[str, Any]) -> Outcome:
        """Run one command on the editor state; events wait in the outbox."""
        spec = TOOLS_BY_COMMAND.get(command)
        if spec is None:
            return {"error": f"unknown command {command!r}"}
        try:
            if command == "batch":
                return self._batch(params)
            checked = spec.params.model_validate(params)
            state = self.history.before(command, self.graph, self.assets)
            outcome = self._commands[command](checked)
            body = outcome.body if isinstance(outcome, Compilation) else outcome
            if unity_error(body) is None:
                self.history.after(command, state)
            return outcome
        except ValidationError as exc:
            return {"error": f"invalid parameters for {command}: {explain(exc)}"}
        except CommandError as exc:
            return {"error": str(exc)}

    async def flush_events(self) -> None:
        """Send the events the last commands caused, in order, without waiting for ACKs."""
        if self._hierarchy_changed and self.peer is not None:
            scenes = sorted(self._hierarchy_changed)
            self._outbox.insert(0, ("hierarchy_changed", {"scenes": scenes}))
        self._hierarchy_changed.clear()
        outbox, self._outbox = self._outbox, []
        if self.peer is None:
            return
        for msg_type, body in outbox:
            try:
                await self.peer.send_event(msg_type, body)
            except Exception as exc:  # a dropped socket loses the event, as in Unity
                logger.debug("event %s not sent: %r", msg_type, exc)

    def _emit(self, msg_type: str, body: dict[str, Any]) -> None:
        if self.peer is not None:  # with no one listening, nothing piles up
            self._outbox.append((msg_type, body))

    @property
    def is_compiling(self) -> bool:
        return self.peer is not None and self.peer.compiling

    # ── outside the catalog: what a user or the file system does ────────────────────

    def log(self, log_type: str, message: str, stacktrace: str = "") -> ConsoleEntry:
        """Add a console entry (as ``Debug.Log`` does) and announce it."""
        return self._log(log_type, message, stacktrace)

    def edit_on_disk(self, path: str, contents: str) -> None:
        """A file changed outside Unity: it is imported (and compiled) on refresh."""
        path = _asset_path(path)
        asset_type = _type_for(path)
        asset = self.assets.get(path)
        if asset is None:
            asset = self.assets[path] = Asset(asset_type, self._guid(path))
        if asset_type == "Script":
            asset.data["contents"] = contents
        self.pending_imports.add(path)

    # ── scene graph: reading ────────────────────────────────────────────────────────

    def _get_hierarchy(self, p: HierarchyParams) -> Outcome:
        scenes = self.graph.loaded if p.scene is None else [self._loaded_scene(p.scene)]
        if p.root is not None:
            start = self.graph.find(p.root, None if p.scene is None else scenes[0])
            if start is None:
                raise CommandError(f"GameObject '{p.root}' not found in the loaded scenes")
            entries = start.children
            prefix = start.path + "/"
        else:
            entries = [root for scene in scenes for root in scene.roots]
            prefix = ""
        page = entries[p.offset : p.offset + p.limit]
        budget = p.max_nodes - len(page)  # for the nodes below the page's entries

        def node(obj: GameObject, path: str, level: int) -> dict[str, Any]:
            nonlocal budget
            if level:
                budget -= 1
            children = obj.children
            expand = bool(children) and level < p.depth and len(children) <= budget
            return {
                "instance_id": obj.instance_id,
                "name": obj.name,
                "path": path,
                "active": obj.active,
                "child_count": len(children),
                "children": [node(c, f"{path}/{c.name}", level + 1) for c in children]
                if expand
                else [],
                "children_truncated": bool(children) and not expand,
            }

        end = p.offset + len(page)
        return {
            "nodes": [node(obj, prefix + obj.name, 0) for obj in page],
            "total": len(entries),
            "offset": p.offset,
            "next_offset": end if end < len(entries) else None,
            "total_objects": sum(scene.object_count for scene in scenes),
        }

    def _find_objects(self, p: FindParams) -> Outcome:
        needle = p.name.casefold() if p.name is not None else None
        if p.tag is not None and p.tag not in TAGS:
            raise CommandError(f"Tag: {p.tag} is not defined.")
        layer = None if p.layer is None else _layer_number(p.layer)
        types: frozenset[str] | None = None
        if p.component is not None:
            if p.component == "MonoBehaviour":
                types = frozenset(self.script_classes)
            else:
                types = BASE_TYPES.get(p.component, frozenset({p.component}))
        found: list[dict[str, Any]] = []
        total = 0
        for obj in self.graph.objects.values():
            if not obj.scene.loaded:
                continue
            if needle is not None and needle not in obj.name.casefold():
                continue
            if p.tag is not None and obj.tag != p.tag:
                continue
            if layer is not None and obj.layer != layer:
                continue
            if types is not None and "Transform" not in types and types.isdisjoint(obj.components):
                continue
            total += 1
            if len(found) < p.limit:
                found.append(obj.summary())
        return {"objects": found, "total": total, "truncated": total > len(found)}

    def _inspect_object(self, p: ObjectTarget) -> Outcome:
        obj = self._target(p)
        result: dict[str, Any] = {
            "object": obj.summary(),
            "components": [obj.transform().to_dict()]
            + [c.to_dict() for c in obj.components.values()],
            "children": [child.name for child in obj.children],
            "scene": obj.scene.name,
        }
        if obj.prefab_path is not None:
            result["prefab_path"] = obj.prefab_path
        return result

    # ── scene graph: changing ───────────────────────────────────────────────────────

    def _create_gameobject(self, p: CreateParams) -> Outcome:
        parent = self._parent(p.parent)
        scene = parent.scene if parent is not None else self._active_scene()
        obj = self.graph.create(
            p.name,
            scene,
            parent,
            position=_vec(p.position, ZERO),
            rotation=_vec(p.rotation, ZERO),
            scale=_vec(p.scale, ONE),
            components=primitive_components(p.primitive),
        )
        self._touched(scene)
        return {"object": obj.summary()}

    def _duplicate_gameobject(self, p: DuplicateParams) -> Outcome:
        obj = self._target(p)
        siblings = obj.parent.children if obj.parent is not None else obj.scene.roots
        copy_ = self.graph.instantiate(
            obj.snapshot(), obj.scene, obj.parent, index=siblings.index(obj) + 1
        )
        copy_.name = p.new_name or _copy_name(obj.name, siblings)
        self._touched(obj.scene)
        return {"object": copy_.summary()}

    def _destroy_gameobject(self, p: ObjectTarget) -> Outcome:
        obj = self._target(p)
        path = obj.path
        gone = set(self.graph.remove(obj))
        self.selection = [i for i in self.selection if i not in gone]
        self._touched(obj.scene)
        children = len(gone) - 1
        return {
            "success": True,
            "message": f"destroyed '{path}'"
            + (f" and {children} descendant(s)" if children else ""),
        }

    def _rename_gameobject(self, p: RenameParams) -> Outcome:
        obj = self._target(p)
        obj.name = p.new_name
        self._touched(obj.scene)
        return {"object": obj.summary()}

    def _set_parent(self, p: ReparentParams) -> Outcome:
        obj = self._target(p)
        parent = self._parent(p.new_parent)
        if parent is not None and (parent is obj or parent.is_descendant_of(obj)):
            raise CommandError(
                f"cannot move '{obj.path}' under '{parent.path}': it is the object itself "
                "or one of its children"
            )
        world = obj.world_position()
        source = obj.scene
        self.graph.move(obj, parent, obj.scene)
        if p.keep_world_position:
            obj.position = _local_from_world(world, parent)
        self._touched(source, obj.scene)
        return {"object": obj.summary()}

    def _move_to_scene(self, p: MoveToSceneParams) -> Outcome:
        obj = self._target(p)
        target = self._loaded_scene(p.scene)
        if obj.parent is not None:
            raise CommandError(
                f"only root GameObjects can move to another scene; '{obj.path}' has parent "
                f"'{obj.parent.path}' (use set_parent with new_parent=null first)"
            )
        source = obj.scene
        if target is not source:
            self.graph.move(obj, None, target)
            self._touched(source, target)
        return {"object": obj.summary()}

    # ── components ──────────────────────────────────────────────────────────────────

    def _add_component(self, p: AddComponentParams) -> Outcome:
        obj = self._target(p)
        name = p.component
        if name == "Transform" or name in obj.components:
            raise CommandError(f"'{obj.path}' already has a {name}; a GameObject can have one")
        if name in BUILTIN_COMPONENTS:
            component = builtin_component(name)
        elif name in self.script_classes:
            component = Component(name, True, public_fields(self._script_source(name)))
        elif self._script_path(name) is not None:
            raise CommandError(
                f"script '{name}' has not compiled; fix the compile errors "
                "(read_console) and try again"
            )
        else:
            raise CommandError(
                f"unknown component type '{name}'; use a built-in type such as Rigidbody, "
                "BoxCollider or Light, or a compiled MonoBehaviour script"
            )
        obj.components[name] = component
        self._touched(obj.scene)
        return {"object": obj.summary(), "component": component.to_dict()}

    def _remove_component(self, p: RemoveComponentParams) -> Outcome:
        obj = self._target(p)
        if p.component == "Transform":
            raise CommandError("a GameObject's Transform cannot be removed")
        if p.component not in obj.components:
            raise CommandError(f"'{obj.path}' has no {p.component} component")
        del obj.components[p.component]
        self._touched(obj.scene)
        return {"success": True, "message": f"removed {p.component} from '{obj.path}'"}

    def _set_component_properties(self, p: SetPropertiesParams) -> Outcome:
        obj = self._target(p)
        if p.component == "Transform":
            self._set_transform(obj, p.properties)
            component = obj.transform()
        elif p.component == "GameObject":
            self._set_gameobject(obj, p.properties)
            component = Component(
                "GameObject",
                True,
                {"name": obj.name, "active": obj.active, "tag": obj.tag, "layer": obj.layer},
            )
        else:
            found = obj.components.get(p.component)
            if found is None:
                raise CommandError(f"'{obj.path}' has no {p.component} component")
            component = found
            values: dict[str, Any] = {}
            for key, value in p.properties.items():
                if key == "enabled":
                    if not isinstance(value, bool):
                        raise CommandError(f"{p.component}.enabled expects true or false")
                    continue
                if key not in component.properties:
                    known = ", ".join(["enabled", *component.properties])
                    raise CommandError(f"{p.component} has no property '{key}'; it has: {known}")
                values[key] = self._checked_value(
                    f"{p.component}.{key}", component.properties[key], value
                )
            component.properties.update(values)
            if "enabled" in p.properties:
                component.enabled = p.properties["enabled"]
        self._touched(obj.scene, hierarchy=p.component == "GameObject")
        return {"object": obj.summary(), "component": component.to_dict()}

    def _set_transform(self, obj: GameObject, properties: dict[str, Any]) -> None:
        values: dict[str, Vec3] = {}
        for key, value in properties.items():
            if key not in TRANSFORM_PROPERTIES:
                known = ", ".join(TRANSFORM_PROPERTIES)
                raise CommandError(f"Transform has no property '{key}'; it has: {known}")
            values[key] = _vec3_value(f"Transform.{key}", value)
        for key, vec in values.items():
            if key == "localPosition":
                obj.position = vec
            elif key == "position":
                obj.position = _local_from_world(vec, obj.parent)
            elif key in ("localEulerAngles", "eulerAngles"):
                obj.rotation = vec
            else:
                obj.scale = vec

    def _set_gameobject(self, obj: GameObject, properties: dict[str, Any]) -> None:
        for key, value in properties.items():
            if key == "name":
                if not isinstance(value, str) or not value:
                    raise CommandError("GameObject.name expects a non-empty string")
            elif key == "active":
                if not isinstance(value, bool):
                    raise CommandError("GameObject.active expects true or false")
            elif key == "tag":
                if value not in TAGS:
                    raise CommandError(f"Tag: {value} is not defined.")
            elif key == "layer":
                if not isinstance(value, str | int) or isinstance(value, bool):
                    raise CommandError("GameObject.layer expects a layer name or number")
                _layer_number(value)
            else:
                raise CommandError(
                    f"GameObject has no property '{key}'; it has: name, active, tag, layer"
                )
        for key, value in properties.items():
            if key == "layer":
                obj.layer = _layer_number(value)
            else:
                setattr(obj, key, value)

    def _checked_value(self, what: str, old: Any, new: Any) -> Any:
        """``new`` if it has the type of the property's current value ``old``."""
        if isinstance(old, bool):
            if not isinstance(new, bool):
                raise CommandError(f"{what} expects true or false, got {new!r}")
        elif isinstance(old, int | float):
            if not _is_number(new):
                raise CommandError(f"{what} expects a number, got {new!r}")
        elif isinstance(old, list):
            color_without_alpha = len(old) == 4 and isinstance(new, list) and len(new) == 3
            if (
                not isinstance(new, list)
                or not (len(new) == len(old) or color_without_alpha)
                or not all(_is_number(v) for v in new)
            ):
                raise CommandError(f"{what} expects an array of {len(old)} numbers, got {new!r}")
            return [float(v) for v in new] + ([1.0] if color_without_alpha else [])
        elif isinstance(old, str):
            if not isinstance(new, str):
                raise CommandError(f"{what} expects a string, got {new!r}")
        elif new is not None:  # an object reference: an asset path, or null
            if not isinstance(new, str):
                raise CommandError(f"{what} expects an asset path or null, got {new!r}")
            if new.startswith("Assets/") and _asset_path(new) not in self.assets:
                raise CommandError(f"{what}: no asset at '{new}'")
        return new

    # ── prefabs ─────────────────────────────────────────────────────────────────────

    def _instantiate_prefab(self, p: InstantiatePrefabParams) -> Outcome:
        path = _asset_path(p.prefab_path)
        asset = self._asset(path, "Prefab")
        parent = self._parent(p.parent)
        scene = parent.scene if parent is not None else self._active_scene()
        obj = self.graph.instantiate(asset.data["root"], scene, parent)
        obj.prefab_path = path
        if p.position is not None:
            obj.position = _vec(p.position, ZERO)
        self._touched(scene)
        return {"prefab_path": path, "object": obj.summary()}

    def _create_prefab(self, p: CreatePrefabParams) -> Outcome:
        obj = self._target(p)
        path = _asset_path(p.prefab_path, ".prefab")
        existing = self.assets.get(path)
        if existing is not None and existing.type != "Prefab":
            raise CommandError(f"'{path}' is a {existing.type}, not a prefab")
        obj.prefab_path = path
        snapshot = obj.snapshot()
        self.assets[path] = Asset("Prefab", self._guid(path), {"root": snapshot})
        self._emit("assets_imported", {"paths": [path]})
        self._touched(obj.scene, hierarchy=False)
        return {"prefab_path": path, "object": obj.summary(), "created": existing is None}

    def _apply_prefab(self, p: PrefabInstanceParams) -> Outcome:
        root, asset = self._prefab_instance(p)
        snapshot = root.snapshot()
        # The root's position and rotation are per-instance: they are never applied.
        snapshot["position"] = asset.data["root"]["position"]
        snapshot["rotation"] = asset.data["root"]["rotation"]
        asset.data["root"] = snapshot
        assert root.prefab_path is not None
        self._emit("assets_imported", {"paths": [root.prefab_path]})
        return {"prefab_path": root.prefab_path, "object": root.summary()}

    def _revert_prefab(self, p: PrefabInstanceParams) -> Outcome:
        root, asset = self._prefab_instance(p)
        template = asset.data["root"]
        gone: set[int] = set()
        for child in list(root.children):
            gone.update(self.graph.remove(child))
        self.selection = [i for i in self.selection if i not in gone]
        root.name = template["name"]
        root.active = template["active"]
        root.tag = template["tag"]
        root.layer = template["layer"]
        root.scale = tuple(template["scale"])
        root.components = {
            c["type"]: Component(c["type"], c["enabled"], copy.deepcopy(c["properties"]))
            for c in template["components"]
        }
        for child in template["children"]:
            self.graph.instantiate(child, root.scene, root)
        self._touched(root.scene)
        assert root.prefab_path is not None
        return {"prefab_path": root.prefab_path, "object": root.summary()}

    def _prefab_instance(self, p: ObjectTarget) -> tuple[GameObject, Asset]:
        obj = self._target(p)
        root: GameObject | None = obj
        while root is not None and root.prefab_path is None:
            root = root.parent
        if root is None or root.prefab_path is None:
            raise CommandError(f"'{obj.path}' is not part of a prefab instance")
        asset = self.assets.get(root.prefab_path)
        if asset is None or asset.type != "Prefab":
            raise CommandError(f"the prefab asset '{root.prefab_path}' of '{root.path}' is missing")
        return root, asset

    # ── scenes ──────────────────────────────────────────────────────────────────────

    def _open_scene(self, p: OpenSceneParams) -> Outcome:
        path = _asset_path(p.path, ".unity")
        self._not_playing("open a scene")
        self._asset(path, "Scene")
        scene = self.graph.scenes.get(path) or self.graph.add_scene(
            Scene(_stem(path), path, loaded=False)
        )
        before = list(self.graph.loaded)
        self.graph.load(scene, additive=p.additive)
        unloaded = [s.name for s in before if not s.loaded]
        self._drop_unloaded_selection()
        self._emit("scene_opened", {"name": scene.name, "path": path, "additive": p.additive})
        self._touched(scene, hierarchy=True, dirty=False)
        self._hierarchy_changed.update(unloaded)
        return self._scene_result(scene)

    def _save_scene(self, p: SaveSceneParams) -> Outcome:
        self._not_playing("save a scene")
        scene = self._active_scene() if p.scene is None else self._loaded_scene(p.scene)
        created = False
        if p.path is not None:
            path = _asset_path(p.path, ".unity")
            if path != scene.path:
                other = self.graph.scenes.get(path)
                if other is not None and other.loaded:
                    raise CommandError(f"'{path}' is open as scene '{other.name}'")
                existing = self.assets.get(path)
                if existing is not None and existing.type != "Scene":
                    raise CommandError(f"'{path}' is a {existing.type}, not a scene")
                del self.graph.scenes[scene.path]
                scene.path, scene.name = path, _stem(path)
                self.graph.scenes[path] = scene
                created = existing is None
                self.assets[path] = Asset("Scene", self._guid(path))
        scene.dirty = False
        self._emit("scene_saved", {"name": scene.name, "path": scene.path})
        if created:
            self._emit("assets_imported", {"paths": [scene.path]})
        return self._scene_result(scene)

    def _create_scene(self, p: CreateSceneParams) -> Outcome:
        path = _asset_path(p.path, ".unity")
        self._not_playing("create a scene")
        if path in self.assets:
            raise CommandError(f"an asset already exists at '{path}'; open it with open_scene")
        self.assets[path] = Asset("Scene", self._guid(path))
        scene = self.graph.add_scene(Scene(_stem(path), path, loaded=False))
        self.graph.load(scene, additive=p.additive)
        self._drop_unloaded_selection()
        self._emit("assets_imported", {"paths": [path]})
        self._emit(
            "scene_opened",
            {"name": scene.name, "path": path, "additive": p.additive, "created": True},
        )
        self._touched(scene, hierarchy=True, dirty=False)
        return self._scene_result(scene)

    def _set_active_scene(self, p: SetActiveSceneParams) -> Outcome:
        scene = self._loaded_scene(p.scene)
        self.graph.active = scene
        return self._scene_result(scene)

    def _scene_result(self, scene: Scene) -> dict[str, Any]:
        active = self.graph.active
        return {
            "scene": scene.info(scene is active),
            "loaded_scenes": [s.info(s is active) for s in self.graph.loaded],
        }

    # ── assets ──────────────────────────────────────────────────────────────────────

    def _search_assets(self, p: SearchAssetsParams) -> Outcome:
        types: set[str] = set()
        words: list[str] = []
        for token in p.query.split():
            if token.lower().startswith("t:"):
                wanted = token[2:].lower()
                types.add(TYPE_ALIASES.get(wanted, wanted))
            elif not token.lower().startswith("l:"):
                words.append(token.casefold())
        folder = None if p.folder is None else _asset_path(p.folder).rstrip("/") + "/"
        matches = [
            (path, asset)
            for path, asset in sorted(self.assets.items())
            if (folder is None or path.startswith(folder))
            and (not types or asset.type in types or asset.type.lower() in types)
            and all(word in _stem(path).casefold() for word in words)
        ]
        page = matches[p.offset : p.offset + p.limit]
        end = p.offset + len(page)
        return {
            "assets": [{"path": path, "type": a.type, "guid": a.guid} for path, a in page],
            "total": len(matches),
            "next_offset": end if end < len(matches) else None,
        }

    def _refresh_assets(self, p: RefreshParams) -> Outcome:
        imported = sorted(self.pending_imports)
        self.pending_imports.clear()
        body: dict[str, Any] = {"success": True, "compiled": False, "errors": [], "imported": []}
        if not imported:
            return body
        body["imported"] = imported
        self._emit("assets_imported", {"paths": imported})
        if not any(path.endswith(".cs") for path in imported):
            return body
        errors = self._compile()
        body.update(compiled=not errors, errors=errors)
        return Compilation(body, errors)

    def _delete_asset(self, p: DeleteAssetParams) -> Outcome:
        path = _asset_path(p.path)
        if path in self.assets:
            doomed = [path]
        else:
            doomed = sorted(a for a in self.assets if a.startswith(path.rstrip("/") + "/"))
        if not doomed:
            raise CommandError(f"no asset at '{path}'")
        for target in doomed:
            scene = self.graph.scenes.get(target)
            if scene is not None and scene.loaded:
                raise CommandError(
                    f"scene '{scene.name}' is open; open another scene before deleting it"
                )
        for target in doomed:
            del self.assets[target]
            self.graph.forget(target)
            self.pending_imports.discard(target)
        self._emit("assets_deleted", {"paths": doomed})
        body = {"success": True, "message": f"deleted {len(doomed)} asset(s)", "deleted": doomed}
        if any(target.endswith(".cs") for target in doomed):
            return Compilation(body, self._compile())
        return body

    def _create_material(self, p: CreateMaterialParams) -> Outcome:
        path = _asset_path(p.path, ".mat")
        if path in self.assets:
            raise CommandError(f"an asset already exists at '{path}'; use modify_material")
        properties = self._material_properties(p.shader, {}, p.color, p.properties)
        asset = Asset("Material", self._guid(path), {"shader": p.shader, "properties": properties})
        self.assets[path] = asset
        self._emit("assets_imported", {"paths": [path]})
        return _material_result(path, asset)

    def _modify_material(self, p: ModifyMaterialParams) -> Outcome:
        path = _asset_path(p.path)
        asset = self._asset(path, "Material")
        shader = p.shader or asset.data["shader"]
        properties = self._material_properties(
            shader, asset.data["properties"], p.color, p.properties
        )
        asset.data.update(shader=shader, properties=properties)
        self._emit("assets_imported", {"paths": [path]})
        return _material_result(path, asset)

    def _material_properties(
        self,
        shader: str,
        current: dict[str, Any],
        color: list[float] | None,
        changes: dict[str, Any],
    ) -> dict[str, Any]:
        defaults = SHADERS.get(shader)
        if defaults is None:
            raise CommandError(
                f"shader '{shader}' not found; available: {', '.join(sorted(SHADERS))}"
            )
        # Like Unity, a shader switch keeps the values of properties both shaders have.
        properties = copy.deepcopy(defaults)
        properties.update({k: v for k, v in current.items() if k in properties})
        if color is not None:
            main = next((k for k in ("_BaseColor", "_Color") if k in properties), None)
            if main is None:
                raise CommandError(f"shader '{shader}' has no color property")
            properties[main] = self._checked_value(f"{shader}.{main}", properties[main], color)
        for key, value in changes.items():
            if key not in properties:
                known = ", ".join(properties)
                raise CommandError(f"shader '{shader}' has no property '{key}'; it has: {known}")
            properties[key] = self._checked_value(f"{shader}.{key}", properties[key], value)
        return properties

    def _assign_material(self, p: AssignMaterialParams) -> Outcome:
        obj = self._target(p)
        path = _asset_path(p.material_path)
        self._asset(path, "Material")
        renderer = next((c for t, c in obj.components.items() if t in RENDERERS), None)
        if renderer is None:
            raise CommandError(f"'{obj.path}' has no Renderer; add a MeshRenderer first")
        materials: list[Any] = renderer.properties.setdefault("materials", [])
        if p.slot < len(materials):
            materials[p.slot] = path
        elif p.slot == len(materials):
            materials.append(path)
        else:
            raise CommandError(
                f"material slot {p.slot} is out of range; the {renderer.type} of "
                f"'{obj.path}' has {len(materials)} slot(s)"
            )
        self._touched(obj.scene, hierarchy=False)
        return {"object": obj.summary(), "component": renderer.to_dict()}

    # ── scripts and the compiler ────────────────────────────────────────────────────

    def _write_script(self, p: WriteScriptParams) -> Outcome:
        path = _asset_path(p.path, ".cs")
        asset = self.assets.get(path)
        if asset is not None and asset.type != "Script":
            raise CommandError(f"'{path}' is a {asset.type}, not a script")
        self.script_writes[path] += 1
        created = asset is None
        if asset is None:
            asset = self.assets[path] = Asset("Script", self._guid(path))
        elif asset.data.get("contents") == p.contents and path not in self.pending_imports:
            # Same bytes: Unity sees no change, so nothing is imported or compiled.
            return {
                "path": path,
                "created": False,
                "compiled": not self.compile_errors,
                "errors": list(self.compile_errors),
            }
        asset.data["contents"] = p.contents
        self.pending_imports.discard(path)
        self._emit("assets_imported", {"paths": [path]})
        errors = self._compile()
        body = {"path": path, "created": created, "compiled": not errors, "errors": errors}
        return Compilation(body, errors)

    def _read_script(self, p: ReadScriptParams) -> Outcome:
        path = _asset_path(p.path, ".cs")
        text = str(self._asset(path, "Script").data.get("contents", ""))
        contents, count, next_offset = scripts.read_page(text, p.offset, p.limit)
        return {
            "path": path,
            "contents": contents,
            "sha256": scripts.sha256_hex(text),
            "line_count": count,
            "offset": p.offset,
            "next_offset": next_offset,
        }

    def _edit_script(self, p: EditScriptParams) -> Outcome:
        path = _asset_path(p.path, ".cs")
        text = str(self._asset(path, "Script").data.get("contents", ""))
        current = scripts.sha256_hex(text)
        if p.sha256.lower() != current:
            raise CommandError(
                f"'{path}' changed since it was read: its SHA-256 is now {current}, not "
                f"{p.sha256.lower()}; read_script it again and redo the edits"
            )
        try:
            edited = scripts.apply_edits(text, p.edits)
        except scripts.EditRangeError as exc:
            raise CommandError(f"'{path}' was not changed: {exc}") from None
        outcome = self._write_script(WriteScriptParams(path=path, contents=edited))
        body = outcome.body if isinstance(outcome, Compilation) else outcome
        body.update(sha256=scripts.sha256_hex(edited), line_count=scripts.Lines.of(edited).count())
        return outcome

    # ── undo and redo (catalog v2) ──────────────────────────────────────────────────

    def _undo(self, p: UndoParams) -> Outcome:
        return self._undo_redo(p.steps, redo=False)

    def _redo(self, p: UndoParams) -> Outcome:
        return self._undo_redo(p.steps, redo=True)

    def _undo_redo(self, steps: int, *, redo: bool) -> Outcome:
        state, names = self.history.step(steps, redo=redo, graph=self.graph, assets=self.assets)
        if state is not None:
            self._put_back(state)
        return {"steps": len(names), "names": names}

    def _put_back(self, state: undo.State) -> None:
        self.graph = undo.restore(state, self.assets)
        self._drop_unloaded_selection()
        self._touched(*self.graph.loaded)

    def _compile(self) -> list[dict[str, Any]]:
        """Compile every script, as Unity does after any script changes.

        On success the MonoBehaviours become usable; on failure the previous assemblies
        stay loaded. Either way the console shows this compile's messages only.
        """
        self.compiles += 1
        diagnostics, classes = check_project(self._script_sources())
        self.console = [entry for entry in self.console if not entry.from_compiler]
        for diagnostic in diagnostics:
            log_type = "Error" if diagnostic.severity == "error" else "Warning"
            self._log(log_type, diagnostic.console_text, "", from_compiler=True)
        errors = [d.to_dict() for d in diagnostics if d.severity == "error"]
        self.compile_errors = errors
        if not errors:
            self.script_classes = classes
        return errors

    def _script_sources(self) -> dict[str, str]:
        return {
            path: str(asset.data.get("contents", ""))
            for path, asset in self.assets.items()
            if asset.type == "Script"
        }

    def _script_path(self, class_name: str) -> str | None:
        for path, asset in self.assets.items():
            if asset.type == "Script" and _stem(path) == class_name:
                return path
        return None

    def _script_source(self, class_name: str) -> str:
        path = self._script_path(class_name)
        return "" if path is None else str(self.assets[path].data.get("contents", ""))

    # ── console ─────────────────────────────────────────────────────────────────────

    def _read_console(self, p: ReadConsoleParams) -> Outcome:
        wanted = set(p.types) if p.types is not None else None
        entries = [e for e in reversed(self.console) if wanted is None or e.type in wanted]
        page = entries[p.offset : p.offset + p.limit]
        end = p.offset + len(page)
        return {
            "entries": [e.to_dict(p.include_stacktrace) for e in page],
            "total": len(entries),
            "next_offset": end if end < len(entries) else None,
        }

    def _clear_console(self, p: NoParams) -> Outcome:
        # Unity's Clear keeps compiler errors: they go only when the code compiles.
        kept = [entry for entry in self.console if entry.from_compiler]
        cleared = len(self.console) - len(kept)
        self.console = kept
        self._emit("console_cleared", {})
        return {"success": True, "message": f"cleared {cleared} console entries"}

    def _log(
        self, log_type: str, message: str, stacktrace: str, *, from_compiler: bool = False
    ) -> ConsoleEntry:
        entry = ConsoleEntry(log_type, message, stacktrace, self.clock(), from_compiler)
        self.console.append(entry)
        self._emit("log_message", {"type": log_type, "message": message, "stacktrace": stacktrace})
        return entry

    # ── editor ──────────────────────────────────────────────────────────────────────

    def _get_editor_state(self, p: NoParams) -> Outcome:
        return {
            "unity_version": self.unity_version,
            "project_path": self.project_path,
            "is_playing": self.is_playing,
            "is_paused": self.is_paused,
            "is_compiling": self.is_compiling,
            "active_scene": self._active_scene().name,
            "loaded_scenes": [scene.name for scene in self.graph.loaded],
            "selection": list(self.selection),
            "has_compile_errors": bool(self.compile_errors),
        }

    def _set_play_mode(self, p: PlayModeParams) -> Outcome:
        before = (self.is_playing, self.is_paused)
        if p.action == "play" and not self.is_playing:
            if self.compile_errors:
                raise CommandError(
                    "All compiler errors have to be fixed before you can enter playmode!"
                )
            self.is_playing, self.frame = True, 0
            self._run_start_methods()
        elif p.action == "stop":
            self.is_playing = self.is_paused = False
        elif p.action == "pause":
            self.is_paused = True
        elif p.action == "unpause":
            self.is_paused = False
        elif p.action == "step":
            if not self.is_playing:
                raise CommandError("step works only in play mode; play first")
            self.is_paused = True
            self.frame += 1
        if (self.is_playing, self.is_paused) != before:
            self._emit("play_mode_changed", self._play_state(before[0]))
        return {"is_playing": self.is_playing, "is_paused": self.is_paused, "frame": self.frame}

    def _play_state(self, was_playing: bool) -> dict[str, Any]:
        if self.is_playing != was_playing:
            state = "EnteredPlayMode" if self.is_playing else "EnteredEditMode"
        else:
            state = "Paused" if self.is_paused else "Unpaused"
        return {"state": state, "is_playing": self.is_playing, "is_paused": self.is_paused}

    def _run_start_methods(self) -> None:
        """The ``Debug.Log("...")`` calls of the scripts in the scene, as play mode starts."""
        logs: dict[str, list[tuple[str, str, int]]] = {}
        budget = 1_000
        for obj in self.graph.objects.values():
            if not obj.scene.loaded or not obj.active:
                continue
            for name in obj.components:
                if name not in self.script_classes:
                    continue
                if name not in logs:
                    logs[name] = debug_logs(self._script_source(name))
                for log_type, message, line in logs[name]:
                    path = self._script_path(name)
                    self._log(log_type, message, f"{name}:Start () (at {path}:{line})")
                    budget -= 1
                    if budget == 0:
                        return

    def _get_selection(self, p: NoParams) -> Outcome:
        return {"objects": [obj.summary() for obj in self._selected()]}

    def _set_selection(self, p: SetSelectionParams) -> Outcome:
        chosen: list[GameObject] = []
        missing: list[str] = []
        for path in p.paths:
            obj = self.graph.find(path)
            if obj is None:
                missing.append(repr(path))
            else:
                chosen.append(obj)
        for instance_id in p.instance_ids:
            found = self.graph.get(instance_id)
            if found is None:
                missing.append(str(instance_id))
            else:
                chosen.append(found)
        if missing:
            raise CommandError(f"GameObjects not found in the loaded scenes: {', '.join(missing)}")
        self._select(list({obj.instance_id: obj for obj in chosen}.values()))
        return {"objects": [obj.summary() for obj in self._selected()]}

    def _select(self, objects: list[GameObject]) -> None:
        self.selection = [obj.instance_id for obj in objects]
        self._emit(
            "selection_changed",
            {
                "instance_ids": list(self.selection),
                "names": [obj.name for obj in objects],
            },
        )

    def _selected(self) -> list[GameObject]:
        return [obj for i in self.selection if (obj := self.graph.get(i)) is not None]

    def _execute_menu_item(self, p: MenuItemParams) -> Outcome:
        path = p.menu_path.strip().strip("/")
        primitive = path.removeprefix("GameObject/3D Object/")
        created: GameObject | None = None
        result: dict[str, Any] = {"success": True, "message": f"executed '{path}'"}
        if path.startswith("GameObject/3D Object/") and primitive in _MENU_PRIMITIVES:
            created = self._create_from_menu(primitive, primitive_components(primitive))
        elif path == "GameObject/Create Empty":
            created = self._create_from_menu("GameObject", {})
        elif path == "GameObject/Light/Directional Light":
            light = {"Light": builtin_component("Light")}
            created = self._create_from_menu("Directional Light", light)
        elif path == "GameObject/Camera":
            camera = {"Camera": builtin_component("Camera")}
            created = self._create_from_menu("Camera", camera)
        elif path == "Assets/Refresh":
            refreshed = self._refresh_assets(RefreshParams())
            if isinstance(refreshed, Compilation):
                return Compilation(result, refreshed.errors, answer_first=True)
        elif path == "Edit/Play":
            toggle = "stop" if self.is_playing else "play"
            self._set_play_mode(PlayModeParams.model_validate({"action": toggle}))
        elif path == "Edit/Pause":
            toggle = "unpause" if self.is_paused else "pause"
            self._set_play_mode(PlayModeParams.model_validate({"action": toggle}))
        elif path == "Edit/Step":
            self._set_play_mode(PlayModeParams(action="step"))
        elif path == "File/Save":
            self._save_scene(SaveSceneParams.model_validate({}))
        elif path not in ("File/Save Project", "Window/General/Console"):
            raise CommandError(f"ExecuteMenuItem failed because there is no menu named '{path}'")
        if created is not None:
            result["object"] = created.summary()
        return result

    def _create_from_menu(self, name: str, components: dict[str, Component]) -> GameObject:
        scene = self._active_scene()
        obj = self.graph.create(_unique_name(name, scene.roots), scene, None, components=components)
        self._touched(scene)
        self._select([obj])
        return obj

    def _get_project_settings(self, p: ProjectSettingsParams) -> Outcome:
        return {"category": p.category, "settings": copy.deepcopy(self.settings[p.category])}

    # ── batch ───────────────────────────────────────────────────────────────────────

    def _batch(self, params: dict[str, Any]) -> Outcome:
        steps = params.get("steps")
        if not isinstance(steps, list) or not 1 <= len(steps) <= 50:
            raise CommandError("batch needs a list of 1 to 50 'steps'")
        atomic = params.get("atomic", False) is True
        if atomic:  # every step is checked before any runs: a refusal changes nothing
            for number, step in enumerate(steps, 1):
                tool, command, _, problem = _batch_step(step)
                refusal = problem or atomic_step_refusal(TOOLS_BY_COMMAND[command])
                if refusal is not None:
                    raise CommandError(f"batch step {number} ({tool}) {refusal}")
        results: list[dict[str, Any]] = []
        compiled = False
        stopped = False
        ran: list[str] = []  # the commands that succeeded
        # The batch is one undo group; an atomic one copies the world whatever its size.
        state = self.history.capture(self.graph, self.assets, force=atomic)
        self.history.suspended += 1
        try:
            for step in steps:
                tool, command, arguments, problem = _batch_step(step)
                outcome: Outcome = (
                    {"error": problem} if problem else self.execute(command, arguments)
                )
                if isinstance(outcome, Compilation):
                    compiled, outcome = True, outcome.body
                error = unity_error(outcome)
                if error is not None:
                    results.append({"tool": tool, "success": False, "error": error})
                    stopped = True
                    break
                results.append({"tool": tool, "success": True, "result": outcome})
                ran.append(command)
        finally:
            self.history.suspended -= 1
        rolled_back = atomic and stopped and state is not None
        if rolled_back and state is not None:  # Undo.RevertAllDownToGroup
            self._put_back(state)
        else:
            self.history.after_batch(ran, state)
        body = {
            "results": results,
            "completed": sum(1 for r in results if r["success"]),
            "stopped_on_error": stopped,
            "rolled_back": rolled_back,
        }
        if compiled:
            return Compilation(body, list(self.compile_errors), answer_first=True)
        return body

    # ── helpers ─────────────────────────────────────────────────────────────────────

    def _capture_view(self, p: CaptureViewParams) -> Outcome:
        return capture_view(self.graph.loaded, self.assets, p.view, p.camera, (p.width, p.height))

    def _list_tests(self, p: ListTestsParams) -> Outcome:
        return testing.list_tests(p)

    def _run_tests(self, p: RunTestsParams) -> Outcome:
        answer = testing.run_tests(p)
        if p.mode == "PlayMode" and "error" not in answer:  # play mode reloads the domain
            return Compilation(answer, [])
        return answer

    # ── packages (catalog v2): simulator/packages.py; a resolve recompiles and reloads ──

    def _list_packages(self, p: ListPackagesParams) -> Outcome:
        return self.package_manager.list(p)

    def _add_package(self, p: AddPackageParams) -> Outcome:
        return self._resolved(lambda: self.package_manager.add(p))

    def _remove_package(self, p: RemovePackageParams) -> Outcome:
        return self._resolved(lambda: self.package_manager.remove(p))

    def _resolved(self, change: Callable[[], dict[str, Any]]) -> Outcome:
        try:
            body = change()
        except PackageError as exc:
            raise CommandError(str(exc)) from None
        errors = self._compile()
        return Compilation({**body, "compiled": not errors, "errors": errors}, errors)

    def _target(self, p: ObjectTarget) -> GameObject:
        if p.instance_id is not None:
            obj = self.graph.get(p.instance_id)
            if obj is None:
                raise CommandError(
                    f"no GameObject with instance id {p.instance_id} in the loaded scenes"
                )
            return obj
        assert p.path is not None
        found = self.graph.find(p.path)
        if found is None:
            raise CommandError(f"GameObject '{p.path}' not found in the loaded scenes")
        return found

    def _parent(self, path: str | None) -> GameObject | None:
        if path is None:
            return None
        parent = self.graph.find(path)
        if parent is None:
            raise CommandError(f"parent GameObject '{path}' not found in the loaded scenes")
        return parent

    def _active_scene(self) -> Scene:
        scene = self.graph.active
        assert scene is not None, "the editor always has an active scene"
        return scene

    def _loaded_scene(self, name: str) -> Scene:
        scene = self.graph.loaded_scene(name)
        if scene is None:
            loaded = ", ".join(s.name for s in self.graph.loaded)
            raise CommandError(f"scene '{name}' is not loaded; loaded scenes: {loaded}")
        return scene

    def _asset(self, path: str, asset_type: str) -> Asset:
        asset = self.assets.get(path)
        if asset is None:
            raise CommandError(f"no {asset_type.lower()} asset at '{path}'")
        if asset.type != asset_type:
            raise CommandError(f"'{path}' is a {asset.type}, not a {asset_type.lower()}")
        return asset

    def _not_playing(self, what: str) -> None:
        if self.is_playing:
            raise CommandError(f"cannot {what} in play mode; stop play mode first")

    def _touched(self, *scenes: Scene, hierarchy: bool = True, dirty: bool = True) -> None:
        """Scenes changed: dirty them (edit mode only) and announce the hierarchy change."""
        for scene in scenes:
            if dirty and not self.is_playing:
                scene.dirty = True
            if hierarchy:
                self._hierarchy_changed.add(scene.name)

    def _drop_unloaded_selection(self) -> None:
        kept = [i for i in self.selection if self.graph.get(i) is not None]
        if kept != self.selection:
            self._select([obj for i in kept if (obj := self.graph.get(i)) is not None])

    def _guid(self, path: str) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.project_path}/{path}").hex


# ── running it against a server ─────────────────────────────────────────────────────

READ_ONLY_COMMANDS = frozenset(spec.command for spec in UNITY_TOOLS if spec.read_only)


async def run_simulated_editor(
    url: str,
    *,
    project_path: str = DEFAULT_PROJECT_PATH,
    objects: int | None = None,
    token: str | None = None,
    stop: StopSignal | None = None,
    editor: SimulatedEditor | None = None,
    unity_version: str = DEFAULT_UNITY_VERSION,
    heartbeat_interval: float | None = 30.0,
    reconnect_delay: float = 0.25,
    max_reconnect_delay: float = 5.0,
) -> None:
    """Keep a simulated editor connected to the server at ``url`` until ``stop`` is set.

    Like the plug-in, it reconnects with ``conn_seq`` + 1 after any drop, backing off
    from ``reconnect_delay`` up to ``max_reconnect_delay``, and gives up only when a
    newer connection of its session took over (4001). Pass ``editor`` to watch it.
    """
    editor = editor or SimulatedEditor(
        project_path=project_path, unity_version=unity_version, objects=objects
    )
    peer = SimulatedUnity(
        url,
        project_path=editor.project_path,
        unity_version=editor.unity_version,
        # One project, one session across restarts of the simulator, as with the plug-in.
        session_id=derive_session_id(editor.project_path),
        token=token,
        heartbeat_interval=heartbeat_interval,
        handlers=editor.handlers(),
        # Like the plug-in: ACK what changes the project (the ACK decides whether a lost
        # command may be resent); reads are simply answered.
        ack_commands=lambda command: command not in READ_ONLY_COMMANDS,
    )
    editor.attach(peer)
    stopped = stop if stop is not None else asyncio.Event()
    delay = reconnect_delay
    try:
        while not stopped.is_set():
            try:
                await peer.connect()
            except HandshakeRejected as exc:
                logger.warning("simulated editor refused: %s", exc)
            except (OSError, TimeoutError, WebSocketException) as exc:
                logger.info("simulated editor cannot reach %s: %s", url, exc)
            else:
                logger.info("simulated editor connected (conn_seq %d)", peer.conn_seq)
                delay = reconnect_delay
                await peer.flush_deferred()
                await _first(peer.wait_dropped(), stopped.wait())
                if stopped.is_set():
                    break
                closed = peer.closed_by_server
                if closed is not None and closed[0] == 4001:
                    logger.info("simulated editor superseded by a newer connection; stopping")
                    return
                logger.info("simulated editor lost its connection (%s); reconnecting", closed)
            await _first(asyncio.sleep(delay), stopped.wait())
            delay = min(delay * 2, max_reconnect_delay)
            peer.conn_seq += 1
    finally:
        await peer.aclose()


async def _first(*awaitables: Any) -> None:
    """Wait until one of ``awaitables`` finishes; cancel the others."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


# ── small pure helpers ──────────────────────────────────────────────────────────────

_MENU_PRIMITIVES = frozenset({"Cube", "Sphere", "Capsule", "Cylinder", "Plane", "Quad"})


def _asset_path(path: str, suffix: str | None = None) -> str:
    """The simulator's own check that a path stays inside Assets/ (the models check too)."""
    try:
        return project_relative(path, suffix=suffix)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _type_for(path: str) -> str:
    extension = posixpath.splitext(path)[1].lower()
    return {
        ".cs": "Script",
        ".mat": "Material",
        ".prefab": "Prefab",
        ".unity": "Scene",
        ".png": "Texture2D",
        ".jpg": "Texture2D",
    }.get(extension, "DefaultAsset")


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def _vec(value: list[float] | None, default: Vec3) -> Vec3:
    return default if value is None else (float(value[0]), float(value[1]), float(value[2]))


def _vec3_value(what: str, value: Any) -> Vec3:
    if not isinstance(value, list) or len(value) != 3 or not all(_is_number(v) for v in value):
        raise CommandError(f"{what} expects [x, y, z], got {value!r}")
    return (float(value[0]), float(value[1]), float(value[2]))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _world_scale(obj: GameObject | None) -> Vec3:
    x, y, z = ONE
    while obj is not None:
        sx, sy, sz = obj.scale
        x, y, z = x * sx, y * sy, z * sz
        obj = obj.parent
    return (x, y, z)


def _local_from_world(world: Vec3, parent: GameObject | None) -> Vec3:
    if parent is None:
        return world
    origin = parent.world_position()
    scale = _world_scale(parent)
    return tuple(  # type: ignore[return-value]
        (w - o) / s if s else 0.0 for w, o, s in zip(world, origin, scale, strict=True)
    )


def _layer_number(layer: str | int) -> int:
    if isinstance(layer, int):
        if not 0 <= layer <= 31:
            raise CommandError(f"layer {layer} is out of range 0..31")
        return layer
    if layer.isdigit():
        return _layer_number(int(layer))
    for number, name in LAYERS.items():
        if name == layer:
            return number
    raise CommandError(f"layer '{layer}' is not defined; layers: {', '.join(LAYERS.values())}")


def _copy_name(name: str, siblings: Iterable[GameObject]) -> str:
    """Unity's duplicate naming: 'Cube' → 'Cube (1)', 'Cube (1)' → 'Cube (2)'."""
    base = re.sub(r" \(\d+\)$", "", name)
    taken = {sibling.name for sibling in siblings}
    number = 1
    while f"{base} ({number})" in taken:
        number += 1
    return f"{base} ({number})"


def _unique_name(name: str, siblings: Iterable[GameObject]) -> str:
    taken = {sibling.name for sibling in siblings}
    return name if name not in taken else _copy_name(name, siblings)


def _material_result(path: str, asset: Asset) -> dict[str, Any]:
    properties = copy.deepcopy(asset.data["properties"])
    color = properties.get("_BaseColor", properties.get("_Color"))
    result = {"path": path, "shader": asset.data["shader"], "properties": properties}
    if color is not None:
        result["color"] = color
    return result


def _batch_step(step: Any) -> tuple[str, str, dict[str, Any], str | None]:
    """(tool, command, params, problem) of one batch step in the server's wire form."""
    if not isinstance(step, dict):
        return "?", "", {}, "a batch step must be an object"
    tool = str(step.get("tool", "?"))
    spec = TOOLS_BY_NAME.get(tool)
    command = step.get("command") or (spec.command if spec is not None else "")
    params = step.get("params", step.get("arguments", {}))
    if command == "batch" or tool == "batch":
        return tool, "", {}, "a batch cannot contain another batch"
    if command not in TOOLS_BY_COMMAND:
        return tool, "", {}, f"unknown tool {tool!r}"
    if not isinstance(params, dict):
        return tool, command, {}, "a batch step's params must be an object"
    return tool, command, params, None
