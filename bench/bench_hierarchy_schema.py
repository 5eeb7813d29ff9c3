"""What the official Python MCP client pays to validate one 500-node ``get_hierarchy`` page.

The client (``mcp.client.session.ClientSession.validate_tool_result``) checks every
tool result's structured content against the tool's output schema with ``jsonschema``:
a validator compiled once per schema (``validator_for(schema)(schema,
registry=Registry())``), then ``best_match(validator.iter_errors(content))`` per call.
This benchmark does exactly that, in one process, alternating rounds, for:

* ``published``: the output schema this server publishes for ``get_hierarchy`` (taken
  from a real ``MCPServer`` with the Unity tools registered, as ``tools/list`` sends it);
* ``contract``: the ``tool_schemas/`` schema (every node typed, recursively; what the
  server published before the page was made cheap to validate);
* ``floor``: a flat list of the same 500 nodes, every field typed, no recursion (what
  typing each node costs at the least, whatever the tree's shape).

The page is a real one: the simulated editor's answer for a 5,000-object scene, as the
server sends it (validated by the catalog's model, dumped as JSON). Target: published
≤ 3 ms per page.

    .venv/bin/python bench/bench_hierarchy_schema.py [--rounds N] [--calls N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import exceptions as jsonschema_exceptions  # type: ignore[import-untyped]
from jsonschema.validators import validator_for  # type: ignore[import-untyped]
from mcp.server.mcpserver import MCPServer
from referencing import Registry

from movesia_mcp.catalog import TOOLS_BY_NAME
from movesia_mcp.catalog.schemas import tool_schema
from movesia_mcp.server.tools import register_unity_tools
from movesia_mcp.simulator.editor import SimulatedEditor
from movesia_mcp.unity_manager import UnityManager

Json = dict[str, Any]
TARGET_MS = 3.0
PAGE = {"limit": 100, "depth": 3, "max_nodes": 500}


async def published_schema() -> Json:
    server = MCPServer("bench")
    register_unity_tools(server, UnityManager())
    tools = {tool.name: tool for tool in await server.list_tools()}
    schema = tools["get_hierarchy"].output_schema
    assert schema is not None
    return schema


def page() -> Json:
    """The structured content of one 500-node page, as the server sends it."""
    body = SimulatedEditor(objects=5000).execute("get_hierarchy", PAGE)
    assert isinstance(body, dict)
    result = TOOLS_BY_NAME["get_hierarchy"].result.model_validate(body)
    content: Json = result.model_dump(mode="json")
    return content


def walk(nodes: list[Json]) -> Iterator[Json]:
    for node in nodes:
        yield node
        yield from walk(node["children"])


def floor_case(contract: Json, content: Json) -> tuple[Json, Json]:
    """The same nodes as one flat list, each typed with the node's own fields."""
    node_schema = json.loads(json.dumps(contract["$defs"]["HierarchyNode"]))
    del node_schema["properties"]["children"]
    schema = {"type": "object", "properties": {"nodes": {"type": "array", "items": node_schema}}}
    flat = [{k: v for k, v in node.items() if k != "children"} for node in walk(content["nodes"])]
    return schema, {"nodes": flat}


def sdk_check(schema: Json) -> Callable[[Json], None]:
    """The SDK client's check: compiled once, then best_match(iter_errors(...)) per call."""
    cls = validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, registry=Registry())

    def check(content: Json) -> None:
        error = jsonschema_exceptions.best_match(validator.iter_errors(content))
        if error is not None:
            raise AssertionError(f"the page does not validate: {error}")

    return check


def ms_per_call(check: Callable[[Json], None], content: Json, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        check(content)
    return (time.perf_counter() - start) / calls * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20, help="validations per round and case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    content = page()
    nodes = sum(1 for _ in walk(content["nodes"]))
    contract = tool_schema(TOOLS_BY_NAME["get_hierarchy"])["output_schema"]
    floor_schema, floor_content = floor_case(contract, content)
    cases: dict[str, tuple[Callable[[Json], None], Json]] = {
        "published": (sdk_check(asyncio.run(published_schema())), content),
        "contract": (sdk_check(contract), content),
        "floor": (sdk_check(floor_schema), floor_content),
    }
    for check, data in cases.values():  # warm up (and prove every case validates)
        ms_per_call(check, data, 3)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for r in range(args.rounds):
        for name in order if r % 2 == 0 else reversed(order):
            check, data = cases[name]
            samples[name].append(ms_per_call(check, data, args.calls))
    # Per 500 nodes, so that a page of 498 or 502 nodes reads on the same scale.
    figures = {name: statistics.median(v) * 500 / nodes for name, v in samples.items()}
    report = {
        "nodes": nodes,
        "ms_per_500_nodes": figures,
        "published_over_floor": figures["published"] / figures["floor"],
        "contract_over_floor": figures["contract"] / figures["floor"],
        "target_ms": TARGET_MS,
        "pass": figures["published"] <= TARGET_MS,
    }
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
        return 0
    out = [
        f"get_hierarchy page of {nodes} nodes, validated as the mcp SDK client does "
        f"(ms per 500 nodes, median of {args.rounds} rounds x {args.calls} calls)",
        f"  published output schema   {figures['published']:8.3f} ms   "
        f"{report['published_over_floor']:6.3f} x floor   "
        f"target <= {TARGET_MS} ms: {'PASS' if report['pass'] else 'MISS'}",
        f"  contract (tool_schemas/)  {figures['contract']:8.3f} ms   "
        f"{report['contract_over_floor']:6.3f} x floor   (every node typed, recursively)",
        f"  floor: flat typed list    {figures['floor']:8.3f} ms   "
        f"{1.0:6.3f} x floor   (the same nodes, each typed, no recursion)",
    ]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
