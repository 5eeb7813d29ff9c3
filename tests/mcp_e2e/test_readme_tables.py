"""The README's tools and resources tables say what the server really offers."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from mcp import Client
from mcp_harness import DEADLINE, World

from movesia_mcp.catalog import TOOLS_BY_NAME, ToolSpec

pytest_plugins = ["mcp_fixtures"]

README = Path(__file__).resolve().parents[2] / "README.md"


def table_rows(heading: str) -> list[list[str]]:
    """The cells of the first Markdown table under ``## heading``, header row excluded."""
    section = README.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def hints(spec: ToolSpec) -> str:
    words = [{"read": "read-only", "write": "writes", "destructive": "destructive"}[spec.kind]]
    if spec.idempotent:
        words.append("idempotent")
    if spec.survives_reload:
        words.append("survives reload")
    return ", ".join(words)


def code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"expected a `code` cell, got {cell!r}"
    return match.group(1)


def test_every_catalog_row_of_the_tools_table_matches_the_catalog() -> None:
    unity_rows = [row for row in table_rows("Tools") if row[1] != "(server)"]
    assert {code(row[0]) for row in unity_rows} == set(TOOLS_BY_NAME)
    for name_cell, command_cell, description, hint_cell in unity_rows:
        spec = TOOLS_BY_NAME[code(name_cell)]
        assert code(command_cell) == spec.command, spec.name
        assert description == spec.description, spec.name
        assert hint_cell == hints(spec), spec.name


async def test_the_tools_table_lists_exactly_the_tools_the_server_offers(
    world: World,
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        offered = {tool.name: tool for tool in (await client.list_tools()).tools}
    rows = table_rows("Tools")
    assert {code(row[0]) for row in rows} == set(offered)
    server_rows = [row for row in rows if row[1] == "(server)"]
    assert {code(row[0]) for row in server_rows} == set(offered) - set(TOOLS_BY_NAME)
    assert all(row[3] == "server-side" for row in server_rows)


async def test_the_resources_table_lists_exactly_the_resources_the_server_offers(
    world: World,
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        offered = {str(resource.uri) for resource in (await client.list_resources()).resources}
    assert {code(row[0]) for row in table_rows("Resources")} == offered
