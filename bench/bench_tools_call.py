"""The project's own cost per MCP ``tools/call``, as a share of the SDK's.

Three things are timed in alternating rounds, in one process and event loop:

* **sdk**: the SDK alone: an ``MCPServer`` with one no-op tool of the same name, the
  same parameters and the same result model as the project's tool (it returns a result
  built once, from a real answer), called through an in-memory ``mcp.Client``. This is
  what the SDK costs per call on both sides: the JSON-RPC dispatch, argument
  validation, result conversion and the client's output-schema check.
* **ours**: the same call on the project's server (``build_server`` as ``movesia-mcp``
  runs it: the guard, the client hub's middleware, ``run_unity_tool``) through the same
  kind of client, answered by a simulated editor.
* **ours, no-op**: the same no-op tool added to the project's server: what the project
  adds around every tool (the guard, the middlewares) without the tool itself.
* **unity**: ``UnityManager.execute`` of the same command with the same parameters: the
  Unity round trip the tool makes (the server's WebSocket, the simulated editor).

The project's own cost is ``ours - sdk - unity`` (medians of the same rounds), reported
in µs and as a percentage of ``sdk``, and split into the part around every tool
(``ours, no-op - sdk``) and the tool path (``ours - ours, no-op - unity``: the Unity
tool's own code and what the Unity wait costs inside an MCP call). Target (issue 11):
≤ 10 %.

    .venv/bin/python bench/bench_tools_call.py [--quick] [--json PATH] [--mode legacy|auto]

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from typing import Any

from mcp import Client
from mcp.server.mcpserver import MCPServer

from harness import (
    Table,
    editor_peer,
    machine,
    quiet_logging,
    running_server,
    settle,
    summarize_ns,
    timed_calls,
    wait_until,
    write_json,
)
from movesia_mcp._server.tools import validate_params
from movesia_mcp._simulator import SimulatedEditor
from movesia_mcp.catalog import TOOLS_BY_NAME

TARGET_PCT = 10.0
TOOL = "get_editor_state"  # a read with a small answer: the tool path, not the editor
ARGUMENTS: dict[str, Any] = {}


NOOP_ON_OURS = "noop_" + TOOL


def add_noop(server: MCPServer, ours: MCPServer, answer: Any, name: str = TOOL) -> MCPServer:
    """``server`` with a tool ``name`` that has ours' ``TOOL`` signature and result model
    and returns ``answer`` at once."""
    registered = ours._tool_manager.get_tool(TOOL)  # the SDK's registry (mcp 2.3)
    if registered is None:
        raise RuntimeError(f"the server has no {TOOL}")
    real = registered.fn

    async def noop(**_: Any) -> Any:
        return answer

    noop.__signature__ = real.__signature__  # type: ignore[attr-defined]
    noop.__annotations__ = dict(real.__annotations__)
    server.add_tool(noop, name=name, description=registered.description, structured_output=True)
    return server


async def run(rounds: int, n: int, mode: str) -> dict[str, Any]:
    spec = TOOLS_BY_NAME[TOOL]
    params = validate_params(spec, dict(ARGUMENTS))
    async with running_server("stdio") as server:
        editor = SimulatedEditor()
        peer = editor_peer(server.ws_url, editor)
        await peer.connect()
        try:
            await wait_until(lambda: server.manager.is_connected)
            manager = server.manager
            answer = spec.result.model_validate(await manager.execute(spec.command, params))
            ours_server = server.runtime.mcp
            sdk_server = add_noop(MCPServer("noop"), ours_server, answer)
            add_noop(ours_server, ours_server, answer, NOOP_ON_OURS)
            async with (
                Client(server.runtime.mcp, mode=mode) as ours_client,
                Client(sdk_server, mode=mode) as sdk_client,
            ):
                first = await ours_client.call_tool(TOOL, ARGUMENTS)
                noop = await sdk_client.call_tool(TOOL, ARGUMENTS)
                if first.is_error or noop.is_error:
                    raise RuntimeError(f"{TOOL} failed: {first.content} / {noop.content}")
                if first.structured_content != noop.structured_content:
                    raise RuntimeError("the no-op tool does not answer what ours answers")

                async def ours() -> Any:
                    return await ours_client.call_tool(TOOL, ARGUMENTS)

                async def sdk() -> Any:
                    return await sdk_client.call_tool(TOOL, ARGUMENTS)

                async def ours_noop() -> Any:
                    return await ours_client.call_tool(NOOP_ON_OURS, ARGUMENTS)

                async def unity() -> Any:
                    return await manager.execute(spec.command, params)

                calls = {"sdk": sdk, "ours_noop": ours_noop, "ours": ours, "unity": unity}
                for call in calls.values():
                    await timed_calls(call, max(n // 4, 20))  # warm-up
                trials: dict[str, list[dict[str, float]]] = {name: [] for name in calls}
                for r in range(rounds):
                    order = list(calls) if r % 2 == 0 else list(calls)[::-1]
                    for name in order:
                        peer.received.clear()
                        peer.commands_seen.clear()
                        await settle()
                        trials[name].append(summarize_ns(await timed_calls(calls[name], n)))
        finally:
            await peer.aclose()
    med = {name: statistics.median(t["median_us"] for t in ts) for name, ts in trials.items()}
    own = med["ours"] - med["sdk"] - med["unity"]
    pct = 100 * own / med["sdk"]
    around = med["ours_noop"] - med["sdk"]
    return {
        "tool": TOOL,
        "mode": mode,
        "rounds": rounds,
        "calls_per_round": n,
        "median_us": med,
        "own_us": own,
        "own_pct_of_sdk": pct,
        "around_every_tool_us": around,
        "tool_path_us": own - around,
        "target_pct": TARGET_PCT,
        "pass": pct <= TARGET_PCT,
        "trials": trials,
    }


def report(result: dict[str, Any]) -> str:
    med = result["median_us"]
    t = Table(("what is timed", "median µs"), "<>")
    t.add("sdk: the SDK with a no-op tool (same schema, same client)", f"{med['sdk']:.0f}")
    t.add("ours, no-op: the same no-op on the project's server", f"{med['ours_noop']:.0f}")
    t.add("ours: the project's server, simulated editor", f"{med['ours']:.0f}")
    t.add("unity: UnityManager.execute of the same command", f"{med['unity']:.0f}")
    mark = "PASS" if result["pass"] else "MISS"
    return "\n".join(
        [
            f"MCP tools/call {result['tool']} (in-memory Client, mode {result['mode']}): "
            "the project's own cost",
            f"{result['rounds']} alternating rounds x {result['calls_per_round']} calls · "
            "median of rounds",
            "",
            *t.render(),
            "",
            f"own cost (ours - sdk - unity): {result['own_us']:+.0f} µs = "
            f"{result['own_pct_of_sdk']:+.1f}% of the SDK's (target ≤ {TARGET_PCT:g}%: {mark})",
            f"  around every tool (ours, no-op - sdk): {result['around_every_tool_us']:+.0f} µs",
            f"  the tool path (ours - ours, no-op - unity): {result['tool_path_us']:+.0f} µs",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--mode", choices=("legacy", "auto"), default="auto")
    args = p.parse_args(argv)
    quiet_logging()
    rounds, n = (3, 150) if args.quick else (7, 600)
    result = asyncio.run(run(rounds, n, args.mode))
    result["machine"] = machine()
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
