#!/usr/bin/env python3
"""Write Editor/Unity/Handlers/CatalogFacts.cs: what the C# side takes from tool_schemas/.

The batch handler decides which steps an atomic batch may hold as the server does: reads
(``annotations.readOnlyHint``) that do not survive a domain reload, and the commands whose
handlers record their changes with Undo (the C# side's own fact, kept in BatchHandler.cs and
checked against the server's catalog by tests/unity/test_batch_steps.py). Run after
regenerating tool_schemas/; ``unity/build.sh`` runs the check:

    python3 "unity/com.movesia.mcp/Documentation~/tools/make_catalog_facts.py"          # write
    python3 "unity/com.movesia.mcp/Documentation~/tools/make_catalog_facts.py" --check  # exit 1 if stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parents[2]
SCHEMAS = PACKAGE.parents[1] / "tool_schemas"
OUTPUT = PACKAGE / "Editor" / "Unity" / "Handlers" / "CatalogFacts.cs"


def schemas() -> list[dict[str, Any]]:
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.json"))]
    if not found:
        raise SystemExit(f"no tool schemas under {SCHEMAS}")
    return found


def csharp_set(names: list[str]) -> str:
    lines, line = [], "           "
    for name in sorted(names):
        item = f' "{name}",'
        if len(line) + len(item) > 100:
            lines.append(line)
            line = "           "
        line += item
    lines.append(line)
    return "\n".join(lines)


def render() -> str:
    tools = schemas()
    reads = [
        str(t["unity_command"])
        for t in tools
        if t["annotations"]["readOnlyHint"] and not t["survives_reload"]
    ]
    surviving = [str(t["unity_command"]) for t in tools if t["survives_reload"]]
    return f"""// Generated from tool_schemas/ by Documentation~/tools/make_catalog_facts.py: do not edit.
// unity/build.sh fails when it is stale (regenerate after regenerating tool_schemas/).
using System;
using System.Collections.Generic;

namespace Movesia.Mcp.Editor
{{
    internal static class CatalogFacts
    {{
        /// <summary>Read-only commands (readOnlyHint) that do not survive a domain reload.</summary>
        public static readonly HashSet<string> ReadOnly = new HashSet<string>(StringComparer.Ordinal)
        {{
{csharp_set(reads)}
        }};

        /// <summary>Commands that survive a domain reload (survives_reload): a compile, play mode.</summary>
        public static readonly HashSet<string> SurvivesReload = new HashSet<string>(StringComparer.Ordinal)
        {{
{csharp_set(surviving)}
        }};
    }}
}}
"""


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(
                f"{OUTPUT.relative_to(PACKAGE.parents[1])} is stale: run "
                '"unity/com.movesia.mcp/Documentation~/tools/make_catalog_facts.py"',
                file=sys.stderr,
            )
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
