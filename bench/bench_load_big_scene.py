"""A 100,000-object hierarchy: ``SimulatedEditor(objects=100_000)``.

Build time and memory of the scene, then paged ``get_hierarchy`` (limit 100, depth 1;
and the defaults) through ``send_and_wait``, through the tool on the server alone
(``MCPServer.call_tool``) and through an in-memory MCP client: median time and peak
tracemalloc per query, against the same query on the 17-object sample scene.

    .venv/bin/python bench/bench_load_big_scene.py               # full: 30 calls per path
    .venv/bin/python bench/bench_load_big_scene.py --quick       # CI: 8 calls per path
    .venv/bin/python bench/bench_load_big_scene.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import contextlib
import gc
import json
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp import Client

from harness import (
    Table,
    clear_history,
    editor_peer,
    fmt_us,
    rss_mb,
    running_server,
    settle,
    summarize_ns,
    timed_calls,
)
from load_common import load_main
from movesia_mcp._simulator import SimulatedEditor


@dataclass(frozen=True)
class Plan:
    hierarchy_objects: int
    hierarchy_reps: int


FULL = Plan(hierarchy_objects=100_000, hierarchy_reps=30)
QUICK = Plan(hierarchy_objects=100_000, hierarchy_reps=8)


def build(objects: int | None) -> tuple[SimulatedEditor, float]:
    t0 = time.perf_counter()
    editor = SimulatedEditor(
        project_path=f"/bench/hierarchy/{'Huge' if objects else 'Sample'}", objects=objects
    )
    return editor, time.perf_counter() - t0


async def timed_and_traced(call: Callable[[], Awaitable[Any]], reps: int) -> dict[str, float]:
    samples = await timed_calls(call, reps)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        await call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {**summarize_ns(samples), "peak_kb": (peak - before) / 1024}


async def section_hierarchy(plan: Plan) -> dict[str, Any]:
    rss0 = rss_mb()
    sample, sample_build = build(None)
    huge, huge_build = build(plan.hierarchy_objects)
    rss1 = rss_mb()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        twin, _ = build(plan.hierarchy_objects)
        built_mb = (tracemalloc.get_traced_memory()[0] - before) / 2**20
        del twin
    finally:
        tracemalloc.stop()
    queries = {"limit 100, depth 1": {"limit": 100, "depth": 1}, "defaults": {}}
    # The editor's objects live in Unity, not in the server process: keep the collector
    # from walking the simulated scene during the measurements.
    gc.collect()
    gc.freeze()
    try:
        figures = await hierarchy_queries(plan, sample, huge, queries)
    finally:
        gc.unfreeze()
    for paths in figures.values():
        for per in paths.values():
            per["ratio_median"] = per["huge"]["median_us"] / per["sample"]["median_us"]
            per["ratio_peak"] = per["huge"]["peak_kb"] / max(per["sample"]["peak_kb"], 1e-9)
    return {
        "objects": plan.hierarchy_objects,
        "build_s": {"sample": sample_build, "huge": huge_build},
        "build_rss_mb": rss1 - rss0,
        "build_traced_mb": built_mb,
        "queries": queries,
        "figures": figures,
    }


async def hierarchy_queries(
    plan: Plan,
    sample: SimulatedEditor,
    huge: SimulatedEditor,
    queries: dict[str, dict[str, Any]],
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each query on each scene, through send_and_wait, the tool on the server alone
    (``MCPServer.call_tool``: validation, the round trip, result conversion) and a full
    in-memory MCP client call (adds the protocol and the client's output validation)."""
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    async with running_server("stdio") as server, contextlib.AsyncExitStack() as stack:
        manager, mcp = server.manager, server.runtime.mcp
        peers = [editor_peer(server.ws_url, e) for e in (sample, huge)]
        for peer in peers:
            await peer.connect()
            stack.push_async_callback(peer.aclose)
        client = await stack.enter_async_context(Client(mcp, mode="auto"))
        scenes = {"sample": (sample, "Sample"), "huge": (huge, "Huge")}
        for qname, query in queries.items():
            for scene, (editor, project) in scenes.items():
                arguments = {**query, "project": project}

                async def direct(q: dict[str, Any] = query, p: str = project) -> Any:
                    return await manager.execute("get_hierarchy", q, project=p)

                async def server_tool(a: dict[str, Any] = arguments) -> Any:
                    result = await mcp.call_tool("get_hierarchy", dict(a))
                    if getattr(result, "is_error", False):
                        raise RuntimeError(f"get_hierarchy failed: {result!r}")
                    return result

                async def tool(a: dict[str, Any] = arguments) -> Any:
                    result = await client.call_tool("get_hierarchy", dict(a))
                    if result.is_error:
                        raise RuntimeError(f"get_hierarchy failed: {result.content!r}")
                    return result

                body = await direct()
                for path, call in (
                    ("send_and_wait", direct),
                    ("tool, server side", server_tool),
                    ("tool, MCP client", tool),
                ):
                    await timed_calls(call, 3)
                    clear_history(*peers)
                    await settle()
                    fig = await timed_and_traced(call, plan.hierarchy_reps)
                    fig["nodes"] = len(body["nodes"])
                    fig["total_objects"] = body["total_objects"]
                    fig["answer_bytes"] = len(json.dumps(body))
                    fig["editor_objects"] = len(editor.graph.objects)
                    figures.setdefault(qname, {}).setdefault(path, {})[scene] = fig
    return figures


def report(s: dict[str, Any]) -> list[str]:
    """The section's lines of the report (the header and elapsed time come from
    ``load_common``)."""
    b = s["build_s"]
    out = [
        f"{s['objects']:,}-object hierarchy: built in {b['huge']:.2f} s "
        f"(sample scene {b['sample'] * 1000:.1f} ms), +{s['build_rss_mb']:.0f} MiB RSS, "
        f"{s['build_traced_mb']:.0f} MiB traced",
    ]
    t = Table(
        (
            "query",
            "path",
            "sample µs",
            "100k µs",
            "ratio",
            "peak KiB sample",
            "peak KiB 100k",
            "bytes 100k",
        ),
        "<<>>>>>>",
    )
    for qname, paths in s["figures"].items():
        for path, per in paths.items():
            t.add(
                qname,
                path,
                fmt_us(per["sample"]["median_us"]),
                fmt_us(per["huge"]["median_us"]),
                f"{per['ratio_median']:.1f}",
                f"{per['sample']['peak_kb']:,.0f}",
                f"{per['huge']['peak_kb']:,.0f}",
                f"{per['huge']['answer_bytes']:,}",
            )
    out += t.render()
    return out


def main(argv: list[str] | None = None) -> int:
    return load_main(
        argv, doc=__doc__, full=FULL, quick=QUICK, section=section_hierarchy, report=report
    )


if __name__ == "__main__":
    sys.exit(main())
