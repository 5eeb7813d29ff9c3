"""The hierarchy page's output schema: cheap for MCP clients, complete in the contract.

MCP clients validate a ``get_hierarchy`` page against the published output schema, whose
work does not grow with the page (its nodes are left to the server's own check), while
``tool_schemas/`` (the Unity side's contract) and the server's validation still type
every node, however deep. Validation work is counted in keyword checks, not timed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import exceptions as jsonschema_exceptions  # type: ignore[import-untyped]
from jsonschema.validators import extend, validator_for  # type: ignore[import-untyped]
from mcp.server.mcpserver import MCPServer
from pydantic import ValidationError
from referencing import Registry

from movesia_mcp._server.tools import register_unity_tools
from movesia_mcp._simulator.editor import SimulatedEditor
from movesia_mcp._unity_manager import UnityManager
from movesia_mcp.catalog import TOOLS_BY_NAME
from movesia_mcp.catalog.schemas import tool_schema

Json = dict[str, Any]
SPEC = TOOLS_BY_NAME["get_hierarchy"]


async def published_schema() -> Json:
    """The output schema as ``tools/list`` sends it, from a real MCP server."""
    server = MCPServer("schema-test")
    register_unity_tools(server, UnityManager())
    tools = {tool.name: tool for tool in await server.list_tools()}
    schema = tools["get_hierarchy"].output_schema
    assert schema is not None
    return schema


def contract_schema() -> Json:
    schema: Json = tool_schema(SPEC)["output_schema"]
    return schema


def page(**query: Any) -> Json:
    """A page from the simulated editor, as the server sends it (model-checked, dumped)."""
    body = SimulatedEditor(objects=5000).execute("get_hierarchy", query)
    assert isinstance(body, dict)
    content: Json = SPEC.result.model_validate(body).model_dump(mode="json")
    return content


def count_nodes(nodes: list[Json]) -> int:
    return sum(1 + count_nodes(node["children"]) for node in nodes)


def first_error(schema: Json, content: Json) -> Exception | None:
    """What the mcp SDK client does: a compiled validator, best_match of iter_errors."""
    cls = validator_for(schema)
    cls.check_schema(schema)
    error: Exception | None = jsonschema_exceptions.best_match(
        cls(schema, registry=Registry()).iter_errors(content)
    )
    return error


def keyword_checks(schema: Json, content: Json) -> int:
    """How many keyword checks validating ``content`` against ``schema`` runs."""
    calls = 0
    base = validator_for(schema)

    def counted(check: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            nonlocal calls
            calls += 1
            return check(*args)

        return run

    cls = extend(base, {name: counted(check) for name, check in base.VALIDATORS.items()})
    assert list(cls(schema, registry=Registry()).iter_errors(content)) == []
    return calls


async def test_a_500_node_page_is_valid_against_the_published_schema() -> None:
    content = page(limit=100, depth=3, max_nodes=500)
    assert count_nodes(content["nodes"]) >= 490
    assert first_error(await published_schema(), content) is None


async def test_validating_a_page_is_the_same_work_whatever_its_size() -> None:
    schema = await published_schema()
    small = page(limit=2, depth=0)
    big = page(limit=100, depth=3, max_nodes=500)
    assert count_nodes(small["nodes"]) == 2
    assert len(big["nodes"]) == 100
    assert count_nodes(big["nodes"]) >= 490
    assert keyword_checks(schema, small) == keyword_checks(schema, big)
    # The contract's schema, by contrast, checks node by node.
    contract = contract_schema()
    assert keyword_checks(contract, big) > 100 * keyword_checks(contract, small)


async def test_the_published_schema_still_types_the_pages_own_fields() -> None:
    schema = await published_schema()
    content = page(limit=10, depth=1)
    assert set(schema["required"]) == {"nodes", "total", "offset"}
    for field, bad in (("nodes", {"instance_id": 1}), ("total", "many"), ("offset", None)):
        wrong = {**content, field: bad}
        assert first_error(schema, wrong) is not None, field
    missing = {k: v for k, v in content.items() if k != "nodes"}
    assert first_error(schema, missing) is not None


def test_the_contract_types_every_node_however_deep() -> None:
    contract = contract_schema()
    content = page(limit=10, depth=3)
    assert first_error(contract, content) is None
    deep = copy.deepcopy(content)
    grandchild = next(
        child for node in deep["nodes"] for kid in node["children"] for child in kid["children"]
    )
    del grandchild["name"]
    assert first_error(contract, deep) is not None


def test_the_server_rejects_a_bad_node_at_any_depth_before_a_client_sees_it() -> None:
    body = SimulatedEditor(objects=5000).execute("get_hierarchy", {"limit": 10, "depth": 3})
    assert isinstance(body, dict)
    grandchild = next(
        child for node in body["nodes"] for kid in node["children"] for child in kid["children"]
    )
    grandchild["instance_id"] = "not a number"
    with pytest.raises(ValidationError) as raised:
        SPEC.result.model_validate(body)
    where = raised.value.errors()[0]["loc"]
    assert where[0] == "nodes"
    assert where[-1] == "instance_id"
    assert where.count("children") == 2
