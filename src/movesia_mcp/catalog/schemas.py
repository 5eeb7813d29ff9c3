"""``tool_schemas/``: the language-neutral contract for whoever implements the Unity side.

One JSON file per Unity tool: the command name, the body Unity receives (input schema),
the body it must answer with (output schema), annotations and reload behaviour. The
schemas are the contract's (``ContractJsonSchema``): every field typed, also where the
MCP output schema leaves a big answer's items to the server's check (``ServerChecked``).

    python -m movesia_mcp.catalog.schemas            # regenerate tool_schemas/
    python -m movesia_mcp.catalog.schemas --check    # exit 1 when tool_schemas/ is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._models import ContractJsonSchema
from ._tools import UNITY_TOOLS, ToolSpec

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "tool_schemas"


def tool_schema(spec: ToolSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "unity_command": spec.command,
        "title": spec.title,
        "description": spec.description,
        "survives_reload": spec.survives_reload,
        "timeout_s": spec.timeout,
        "annotations": {
            "readOnlyHint": spec.read_only,
            "destructiveHint": spec.destructive,
            "idempotentHint": spec.idempotent,
            "openWorldHint": False,
        },
        "input_schema": spec.params.model_json_schema(schema_generator=ContractJsonSchema),
        "output_schema": spec.result.model_json_schema(schema_generator=ContractJsonSchema),
    }


def render_all() -> dict[str, str]:
    """File name → exact file text, for every Unity tool."""
    return {
        f"{spec.name}.json": json.dumps(tool_schema(spec), indent=2, sort_keys=True) + "\n"
        for spec in UNITY_TOOLS
    }


def stale_files(directory: Path) -> list[str]:
    """Names of files that are missing, different or no longer in the catalog."""
    expected = render_all()
    present = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    stale = [
        name
        for name, text in expected.items()
        if name not in present or (directory / name).read_text(encoding="utf-8") != text
    ]
    stale.extend(sorted(present - expected.keys()))
    return stale


def write_all(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    expected = render_all()
    for path in directory.glob("*.json"):
        if path.name not in expected:
            path.unlink()
    for name, text in expected.items():
        (directory / name).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.dir)
        if stale:
            sys.stderr.write(
                "tool_schemas/ is stale: " + ", ".join(stale) + "\n"
                "regenerate with: python -m movesia_mcp.catalog.schemas\n"
            )
            return 1
        return 0
    write_all(args.dir)
    sys.stderr.write(f"wrote {len(UNITY_TOOLS)} schemas to {args.dir}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
