"""Undo and redo, and which commands Unity's undo takes back."""

from __future__ import annotations

from pydantic import Field

from .._models import Params, Result

MAX_UNDO_STEPS = 50
# The commands the Unity handlers record in an undo group (Undo.RecordObject, ...): what
# undo takes back, and the only changes an atomic batch may hold.
UNDOABLE_COMMANDS: frozenset[str] = frozenset(
    {
        "create_gameobject",
        "duplicate_gameobject",
        "destroy_gameobject",
        "rename_gameobject",
        "set_parent",
        "move_to_scene",
        "add_component",
        "remove_component",
        "set_component_properties",
        "instantiate_prefab",
        "modify_material",
        "assign_material",
    }
)


class UndoParams(Params):
    steps: int = Field(
        1, ge=1, le=MAX_UNDO_STEPS, description=f"How many undo groups (1 to {MAX_UNDO_STEPS})"
    )


class UndoResult(Result):
    steps: int = Field(description="Undo groups undone (or redone) by this call")
    names: list[str] = Field(
        default_factory=list,
        description="Their group names, most recent first ('' where Unity names none)",
    )
