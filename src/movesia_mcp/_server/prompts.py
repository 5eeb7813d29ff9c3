"""Prompts (catalog v2): short playbooks that help a model use the tools well.

Each names only tools this server offers (tests/mcp_e2e/test_prompts_e2e.py checks every
backticked tool name against ``tools/list``).
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import Field

from ..catalog._tools import package_id

INSPECT_FIRST = "inspect_scene_first"
FIX_COMPILE = "fix_compile_errors"
ADD_PACKAGE = "add_package_checked"
PROMPT_NAMES = (INSPECT_FIRST, FIX_COMPILE, ADD_PACKAGE)


def inspect_scene_first_text(goal: str) -> str:
    return f"""\
Goal in the Unity scene: {goal}

Look before you change anything:
1. Call `get_editor_state`: note the active scene, play mode and whether Unity is compiling
   (if it is, call `wait_for_compile` first).
2. Call `get_hierarchy` (depth 2) to see the scene; drill into a subtree with its 'root'
   argument and follow 'next_offset' rather than asking for everything at once.
3. Find the objects the goal is about with `find_objects` (by name, tag, layer or component)
   and read each one with `inspect_object` before changing it: its components and their
   property names are what `set_component_properties` expects.
4. Make the change with the fewest calls (`create_gameobject`, `add_component`,
   `set_component_properties`, or several steps in one `batch`).
5. Check the result: `inspect_object` the changed objects again and `read_console` with
   types ["Error", "Exception"]. Report what you changed, by hierarchy path.
Never guess a path or a property name: read it first.
"""


def fix_compile_errors_text(path: str | None, max_rounds: int) -> str:
    target = f"the script {path}" if path else "the project's scripts"
    return f"""\
Make {target} compile, in at most {max_rounds} rounds.

1. Call `wait_for_compile`: its 'last_compile' lists the current compiler errors with file,
   line and column. If it shows none, call `read_console` with types ["Error"] to be sure.
2. For each file with errors, fix the cause (not only the first line reported; one
   missing brace can produce many errors). Rewrite the whole file with `write_script`:
   it waits for Unity to compile and answers 'compiled' and 'errors'.
3. If 'compiled' is false, read the new 'errors' and go back to step 2 with them; stop
   after {max_rounds} rounds and report what is still failing and why.
4. When 'compiled' is true, call `read_console` with types ["Error", "Exception"] to check
   that nothing new fails at runtime, and report the files you changed.
Do not silence errors by deleting code the user needs; ask when a fix would change
behaviour.
"""


def add_package_checked_text(package: str) -> str:
    return f"""\
Add the package {package} to the Unity project and leave it compiling.

1. Call `list_packages`: if it is already installed at the wanted version, stop and say so.
2. Call `add_package` with package "{package}". It waits for the Package Manager, the
   compile and the domain reload (progress is reported meanwhile).
3. If 'compiled' is false, the 'errors' show what the new package broke: report them and
   offer a fix, or `remove_package` it if the user prefers.
4. Finish with `read_console` (types ["Error", "Exception"]) and report the installed
   name and version.
"""


def register_prompts(server: MCPServer) -> None:
    @server.prompt(
        INSPECT_FIRST,
        title="Inspect the scene before changing it",
        description="A playbook: read the editor state, the hierarchy and the target objects "
        "before changing the scene, then verify the change.",
    )
    def inspect_scene_first(
        goal: Annotated[str, Field(description="What should change in the scene")],
    ) -> str:
        return inspect_scene_first_text(goal)

    @server.prompt(
        FIX_COMPILE,
        title="Fix compile errors in a loop",
        description="A playbook: read the compiler errors, fix them with write_script and "
        "repeat until the project compiles.",
    )
    def fix_compile_errors(
        path: Annotated[
            str | None, Field(description="The script to fix, e.g. 'Assets/Scripts/Player.cs'")
        ] = None,
        max_rounds: Annotated[
            str, Field(description="Give up after this many write/compile rounds (1-20)")
        ] = "5",
    ) -> str:
        rounds = int(max_rounds) if max_rounds.isdigit() else 0
        if not 1 <= rounds <= 20:
            raise MCPError(
                INVALID_PARAMS,
                f"max_rounds must be a whole number from 1 to 20, not {max_rounds!r}",
            )
        return fix_compile_errors_text(path, rounds)

    @server.prompt(
        ADD_PACKAGE,
        title="Add a package and check it compiles",
        description="A playbook: check list_packages, add_package, and report compile errors.",
    )
    def add_package_checked(
        package: Annotated[
            str, Field(description="'com.company.name', 'com.company.name@1.2.3' or a git URL")
        ],
    ) -> str:
        try:
            checked = package_id(package)
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, f"package: {exc}") from None
        return add_package_checked_text(checked)
