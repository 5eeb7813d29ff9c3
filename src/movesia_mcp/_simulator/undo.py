"""The simulated editor's undo history (catalog v2): undo, redo and atomic batches.

Each undoable command (the ones the Unity handlers record with ``Undo.*``) is one undo
group: before it runs, the scene graph and the material assets' data are copied; undo
puts that copy back (keeping the present for redo). A batch is one group; an atomic
batch that fails puts its copy back at once, as ``Undo.RevertAllDownToGroup`` does.

Commands that replace the scene graph wholesale (opening or creating a scene, play
mode, a menu item, prefab apply/revert) clear the history, so an undo never brings back
a world that no longer matches the open scenes. File changes (scripts, new or deleted
assets) are not undoable in Unity either and leave the history alone.

The copies are whole-state (pickled): past ``MAX_OBJECTS`` objects (the benchmarks' generated
scenes) the history is switched off and cleared instead of copying on every change.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from ..catalog import TOOLS_BY_COMMAND
from ..catalog._tools import UNDOABLE_COMMANDS
from .project import Asset
from .scene import SceneGraph

UNDOABLE = UNDOABLE_COMMANDS
# Leave the history as it is: reads, file and asset changes, the console, the selection.
KEEPS_HISTORY: frozenset[str] = frozenset(
    {
        "write_script",
        "edit_script",
        "create_material",
        "delete_asset",
        "refresh_assets",
        "clear_console",
        "set_selection",
        "save_scene",
        "undo",
        "redo",
        "batch",
    }
)
BATCH_GROUP = "Movesia batch"  # the group name BatchHandler.cs gives
MAX_OBJECTS = 5_000
MAX_GROUPS = 100


@dataclass(slots=True)
class State:
    """The scene graph and the material assets' data, pickled (cheaper than a deep copy,
    and nothing later can change a recorded state by accident)."""

    frozen: bytes

    @classmethod
    def of(cls, graph: SceneGraph, materials: dict[str, dict[str, Any]]) -> State:
        return cls(pickle.dumps((graph, materials), protocol=pickle.HIGHEST_PROTOCOL))

    def thaw(self) -> tuple[SceneGraph, dict[str, dict[str, Any]]]:
        graph, materials = pickle.loads(self.frozen)  # only bytes this module made
        return graph, materials


@dataclass(slots=True)
class Group:
    name: str
    state: State  # the world on the other side of this group


def group_name(command: str) -> str:
    spec = TOOLS_BY_COMMAND.get(command)
    return spec.title if spec is not None else command


class UndoHistory:
    """Undo and redo stacks of whole-state copies, most recent last."""

    def __init__(self) -> None:
        self.undo_stack: list[Group] = []
        self.redo_stack: list[Group] = []
        self.suspended = 0  # inside a batch: its steps are one group

    def capture(
        self, graph: SceneGraph, assets: dict[str, Asset], *, force: bool = False
    ) -> State | None:
        """A copy of what undo restores, or None when the scene is too big to copy
        (unless ``force``: an atomic batch copies whatever the size)."""
        if len(graph.objects) > MAX_OBJECTS and not force:
            return None
        materials = {p: a.data for p, a in assets.items() if a.type == "Material"}
        return State.of(graph, materials)

    def before(self, command: str, graph: SceneGraph, assets: dict[str, Asset]) -> State | None:
        """Called before ``command`` runs: the state to record if it succeeds."""
        if self.suspended or command not in UNDOABLE:
            return None
        return self.capture(graph, assets)

    def after(self, command: str, state: State | None, name: str | None = None) -> None:
        """``command`` succeeded: record its group, or forget what it invalidated."""
        if self.suspended:
            return
        if command in UNDOABLE or name is not None:
            if state is None:  # too big to copy: nothing before this can be undone either
                self.clear()
                return
            self.undo_stack.append(Group(name or group_name(command), state))
            del self.undo_stack[:-MAX_GROUPS]
            self.redo_stack.clear()
        elif command not in KEEPS_HISTORY and _writes(command):
            self.clear()

    def after_batch(self, commands: list[str], state: State | None) -> None:
        """A batch ran ``commands``: one group named as Unity's, unless one cleared the
        history (then it stays cleared) or none was undoable."""
        if self.suspended:
            return
        if any(c not in UNDOABLE and c not in KEEPS_HISTORY for c in commands if _writes(c)):
            self.clear()
        elif any(c in UNDOABLE for c in commands):
            self.after("batch", state, name=BATCH_GROUP)

    def clear(self) -> None:
        self.undo_stack.clear()
        self.redo_stack.clear()

    def step(
        self, steps: int, *, redo: bool, graph: SceneGraph, assets: dict[str, Asset]
    ) -> tuple[State | None, list[str]]:
        """Undo (or redo) up to ``steps`` groups: the state to put in place and the names."""
        source, target = (
            (self.redo_stack, self.undo_stack) if redo else (self.undo_stack, self.redo_stack)
        )
        names: list[str] = []
        restore: State | None = None
        while source and len(names) < steps:
            group = source.pop()
            present = restore or self.capture(graph, assets)
            if present is None:  # cannot happen below MAX_OBJECTS; stay consistent anyway
                self.clear()
                break
            target.append(Group(group.name, present))
            restore = group.state
            names.append(group.name)
        return restore, names


def restore(state: State, assets: dict[str, Asset]) -> SceneGraph:
    """Put the material data of ``state`` back; the graph to use from now on."""
    graph, materials = state.thaw()
    for path, data in materials.items():
        asset = assets.get(path)
        if asset is not None and asset.type == "Material":
            asset.data = data
    return graph


def _writes(command: str) -> bool:
    return not TOOLS_BY_COMMAND[command].read_only
