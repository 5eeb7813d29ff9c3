"""Batches: several tools in one round trip, optionally atomic (one undo group)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .._models import Params, Result
from .._spec import ToolSpec
from .undo import UNDOABLE_COMMANDS


class BatchStep(Params):
    tool: str = Field(description="Name of a Unity tool from this server, e.g. 'create_gameobject'")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="That tool's arguments, as for a direct call"
    )


class BatchParams(Params):
    steps: list[BatchStep] = Field(
        min_length=1, max_length=50, description="The steps, run in order (1 to 50)"
    )
    atomic: bool = Field(
        False,
        description="All steps in one undo group, rolled back if one fails. Only scene and "
        "material changes (what undo takes back) and reads may be steps then",
    )


class BatchStepResult(Result):
    tool: str
    success: bool
    result: dict[str, Any] | None = None
    error: str | None = None


class BatchResult(Result):
    results: list[BatchStepResult]
    completed: int = Field(description="Steps that succeeded before the first error, if any")
    stopped_on_error: bool
    rolled_back: bool = Field(
        False, description="True when an atomic batch failed and its completed steps were undone"
    )


def atomic_step_refusal(spec: ToolSpec) -> str | None:
    """Why ``spec`` cannot be a step of an atomic batch, or None when it can."""
    if spec.survives_reload:
        return (
            "cannot be in an atomic batch: it survives a domain reload (a compile or play "
            "mode), which Unity cannot roll back; run it on its own or in a batch without "
            "'atomic'"
        )
    if not spec.read_only and spec.command not in UNDOABLE_COMMANDS:
        return (
            "cannot be in an atomic batch: Unity's undo does not take it back, so a failed "
            "batch could not be rolled back; run it on its own or in a batch without 'atomic'"
        )
    return None
