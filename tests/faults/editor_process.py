"""A simulated Unity editor in a process of its own, for tests that SIGKILL it.

    python editor_process.py WS_URL PROJECT_PATH

Runs ``run_simulated_editor`` (the same loop ``--simulate-unity`` uses) with a
``SimulatedEditor`` that also knows two test commands: ``hang`` (acked, never answered)
and ``slow`` (answered after ``seconds``).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from movesia_mcp._simulator import CommandHandler, NoAnswer, SimulatedEditor, run_simulated_editor
from movesia_mcp._simulator.peer import HandlerResult


class FaultEditor(SimulatedEditor):
    def handlers(self) -> dict[str, CommandHandler]:
        async def hang(params: dict[str, Any]) -> HandlerResult:
            return NoAnswer()

        async def slow(params: dict[str, Any]) -> HandlerResult:
            await asyncio.sleep(float(params.get("seconds", 30)))
            return {"slept": params.get("seconds", 30)}

        return {**super().handlers(), "hang": hang, "slow": slow}


def main() -> None:
    url, project_path = sys.argv[1], sys.argv[2]
    editor = FaultEditor(project_path=project_path)
    asyncio.run(run_simulated_editor(url, editor=editor, heartbeat_interval=None))


if __name__ == "__main__":
    main()
