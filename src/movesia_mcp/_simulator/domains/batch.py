"""``batch``: steps run in order, as one undo group; an atomic batch rolls back."""

from __future__ import annotations

from typing import Any

from ..._commands import unity_error
from ...catalog import TOOLS_BY_COMMAND, TOOLS_BY_NAME
from ...catalog._tools import atomic_step_refusal
from .base import CommandError, Compilation, EditorCore, Outcome


class BatchCommands(EditorCore):
    """Catalog domain *batch*."""

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
