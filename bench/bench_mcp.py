"""End-to-end benchmark: an MCP ``tools/call`` round trip against the simulated editor.

What a tool call costs from an MCP client's point of view, beside the bare-websockets
floor of ``pairs.py`` measured in the same run:

* **floor**: one command round trip between a bare ``websockets`` server and a bare
  ``websockets`` client (no framework, no MCP).
* **send_and_wait**: ``UnityManager.execute`` of the same Unity command the tool sends,
  answered by the simulated editor: the Unity round trip without MCP.
* **tool, server side**: ``MCPServer.call_tool``, the tool as the server runs it
  (arguments, the round trip, result conversion) without the protocol or a client.
* **in-memory**: ``mcp.Client(server)`` on the server object, in both protocol eras
  (``mode="legacy"``: ``initialize`` handshake, 2025-11-25; default ``auto``: 2026-07-28,
  no handshake). The server, the Unity WebSocket and the simulated editor run in this
  process and event loop.
* **stdio**: ``mcp.Client(StdioServerParameters(...))`` against a real
  ``movesia-mcp --simulate-unity`` subprocess (``SERVER_PORT=0``), both eras.

Tools: ``get_connection_status`` (answered by the server, no Unity round trip),
``find_objects`` and ``inspect_object`` (one Unity round trip each). For each pair and
tool: sequential latency (median, p99) in alternating rounds, median of the rounds, and
the ratio to the floor of the same rounds; pipelined throughput of ``find_objects``
(``--depth`` calls in flight) against the floor's at the same depth.

    .venv/bin/python bench/bench_mcp.py            # full (~60 s)
    .venv/bin/python bench/bench_mcp.py --quick    # CI-sized (~20 s)
    .venv/bin/python bench/bench_mcp.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

from harness import (
    Table,
    editor_peer,
    fmt_us,
    machine,
    median_of,
    pipelined_rate,
    quiet_logging,
    running_server,
    settle,
    summarize_ns,
    timed_calls,
    write_json,
)
from movesia_mcp._simulator import SimulatedEditor
from pairs import Floor, echo_params

TOOLS: dict[str, dict[str, Any]] = {
    "get_connection_status": {},
    "find_objects": {"name": "oak"},
    "inspect_object": {"path": "Player"},
}
SERVER_ONLY = frozenset({"get_connection_status"})  # no Unity round trip
THROUGHPUT_TOOL = "find_objects"
MODES = ("legacy", "auto")


@dataclass(frozen=True)
class Plan:
    rounds: int
    calls: int  # sequential calls per (pair, tool) per round
    floor_calls: int
    throughput_m: int
    depth: int
    warmup: int


FULL = Plan(rounds=5, calls=400, floor_calls=2000, throughput_m=1500, depth=16, warmup=200)
QUICK = Plan(rounds=3, calls=120, floor_calls=1000, throughput_m=400, depth=16, warmup=60)


def stdio_params() -> StdioServerParameters:
    env = {**os.environ, "SERVER_PORT": "0", "LOG_LEVEL": "WARNING"}
    return StdioServerParameters(
        command=sys.executable, args=["-m", "movesia_mcp", "--simulate-unity"], env=env
    )


def checked(result: CallToolResult, tool: str) -> dict[str, Any]:
    if result.is_error or result.structured_content is None:
        raise RuntimeError(f"{tool} failed: {result.content!r}")
    return dict(result.structured_content)


class ToolCaller:
    """One pair: something that can run each tool (an MCP client or the manager)."""

    def __init__(self, name: str, client: Client | None = None) -> None:
        self.name = name
        self.client = client
        self.tools: tuple[str, ...] = tuple(TOOLS)

    async def call(self, tool: str) -> Any:
        assert self.client is not None
        result = await self.client.call_tool(tool, TOOLS[tool])
        if result.is_error:
            raise RuntimeError(f"{self.name}: {tool} failed: {result.content!r}")
        return result


class DirectCaller(ToolCaller):
    """``UnityManager.execute`` with the command and parameters the tool sends."""

    def __init__(self, server: Any) -> None:
        super().__init__("send_and_wait (no MCP)")
        self.manager = server.manager
        self.tools = tuple(t for t in TOOLS if t not in SERVER_ONLY)

    async def call(self, tool: str) -> Any:
        body = await self.manager.execute(tool, TOOLS[tool])
        if "error" in body:
            raise RuntimeError(f"{tool}: {body['error']}")
        return body


class ServerToolCaller(ToolCaller):
    """``MCPServer.call_tool``: the tool as the server runs it (argument validation,
    the Unity round trip, result conversion), without the protocol or a client."""

    def __init__(self, server: Any) -> None:
        super().__init__("tool, server side (no client)")
        self.mcp = server.runtime.mcp

    async def call(self, tool: str) -> Any:
        result = await self.mcp.call_tool(tool, dict(TOOLS[tool]))
        if getattr(result, "is_error", False):
            raise RuntimeError(f"{tool} failed: {result!r}")
        return result


@contextlib.asynccontextmanager
async def stdio_client(mode: str) -> AsyncIterator[tuple[Client, float]]:
    """A client of ``mode`` on a fresh subprocess, once its editor is connected; and the
    time from spawning the process to that point."""
    t0 = time.perf_counter()
    async with Client(stdio_params(), mode=mode, read_timeout_seconds=30) as client:
        deadline = time.monotonic() + 20
        while not checked(await client.call_tool("get_connection_status", {}), "status")[
            "connected"
        ]:
            if time.monotonic() > deadline:
                raise TimeoutError("the simulated editor of the subprocess did not connect")
            await asyncio.sleep(0.01)
        yield client, time.perf_counter() - t0


async def run(plan: Plan) -> dict[str, Any]:
    floor = Floor(echo_params(64))
    await floor.start()
    startup: dict[str, float] = {}
    try:
        async with contextlib.AsyncExitStack() as stack:
            server = await stack.enter_async_context(running_server("stdio"))
            editor = SimulatedEditor()
            peer = editor_peer(server.ws_url, editor)
            await peer.connect()
            stack.push_async_callback(peer.aclose)
            callers: list[ToolCaller] = [DirectCaller(server), ServerToolCaller(server)]
            for mode in MODES:
                client = await stack.enter_async_context(Client(server.runtime.mcp, mode=mode))
                callers.append(ToolCaller(f"in-memory {mode}", client))
            for mode in MODES:
                client, seconds = await stack.enter_async_context(stdio_client(mode))
                startup[f"stdio {mode}"] = seconds
                callers.append(ToolCaller(f"stdio {mode}", client))
            quiet_logging()
            return await measure(plan, floor, callers, peer, startup)
    finally:
        await floor.stop()


async def measure(
    plan: Plan, floor: Floor, callers: list[ToolCaller], peer: Any, startup: dict[str, float]
) -> dict[str, Any]:
    # Warm up every path (first calls list tools, build validators, fill caches).
    await timed_calls(floor.call, plan.warmup * 5)
    for caller in callers:
        for tool in caller.tools:
            await timed_calls(functools.partial(caller.call, tool), plan.warmup)
    floor_trials: list[dict[str, float]] = []
    floor_tput: list[float] = []
    trials: dict[tuple[str, str], list[dict[str, float]]] = {}
    tput: dict[str, list[float]] = {}
    names = ["floor", *(c.name for c in callers)]
    for r in range(plan.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            peer.received.clear()
            peer.commands_seen.clear()
            await settle()
            if name == "floor":
                floor_trials.append(summarize_ns(await timed_calls(floor.call, plan.floor_calls)))
                floor_tput.append(await pipelined_rate(floor.call, plan.throughput_m, plan.depth))
                continue
            caller = next(c for c in callers if c.name == name)
            for tool in caller.tools:
                samples = await timed_calls(functools.partial(caller.call, tool), plan.calls)
                trials.setdefault((name, tool), []).append(summarize_ns(samples))
            await settle()
            tput.setdefault(name, []).append(
                await pipelined_rate(
                    functools.partial(caller.call, THROUGHPUT_TOOL), plan.throughput_m, plan.depth
                )
            )
    f_med, f_p99 = median_of(floor_trials, "median_us"), median_of(floor_trials, "p99_us")
    f_tput = sorted(floor_tput)[len(floor_tput) // 2]
    cases: dict[str, dict[str, Any]] = {}
    for (name, tool), runs in trials.items():
        med, p99 = median_of(runs, "median_us"), median_of(runs, "p99_us")
        cases.setdefault(name, {})[tool] = {
            "median_us": med,
            "p99_us": p99,
            "ratio_median": med / f_med,
            "ratio_p99": p99 / f_p99,
            "trials_median_us": [t["median_us"] for t in runs],
        }
    throughput = {
        name: {
            "calls_per_s": (v := sorted(rates)[len(rates) // 2]),
            "ratio": v / f_tput,
            "trials": rates,
        }
        for name, rates in tput.items()
    }
    return {
        "plan": asdict(plan),
        "floor": {
            "latency_median_us": f_med,
            "latency_p99_us": f_p99,
            "throughput_per_s": f_tput,
            "trials_median_us": [t["median_us"] for t in floor_trials],
        },
        "cases": cases,
        "throughput": throughput,
        "throughput_tool": THROUGHPUT_TOOL,
        "stdio_startup_s": startup,
    }


def report(result: dict[str, Any], elapsed: float) -> str:
    plan, f = result["plan"], result["floor"]
    env = result["machine"]
    lines = [
        "MCP tools/call round trip vs bare-websockets floor (loopback)",
        f"python {env['python']} · {env['cores']} cores · loop {env['loop']} · mcp {env['mcp']}",
        f"{plan['rounds']} alternating rounds · {plan['calls']} sequential calls per tool "
        f"per round · floor {plan['floor_calls']} · median of rounds",
        f"floor: median {fmt_us(f['latency_median_us'])} µs, p99 {fmt_us(f['latency_p99_us'])} "
        f"µs, {f['throughput_per_s']:,.0f} cmd/s at depth {plan['depth']}",
        "",
    ]
    table = Table(("pair", "tool", "median µs", "p99 µs", "median/floor", "p99/floor"), "<<>>>>")
    for name, tools in result["cases"].items():
        for tool, s in tools.items():
            table.add(
                name,
                tool,
                fmt_us(s["median_us"]),
                fmt_us(s["p99_us"]),
                f"{s['ratio_median']:.1f}",
                f"{s['ratio_p99']:.1f}",
            )
    lines += table.render()
    lines += ["", f"throughput of {result['throughput_tool']} at depth {plan['depth']}:"]
    ttable = Table(("pair", "calls/s", "/floor"), "<>>")
    ttable.add("floor (bare websockets)", f"{f['throughput_per_s']:,.0f}", "1.00")
    for name, s in result["throughput"].items():
        ttable.add(name, f"{s['calls_per_s']:,.0f}", f"{s['ratio']:.3f}")
    lines += ttable.render()
    lines.append(
        "stdio start-up (spawn to editor connected): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in result["stdio_startup_s"].items())
    )
    lines.append(f"\nelapsed {elapsed:.1f} s")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="CI-sized run (~20 s)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--rounds", type=int)
    p.add_argument("--calls", type=int, help="sequential calls per tool per round")
    p.add_argument("--depth", type=int, help="calls in flight for throughput")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    overrides = {"rounds": args.rounds, "calls": args.calls, "depth": args.depth}
    plan = Plan(**{**asdict(plan), **{k: v for k, v in overrides.items() if v is not None}})
    quiet_logging()
    t0 = time.perf_counter()
    result = asyncio.run(asyncio.wait_for(run(plan), timeout=600))
    elapsed = time.perf_counter() - t0
    result = {"machine": machine(), "elapsed_s": elapsed, "quick": args.quick, **result}
    print(report(result, elapsed))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
