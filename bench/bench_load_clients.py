"""Many MCP clients at once over the streamable HTTP transport.

The real http ``Runtime`` on an ephemeral loopback port, a simulated editor attached;
``count`` MCP clients (``mcp.Client(url)``) each call ``find_objects`` in a loop, in both
protocol eras (``auto``: 2026-07-28, sessionless; ``legacy``: the handshake era). The
clients run in a child process (an MCP client is another process); the floor is **one**
client. Reports calls/s, latency, the server's and the clients' CPU.

    .venv/bin/python bench/bench_load_clients.py                 # full: 50 clients (~40 s)
    .venv/bin/python bench/bench_load_clients.py --quick         # CI: 20 clients
    .venv/bin/python bench/bench_load_clients.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from mcp import Client

from harness import (
    Table,
    clear_history,
    cpu_seconds,
    editor_peer,
    fmt_us,
    running_server,
    summarize_ns,
)
from load_common import Child, emit, load_main
from movesia_mcp._simulator import SimulatedEditor

SCRIPT = os.path.abspath(__file__)
FIND = ("find_objects", {"name": "oak"})


@dataclass(frozen=True)
class Plan:
    mcp_clients: int
    mcp_seconds: float


FULL = Plan(mcp_clients=50, mcp_seconds=6.0)
QUICK = Plan(mcp_clients=20, mcp_seconds=2.0)


# ── the clients, in a child process ─────────────────────────────────────────────────


async def child_mcp_clients(url: str, count: int, seconds: float, mode: str) -> None:
    """``count`` MCP clients of ``mode``, each calling find_objects for ``seconds``."""
    tool, arguments = FIND
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(Client(url, mode=mode)) for _ in range(count)]

        async def warm(client: Client) -> None:
            for _ in range(3):
                await client.call_tool(tool, arguments)

        await asyncio.gather(*(warm(c) for c in clients))
        emit({"start": True})
        samples: list[int] = []
        errors = 0
        clock = time.perf_counter_ns
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        stop_at = clock() + int(seconds * 1e9)

        async def loop(client: Client) -> None:
            nonlocal errors
            for _ in range(100_000):
                c0 = clock()
                if c0 >= stop_at:
                    return
                result = await client.call_tool(tool, arguments)
                samples.append(clock() - c0)
                errors += bool(result.is_error)

        await asyncio.gather(*(loop(c) for c in clients))
        elapsed = time.perf_counter() - t0
        emit(
            {
                "calls": len(samples),
                "elapsed": elapsed,
                "errors": errors,
                "cpu": (cpu_seconds() - cpu0) / elapsed,
                "latency": summarize_ns(samples),
            }
        )
        # Wait for the parent's word, so the server sees the clients leave in order.
        await asyncio.to_thread(sys.stdin.readline)


# ── the section ─────────────────────────────────────────────────────────────────────


async def section_mcp_clients(plan: Plan) -> dict[str, Any]:
    runs: dict[str, dict[str, Any]] = {}
    async with running_server("http") as server:
        editor = SimulatedEditor()
        peer = editor_peer(server.ws_url, editor)
        await peer.connect()
        try:
            for mode in ("auto", "legacy"):
                for count in (1, plan.mcp_clients):
                    child = await Child.start(
                        SCRIPT,
                        "mcp-clients",
                        server.mcp_url,
                        str(count),
                        str(plan.mcp_seconds),
                        mode,
                    )
                    try:
                        await child.line(timeout=120)  # warmed up, starting
                        cpu0, t0 = cpu_seconds(), time.perf_counter()
                        result = await child.line(timeout=plan.mcp_seconds + 60)
                        server_cpu = (cpu_seconds() - cpu0) / (time.perf_counter() - t0)
                        await child.tell("done")
                    finally:
                        await child.stop()
                    clear_history(peer)
                    result["server_cpu"] = server_cpu
                    result["calls_per_s"] = result["calls"] / result["elapsed"]
                    result["server_cpu_ms_per_call"] = (
                        1000 * server_cpu * result["elapsed"] / max(1, result["calls"])
                    )
                    runs[f"{mode}/{count}"] = result
        finally:
            await peer.aclose()
    ratios = {}
    for mode in ("auto", "legacy"):
        one, many = runs[f"{mode}/1"], runs[f"{mode}/{plan.mcp_clients}"]
        ratios[mode] = {
            "calls_per_s": many["calls_per_s"] / one["calls_per_s"],
            "p50": many["latency"]["median_us"] / one["latency"]["median_us"],
            "p99": many["latency"]["p99_us"] / one["latency"]["p99_us"],
        }
    return {"clients": plan.mcp_clients, "tool": FIND[0], "runs": runs, "ratios": ratios}


def report(s: dict[str, Any]) -> list[str]:
    """The section's lines of the report (the header and elapsed time come from
    ``load_common``)."""
    k = s["clients"]
    out = [
        f"MCP clients over streamable HTTP, {s['tool']} in a loop (clients in a child process)",
    ]
    t = Table(
        (
            "era/clients",
            "calls/s",
            "p50 µs",
            "p99 µs",
            "server CPU",
            "ms CPU/call",
            "client CPU",
        ),
        "<>>>>>>",
    )
    for name, x in s["runs"].items():
        t.add(
            name,
            f"{x['calls_per_s']:,.0f}",
            fmt_us(x["latency"]["median_us"]),
            fmt_us(x["latency"]["p99_us"]),
            f"{x['server_cpu']:.0%}",
            f"{x['server_cpu_ms_per_call']:.2f}",
            f"{x['cpu']:.0%}",
        )
    out += t.render()
    for mode, x in s["ratios"].items():
        out.append(
            f"{mode}: {k} clients / 1 client: calls/s {x['calls_per_s']:.2f}, "
            f"p50 {x['p50']:.1f}, p99 {x['p99']:.1f}"
        )
    return out


async def child_clients(args: list[str]) -> None:
    url, count, seconds, mode = args
    await asyncio.wait_for(child_mcp_clients(url, int(count), float(seconds), mode), timeout=600)


def main(argv: list[str] | None = None) -> int:
    return load_main(
        argv,
        doc=__doc__,
        full=FULL,
        quick=QUICK,
        section=section_mcp_clients,
        report=report,
        children={"mcp-clients": child_clients},
    )


if __name__ == "__main__":
    sys.exit(main())
