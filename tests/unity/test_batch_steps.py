"""Which steps an atomic batch may hold: the C# batch handler and the server agree.

The server refuses a step of an atomic batch before Unity sees it (``atomic_step_refusal``);
the C# handler checks again in the editor (``BatchHandler.AtomicRefusal``): its reads and
reload-surviving commands come from ``CatalogFacts.cs`` (generated from ``tool_schemas/``,
``unity/build.sh`` checks it is fresh), its undoable commands are its own list. Here both
are read from the C# source and compared with the server's catalog, tool by tool.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from movesia_mcp.catalog import UNITY_TOOLS
from movesia_mcp.catalog._tools import UNDOABLE_COMMANDS, atomic_step_refusal

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "unity" / "com.movesia.mcp" / "Editor" / "Unity" / "Handlers"
MAKE_FACTS = (
    ROOT / "unity" / "com.movesia.mcp" / "Documentation~" / "tools" / "make_catalog_facts.py"
)


def csharp_set(path: Path, name: str) -> set[str]:
    text = path.read_text(encoding="utf-8")
    match = re.search(
        rf"HashSet<string>\s+{name}\s*=\s*new HashSet<string>\([^)]*\)\s*\{{(?P<items>[^}}]*)\}}",
        text,
    )
    assert match, f"no HashSet {name} in {path.name}"
    return set(re.findall(r'"(\w+)"', match["items"]))


def csharp_allows(command: str) -> bool:
    """BatchHandler.AtomicRefusal's rule, over the sets it uses."""
    facts = HANDLERS / "CatalogFacts.cs"
    if command in csharp_set(facts, "SurvivesReload"):
        return False
    undoable = csharp_set(HANDLERS / "BatchHandler.cs", "Undoable")
    return command in undoable or command in csharp_set(facts, "ReadOnly")


def test_the_generated_facts_are_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(MAKE_FACTS), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_undoable_commands_are_the_catalogs() -> None:
    assert csharp_set(HANDLERS / "BatchHandler.cs", "Undoable") == set(UNDOABLE_COMMANDS)


def test_every_tool_is_allowed_or_refused_alike() -> None:
    disagree = {
        spec.command: (atomic_step_refusal(spec) is None, csharp_allows(spec.command))
        for spec in UNITY_TOOLS
        if (atomic_step_refusal(spec) is None) != csharp_allows(spec.command)
    }
    assert disagree == {}, f"(server allows, C# allows) differ: {disagree}"
    # Both kinds of step exist: the comparison is not vacuous.
    allowed = [s.command for s in UNITY_TOOLS if csharp_allows(s.command)]
    assert "create_gameobject" in allowed
    assert "capture_view" in allowed
    assert not csharp_allows("write_script")
    assert not csharp_allows("execute_menu_item")


def test_the_reads_are_the_schemas_read_only_tools() -> None:
    schemas = [json.loads(p.read_text()) for p in sorted((ROOT / "tool_schemas").glob("*.json"))]
    reads = {
        s["unity_command"]
        for s in schemas
        if s["annotations"]["readOnlyHint"] and not s["survives_reload"]
    }
    assert csharp_set(HANDLERS / "CatalogFacts.cs", "ReadOnly") == reads
