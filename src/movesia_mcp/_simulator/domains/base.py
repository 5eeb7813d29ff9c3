"""What every command domain of the simulated editor shares.

``EditorCore`` holds the state of one Unity project in the editor (scenes, assets, the
console, the selection, play mode, the compiler's results) and the helpers more than one
domain uses: finding a target, dirtying scenes, queuing events, logging, compiling.
Each catalog domain adds its commands in a module of its own (``hierarchy.py``,
``components.py``, ...); ``simulator/editor.py`` puts them together as
``SimulatedEditor``.
"""

from __future__ import annotations

import abc
import math
import posixpath
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ...catalog import UNITY_TOOLS
from ...catalog._models import ObjectTarget, project_relative
from ...catalog._tools import RefreshParams, SaveSceneParams
from .. import undo
from ..compiler import check_project
from ..packages import PackageManager
from ..project import LAYERS, Asset, add_generated_objects, build_sample_project, project_settings
from ..scene import ONE, GameObject, Scene, SceneGraph, Vec3

DEFAULT_PROJECT_PATH = "/Users/dev/Projects/SimProject"
DEFAULT_UNITY_VERSION = "6000.0.23f1"


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


class EditorCore(abc.ABC):
    """The editor's state and the helpers its command domains share.

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

    def _emit(self, msg_type: str, body: dict[str, Any]) -> None:
        if self.peer is not None:  # with no one listening, nothing piles up
            self._outbox.append((msg_type, body))

    @property
    def is_compiling(self) -> bool:
        return self.peer is not None and self.peer.compiling

    def _log(
        self, log_type: str, message: str, stacktrace: str, *, from_compiler: bool = False
    ) -> ConsoleEntry:
        entry = ConsoleEntry(log_type, message, stacktrace, self.clock(), from_compiler)
        self.console.append(entry)
        self._emit("log_message", {"type": log_type, "message": message, "stacktrace": stacktrace})
        return entry

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
            if asset.type == "Script" and stem(path) == class_name:
                return path
        return None

    def _script_source(self, class_name: str) -> str:
        path = self._script_path(class_name)
        return "" if path is None else str(self.assets[path].data.get("contents", ""))

    def _put_back(self, state: undo.State) -> None:
        self.graph = undo.restore(state, self.assets)
        self._drop_unloaded_selection()
        self._touched(*self.graph.loaded)

    def _checked_value(self, what: str, old: Any, new: Any) -> Any:
        """``new`` if it has the type of the property's current value ``old``."""
        if isinstance(old, bool):
            if not isinstance(new, bool):
                raise CommandError(f"{what} expects true or false, got {new!r}")
        elif isinstance(old, int | float):
            if not is_number(new):
                raise CommandError(f"{what} expects a number, got {new!r}")
        elif isinstance(old, list):
            color_without_alpha = len(old) == 4 and isinstance(new, list) and len(new) == 3
            if (
                not isinstance(new, list)
                or not (len(new) == len(old) or color_without_alpha)
                or not all(is_number(v) for v in new)
            ):
                raise CommandError(f"{what} expects an array of {len(old)} numbers, got {new!r}")
            return [float(v) for v in new] + ([1.0] if color_without_alpha else [])
        elif isinstance(old, str):
            if not isinstance(new, str):
                raise CommandError(f"{what} expects a string, got {new!r}")
        elif new is not None:  # an object reference: an asset path, or null
            if not isinstance(new, str):
                raise CommandError(f"{what} expects an asset path or null, got {new!r}")
            if new.startswith("Assets/") and asset_path(new) not in self.assets:
                raise CommandError(f"{what}: no asset at '{new}'")
        return new

    def _select(self, objects: list[GameObject]) -> None:
        self.selection = [obj.instance_id for obj in objects]
        self._emit(
            "selection_changed",
            {
                "instance_ids": list(self.selection),
                "names": [obj.name for obj in objects],
            },
        )

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

    # ── what one domain needs of another ────────────────────────────────────────────

    @abc.abstractmethod
    def execute(self, command: str, params: dict[str, Any]) -> Outcome:
        """Run one command (``SimulatedEditor``); a batch runs its steps through it."""

    @abc.abstractmethod
    def _save_scene(self, p: SaveSceneParams) -> Outcome:
        """``scenes.py``; the File/Save menu item runs it."""

    @abc.abstractmethod
    def _refresh_assets(self, p: RefreshParams) -> Outcome:
        """``assets.py``; the Assets/Refresh menu item runs it."""


# ── small pure helpers ──────────────────────────────────────────────────────────────


def asset_path(path: str, suffix: str | None = None) -> str:
    """The simulator's own check that a path stays inside Assets/ (the models check too)."""
    try:
        return project_relative(path, suffix=suffix)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def type_for(path: str) -> str:
    extension = posixpath.splitext(path)[1].lower()
    return {
        ".cs": "Script",
        ".mat": "Material",
        ".prefab": "Prefab",
        ".unity": "Scene",
        ".png": "Texture2D",
        ".jpg": "Texture2D",
    }.get(extension, "DefaultAsset")


def stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def vec(value: list[float] | None, default: Vec3) -> Vec3:
    return default if value is None else (float(value[0]), float(value[1]), float(value[2]))


def vec3_value(what: str, value: Any) -> Vec3:
    if not isinstance(value, list) or len(value) != 3 or not all(is_number(v) for v in value):
        raise CommandError(f"{what} expects [x, y, z], got {value!r}")
    return (float(value[0]), float(value[1]), float(value[2]))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def world_scale(obj: GameObject | None) -> Vec3:
    x, y, z = ONE
    while obj is not None:
        sx, sy, sz = obj.scale
        x, y, z = x * sx, y * sy, z * sz
        obj = obj.parent
    return (x, y, z)


def local_from_world(world: Vec3, parent: GameObject | None) -> Vec3:
    if parent is None:
        return world
    origin = parent.world_position()
    scale = world_scale(parent)
    return tuple(  # type: ignore[return-value]
        (w - o) / s if s else 0.0 for w, o, s in zip(world, origin, scale, strict=True)
    )


def layer_number(layer: str | int) -> int:
    if isinstance(layer, int):
        if not 0 <= layer <= 31:
            raise CommandError(f"layer {layer} is out of range 0..31")
        return layer
    if layer.isdigit():
        return layer_number(int(layer))
    for number, name in LAYERS.items():
        if name == layer:
            return number
    raise CommandError(f"layer '{layer}' is not defined; layers: {', '.join(LAYERS.values())}")


def copy_name(name: str, siblings: Iterable[GameObject]) -> str:
    """Unity's duplicate naming: 'Cube' → 'Cube (1)', 'Cube (1)' → 'Cube (2)'."""
    base = re.sub(r" \(\d+\)$", "", name)
    taken = {sibling.name for sibling in siblings}
    number = 1
    while f"{base} ({number})" in taken:
        number += 1
    return f"{base} ({number})"


def unique_name(name: str, siblings: Iterable[GameObject]) -> str:
    taken = {sibling.name for sibling in siblings}
    return name if name not in taken else copy_name(name, siblings)
