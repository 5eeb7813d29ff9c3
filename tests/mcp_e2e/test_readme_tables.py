"""The README's tools, resources and resource templates tables say what the server really
offers: the tools table is the catalog, the resources tables are ``catalog.resources``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from mcp import Client
from mcp_harness import DEADLINE, World

from movesia_mcp.catalog import TOOLS_BY_NAME, ToolSpec
from movesia_mcp.catalog._resources import (
    ANY_EVENT,
    CONNECTED,
    DISCONNECTED,
    RESOURCES,
    TEMPLATES,
)

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


LINK_WORDS = {CONNECTED: "connect", DISCONNECTED: "disconnect", ANY_EVENT: "any Unity event"}


def updated_when(refreshed_by: frozenset[str], *, per_path: bool = False) -> str:
    """The README's "updated when" cell of a resource, from its declared triggers."""
    words = [word for trigger, word in LINK_WORDS.items() if trigger in refreshed_by]
    words += [f"`{event}`" for event in sorted(refreshed_by - LINK_WORDS.keys())]
    return ", ".join(words) + (" of that path" if per_path else "")


def test_the_resources_table_is_the_declaration() -> None:
    rows = table_rows("Resources")
    assert [code(row[0]) for row in rows] == [spec.uri for spec in RESOURCES]
    for (_, content, when), spec in zip(rows, RESOURCES, strict=True):
        assert content == spec.description, spec.uri
        assert when == updated_when(spec.refreshed_by), spec.uri


def test_the_resource_templates_table_is_the_declaration() -> None:
    rows = table_rows("Resource templates")
    assert [code(row[0]) for row in rows] == [spec.uri_template for spec in TEMPLATES]
    for (_, content, when), spec in zip(rows, TEMPLATES, strict=True):
        assert content == spec.description, spec.uri_template
        assert when == updated_when(spec.refreshed_by, per_path=spec.per_path), spec.uri_template


async def test_the_server_offers_exactly_the_declared_resources_and_templates(
    world: World,
) -> None:
    async with asyncio.timeout(DEADLINE), Client(world.server) as client:
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
    declared = {spec.uri: spec for spec in RESOURCES}
    assert {str(r.uri) for r in resources} == set(declared)
    for resource in resources:
        spec = declared[str(resource.uri)]
        assert (resource.name, resource.description, resource.mime_type) == (
            spec.name,
            spec.description,
            spec.mime_type,
        )
    declared_templates = {spec.uri_template: spec for spec in TEMPLATES}
    assert {t.uri_template for t in templates} == set(declared_templates)
    for template in templates:
        t_spec = declared_templates[template.uri_template]
        assert (template.name, template.description, template.mime_type) == (
            t_spec.name,
            t_spec.description,
            t_spec.mime_type,
        )
