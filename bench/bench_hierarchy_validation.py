"""What a 500-node ``get_hierarchy`` page costs the official Python client to validate.

The MCP Python SDK's client checks every result's ``structuredContent`` against the
tool's declared output schema (``ClientSession.validate_tool_result``: a compiled
``jsonschema`` validator, ``best_match(iter_errors(...))``). This measures that call, as
the client makes it, on a real page: the server as ``movesia-mcp`` runs it, a simulated
editor with a 5,000-object scene, ``get_hierarchy {"limit": 500}`` (500 nodes), through
an in-memory ``mcp.Client``. The schema is whatever the catalog declares (read from
``tools/list``), so a cheaper schema shows here without touching this file.

Target (issue 11): the median ≤ 3 ms.

    .venv/bin/python bench/bench_hierarchy_validation.py [--quick] [--json PATH]

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

from mcp import Client

from harness import (
    editor_peer,
    machine,
    quiet_logging,
    running_server,
    settle,
    wait_until,
    write_json,
)
from movesia_mcp._simulator import SimulatedEditor

TARGET_MS = 3.0
TOOL = "get_hierarchy"
ARGUMENTS = {"limit": 500}
SCENE_OBJECTS = 5000


def count_nodes(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + count_nodes(node.get("children", [])) for node in nodes)


def refs(schema: Any) -> int:
    """How many ``$ref`` the schema holds (a recursive one is resolved once per node)."""
    if isinstance(schema, dict):
        return int("$ref" in schema) + sum(refs(v) for v in schema.values())
    if isinstance(schema, list):
        return sum(refs(v) for v in schema)
    return 0


async def run(rounds: int, n: int) -> dict[str, Any]:
    async with running_server("stdio") as server:
        editor = SimulatedEditor(objects=SCENE_OBJECTS)
        peer = editor_peer(server.ws_url, editor)
        await peer.connect()
        try:
            await wait_until(lambda: server.manager.is_connected)
            async with Client(server.runtime.mcp, mode="legacy") as client:
                listed = {t.name: t for t in (await client.list_tools()).tools}
                schema = listed[TOOL].output_schema
                result = await client.call_tool(TOOL, ARGUMENTS)
                if result.is_error or result.structured_content is None:
                    raise RuntimeError(f"{TOOL} failed: {result.content}")
                nodes = count_nodes(result.structured_content["nodes"])
                session = client.session
                validate = session.validate_tool_result
                await validate(TOOL, result)  # compiles and caches the validator
                per_round: list[float] = []
                samples: list[float] = []
                for _ in range(rounds):
                    await settle()
                    times = []
                    for _ in range(n):
                        t0 = time.perf_counter_ns()
                        await validate(TOOL, result)
                        times.append((time.perf_counter_ns() - t0) / 1e6)
                    per_round.append(statistics.median(times))
                    samples += times
        finally:
            await peer.aclose()
    median_ms = statistics.median(per_round)
    ordered = sorted(samples)
    return {
        "tool": TOOL,
        "arguments": ARGUMENTS,
        "nodes": nodes,
        "structured_bytes": len(json.dumps(result.structured_content)),
        "schema_bytes": len(json.dumps(schema)),
        "schema_refs": refs(schema),
        "rounds": rounds,
        "calls_per_round": n,
        "median_ms": median_ms,
        "p90_ms": ordered[int(len(ordered) * 0.9)],
        "per_node_us": median_ms * 1000 / max(nodes, 1),
        "target_ms": TARGET_MS,
        "pass": median_ms <= TARGET_MS,
    }


def report(result: dict[str, Any]) -> str:
    mark = "PASS" if result["pass"] else "MISS"
    return "\n".join(
        [
            "a 500-node get_hierarchy page validated by the MCP Python client "
            "(ClientSession.validate_tool_result)",
            f"nodes {result['nodes']} · structured content {result['structured_bytes']:,} B · "
            f"output schema {result['schema_bytes']:,} B with {result['schema_refs']} $ref · "
            f"{result['rounds']} rounds x {result['calls_per_round']} calls",
            "",
            f"median {result['median_ms']:.2f} ms (target ≤ {TARGET_MS:g} ms: {mark}) · "
            f"p90 {result['p90_ms']:.2f} ms · {result['per_node_us']:.1f} µs per node",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args(argv)
    quiet_logging()
    rounds, n = (3, 10) if args.quick else (5, 40)
    result = asyncio.run(run(rounds, n))
    result["machine"] = machine()
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
