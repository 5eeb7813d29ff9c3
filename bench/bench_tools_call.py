"""The project's own cost per MCP ``tools/call``, as a share of the SDK's.

Everything is timed socket-free, in alternating rounds, in one process and event loop,
through the same kind of client (an in-memory ``mcp.Client``), on this thread's CPU
time per call (all the work of a socket-free call is on this thread, and CPU time does
not count the time other jobs on a shared machine take the core; wall-clock medians
are reported beside it):

* **sdk**: the SDK alone: a bare ``MCPServer`` (ours' name, title and version) with one
  no-op tool of the same name, parameters and result model as the project's tool,
  returning a result built once from the simulated editor's answer. This is what the
  SDK costs per call on both sides: JSON-RPC dispatch, argument validation, result
  conversion, the client's output-schema check. It is the denominator.
* **sdk + unity**: the same bare no-op, but awaiting first the ``UnityManager.execute``
  call the project's tool makes (same command, same arguments). ``unity`` is the
  difference: the Unity call inside a ``tools/call``, in the cache state it finds
  there (alone in a tight loop, it finds its code and data hot and costs about half;
  ``unity_direct`` reports it so, after an SDK call, for reference).
* **ours**: the same call on the project's server (``build_server`` as ``movesia-mcp``
  runs it: the guard, the middlewares, ``run_unity_tool``).
* **ours, no-op**: the no-op tool added to the project's server: what the project adds
  around every tool (the guard, the middlewares) without the tool itself.

Every Unity command is answered by an in-memory echo (``EchoLink``): the connection's
WebSocket is swapped for an object that answers each command at once with the
simulated editor's real answer to it (captured once over the socket), and the
manager's real read loop runs on it. So the command goes through ``execute``, the
command table, the envelope encoder, ``send_text``, the read loop and the router as
over a socket; only uvicorn, Starlette, the kernel and the editor are missing.

The project's own cost is ``ours - sdk - unity`` = ``ours - (sdk + unity)``, the median
over rounds of that difference within each round (a load that changes between rounds
cancels out), in µs and as a percentage of ``sdk``; split into the part around every
tool (``ours, no-op - sdk``, the same way) and the tool path (the rest). The same from
the medians of the table, from the least disturbed rounds (minima) and in wall-clock
time are printed beside it, and ``run_unity_tool``'s own code as timed inside the call
(its time less that of the ``execute`` it awaits). Target (issue 11): ≤ 10 %.

What the target is judged on leaves out ``UnityManager.execute``: that is project code
too (the command table, the envelope, the read loop, the router), but it is the
``send_and_wait`` path, priced against its own floor by ``bench_roundtrip.py``. So the
figure is the MCP layer's cost (the guard, the middlewares, ``run_unity_tool``). The
whole of what the project adds over the SDK's no-op, that path included (``ours -
sdk``, round by round), is reported beside it as ``added``.

For reference, **ours** and **sdk + unity** are also timed over the real socket with
the simulated editor answering (``ours_socket``, ``sdk_unity_socket``).

    .venv/bin/python bench/bench_tools_call.py [--quick] [--json PATH] [--mode legacy|auto]

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from mcp import Client
from mcp.server.mcpserver import MCPServer

from harness import (
    PLACEHOLDER,
    Call,
    EchoSocket,
    Table,
    editor_peer,
    machine,
    quiet_logging,
    running_server,
    settle,
    timed_batch,
    wait_until,
    write_json,
)
from movesia_mcp._connection import UnityConnection
from movesia_mcp._server import tools
from movesia_mcp._server.tools import validate_params
from movesia_mcp._simulator import SimulatedEditor, SimulatedUnity
from movesia_mcp._unity_manager import UnityManager
from movesia_mcp.catalog import TOOLS_BY_NAME

TARGET_PCT = 10.0
TOOL = "get_editor_state"  # a read with a small answer: the tool path, not the editor
ARGUMENTS: dict[str, Any] = {}
NOOP_ON_OURS = "noop_" + TOOL


def add_noop(
    server: MCPServer,
    ours: MCPServer,
    answer: Any,
    name: str = TOOL,
    *,
    awaiting: Call | None = None,
) -> MCPServer:
    """``server`` with a tool ``name`` that has ours' ``TOOL`` signature and result model
    and returns ``answer`` at once, or once ``awaiting()`` (the Unity call) returned."""
    registered = ours._tool_manager.get_tool(TOOL)  # the SDK's registry (mcp 2.3)
    if registered is None:
        raise RuntimeError(f"the server has no {TOOL}")
    real = registered.fn

    async def noop(**_: Any) -> Any:
        if awaiting is not None:
            await awaiting()
        return answer

    noop.__signature__ = real.__signature__  # type: ignore[attr-defined]
    noop.__annotations__ = dict(real.__annotations__)
    server.add_tool(noop, name=name, description=registered.description, structured_output=True)
    return server


def same_identity(ours: MCPServer) -> MCPServer:
    """A bare ``MCPServer`` named, titled and versioned as ``ours``: the SDK stamps a
    deep copy of that identity on every response, so it costs the same on both."""
    low = ours._lowlevel_server  # no public accessor in mcp 2.3
    bare = MCPServer(low.name, title=low.title, version=low.version or "")
    if bare._lowlevel_server.server_info_stamp != low.server_info_stamp:
        raise RuntimeError("the bare server's identity differs from ours")
    return bare


async def captured_answer(
    manager: UnityManager, peer: SimulatedUnity, call: Callable[[], Any]
) -> str:
    """The frame the simulated editor answers ``call``'s command with, its request id
    replaced by ``PLACEHOLDER``."""
    sent: list[Any] = []
    real = peer.send_raw

    async def recording(data: Any) -> None:
        sent.append(data)
        await real(data)

    peer.send_raw = recording  # type: ignore[method-assign]
    try:
        await call()
    finally:
        peer.send_raw = real  # type: ignore[method-assign]
    answers = [d for d in sent if isinstance(d, dict) and str(d.get("type")).endswith("_response")]
    if len(answers) != 1 or len(sent) != 1:
        raise RuntimeError(f"expected one answer frame from the editor, got {sent!r}")
    [frame] = answers
    request_id = frame["id"]
    if frame["body"].get("request_id") != request_id:
        raise RuntimeError(f"unexpected answer frame {frame!r}")
    return json.dumps(frame).replace(request_id, PLACEHOLDER)


class EchoLink:
    """The connection's WebSocket swapped for an ``EchoSocket`` (``echo()``) or back to
    the real one (``socket()``). The manager's read loop runs on each: the real one
    reads the socket all along, a second one reads the echo."""

    def __init__(self, manager: UnityManager, connection: UnityConnection, template: str) -> None:
        self.manager = manager
        self.connection = connection
        self.real = connection.websocket
        # The server's own ASGI receive/send, when the socket came straight from it: the
        # echo must take every frame, so they are cleared while it is in place.
        self.direct = (connection.asgi_receive, connection.asgi_send)
        self.fake = EchoSocket(template)
        self.reader: asyncio.Task[None] | None = None

    def echo(self) -> None:
        self.connection.websocket = self.fake  # type: ignore[assignment]
        self.connection.asgi_receive = self.connection.asgi_send = None

    def socket(self) -> None:
        self.connection.websocket = self.real
        self.connection.asgi_receive, self.connection.asgi_send = self.direct

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[EchoLink]:
        self.echo()  # the read loop takes the connection's socket when it starts
        self.reader = asyncio.create_task(self.manager.links._read_frames(self.connection))
        await asyncio.sleep(0)
        self.socket()
        try:
            yield self
        finally:
            self.socket()
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


async def tool_code_in_situ(manager: UnityManager, call: Call, n: int) -> float:
    """The median over ``n`` calls of ``run_unity_tool``'s wall time minus that of the
    ``manager.execute`` it makes, both taken inside the same call: the tool's own code
    where it runs (two clock reads each side are in it)."""
    clock = time.perf_counter_ns
    real_run, real_execute = tools.run_unity_tool, manager.execute
    inner: list[int] = [0]
    own: list[int] = []

    async def execute(*args: Any, **kwargs: Any) -> Any:
        t0 = clock()
        try:
            return await real_execute(*args, **kwargs)
        finally:
            inner[0] = clock() - t0

    async def run_unity_tool(*args: Any, **kwargs: Any) -> Any:
        t0 = clock()
        try:
            return await real_run(*args, **kwargs)
        finally:
            own.append(clock() - t0 - inner[0])

    manager.execute = execute  # type: ignore[method-assign]
    tools.run_unity_tool = run_unity_tool  # looked up per call
    try:
        for _ in range(n):
            await call()
    finally:
        manager.execute = real_execute  # type: ignore[method-assign]
        tools.run_unity_tool = real_run
    return statistics.median(own) / 1000


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
            [connection] = manager.connections

            async def unity() -> Any:  # the call run_unity_tool makes
                return await manager.execute(
                    spec.command,
                    params,
                    timeout=spec.timeout,
                    project=None,
                    on_progress=None,
                    survives_reload=spec.survives_reload,
                )

            template = await captured_answer(manager, peer, unity)
            answer = spec.result.model_validate(await unity())
            ours_server = server.runtime.mcp
            sdk_server = add_noop(same_identity(ours_server), ours_server, answer)
            sdk_unity_server = add_noop(
                same_identity(ours_server), ours_server, answer, awaiting=unity
            )
            add_noop(ours_server, ours_server, answer, NOOP_ON_OURS)
            link = EchoLink(manager, connection, template)
            async with (
                link.running(),
                Client(server.runtime.mcp, mode=mode) as ours_client,
                Client(sdk_server, mode=mode) as sdk_client,
                Client(sdk_unity_server, mode=mode) as sdk_unity_client,
            ):
                by_socket = await ours_client.call_tool(TOOL, ARGUMENTS)
                link.echo()
                by_echo = await ours_client.call_tool(TOOL, ARGUMENTS)
                echoed = await unity()
                link.socket()
                noop = await sdk_client.call_tool(TOOL, ARGUMENTS)
                for result in (by_socket, by_echo, noop):
                    if result.is_error:
                        raise RuntimeError(f"{TOOL} failed: {result.content}")
                same = (
                    by_socket.structured_content
                    == by_echo.structured_content
                    == noop.structured_content
                )
                if not same or spec.result.model_validate(echoed) != answer:
                    raise RuntimeError("the echo or the no-op does not answer what ours answers")

                async def ours() -> Any:
                    return await ours_client.call_tool(TOOL, ARGUMENTS)

                async def sdk() -> Any:
                    return await sdk_client.call_tool(TOOL, ARGUMENTS)

                async def sdk_unity() -> Any:
                    return await sdk_unity_client.call_tool(TOOL, ARGUMENTS)

                async def ours_noop() -> Any:
                    return await ours_client.call_tool(NOOP_ON_OURS, ARGUMENTS)

                # name: (call, link, untimed call before each): every socket-free call
                # runs on the echo. The Unity command alone ("unity_direct", for
                # reference) is timed right after an SDK call, not in a tight loop, where
                # it would find its code and data hot and cost about half.
                calls: dict[str, tuple[Call, Callable[[], None], Call | None]] = {
                    "sdk": (sdk, link.echo, None),
                    "sdk_unity": (sdk_unity, link.echo, None),
                    "ours_noop": (ours_noop, link.echo, None),
                    "ours": (ours, link.echo, None),
                    "unity_direct": (unity, link.echo, sdk),
                    "ours_socket": (ours, link.socket, None),
                    "sdk_unity_socket": (sdk_unity, link.socket, None),
                }
                for call, use, between in calls.values():
                    use()
                    await timed_batch(call, max(n // 2, 20), between=between)  # warm-up
                trials: dict[str, list[dict[str, float]]] = {name: [] for name in calls}
                for r in range(rounds):
                    order = list(calls) if r % 2 == 0 else list(calls)[::-1]
                    for name in order:
                        call, use, between = calls[name]
                        use()
                        peer.received.clear()
                        peer.commands_seen.clear()
                        await settle()
                        trials[name].append(await timed_batch(call, n, between=between))
                link.echo()
                in_situ = await tool_code_in_situ(manager, ours, rounds * n // 2)
                link.socket()
        finally:
            await peer.aclose()
    # The verdict is on CPU time per call (see the module's docstring); the wall-clock
    # medians are reported beside it. "unity" is the Unity call inside a tools/call: the
    # SDK's no-op that makes it, less the one that does not.
    med = {name: statistics.median(t["cpu_us"] for t in ts) for name, ts in trials.items()}
    wall = {name: statistics.median(t["median_us"] for t in ts) for name, ts in trials.items()}
    low = {name: min(t["cpu_us"] for t in ts) for name, ts in trials.items()}
    for figures in (med, wall, low):
        figures["unity"] = figures["sdk_unity"] - figures["sdk"]
        figures["unity_socket"] = figures["sdk_unity_socket"] - figures["sdk"]

    def paired(a: str, b: str) -> float:
        """The median over rounds of ``a - b`` in the same round: a load that changes
        between rounds cancels out."""
        pairs = zip(trials[a], trials[b], strict=True)
        return float(statistics.median(x["cpu_us"] - y["cpu_us"] for x, y in pairs))

    own = paired("ours", "sdk_unity")  # = ours - sdk - unity, round by round
    pct = 100 * own / med["sdk"]
    around = paired("ours_noop", "sdk")
    # Everything the project adds over the SDK's no-op, its own Unity command path on
    # the in-memory link included (that path is priced by the send_and_wait targets).
    added = paired("ours", "sdk")
    own_medians = med["ours"] - med["sdk"] - med["unity"]
    wall_own = wall["ours"] - wall["sdk"] - wall["unity"]
    own_min = low["ours"] - low["sdk"] - low["unity"]
    own_socket = med["ours_socket"] - med["sdk_unity_socket"]
    return {
        "tool": TOOL,
        "mode": mode,
        "link": "in-memory echo of the simulated editor's answer",
        "rounds": rounds,
        "calls_per_round": n,
        "clock": "thread CPU time per call, median of rounds",
        "median_us": med,
        "wall_median_us": wall,
        "wall_own_us": wall_own,
        "wall_own_pct_of_sdk": 100 * wall_own / wall["sdk"],
        "own_us": own,
        "own_pct_of_sdk": pct,
        "own_of_medians_us": own_medians,
        "added_us": added,
        "added_pct_of_sdk": 100 * added / med["sdk"],
        "tool_code_in_situ_us": in_situ,
        "min_us": low,
        "own_min_us": own_min,
        "own_min_pct_of_sdk": 100 * own_min / low["sdk"],
        "around_every_tool_us": around,
        "tool_path_us": own - around,
        "socket_own_us": own_socket,
        "socket_own_pct_of_sdk": 100 * own_socket / med["sdk"],
        "target_pct": TARGET_PCT,
        "pass": pct <= TARGET_PCT,
        "trials": trials,
    }


def report(result: dict[str, Any]) -> str:
    cpu, wall = result["median_us"], result["wall_median_us"]
    t = Table(("what is timed", "CPU µs", "wall µs"), "<>>")
    rows = (
        ("sdk", "sdk: the SDK with a no-op tool (same schema, same client)"),
        ("sdk_unity", "sdk + unity: the SDK's no-op making the tool's Unity call"),
        ("unity", "  unity: that Unity call inside a tools/call (difference)"),
        ("ours_noop", "ours, no-op: the no-op on the project's server"),
        ("ours", "ours: the project's tool"),
        ("unity_direct", "UnityManager.execute alone, after an SDK call (reference)"),
        ("ours_socket", "ours over the socket, simulated editor (reference)"),
        ("sdk_unity_socket", "sdk + unity over the socket (reference)"),
    )
    for key, label in rows:
        t.add(label, f"{cpu[key]:.1f}", f"{wall[key]:.0f}")
    mark = "PASS" if result["pass"] else "MISS"
    return "\n".join(
        [
            f"MCP tools/call {result['tool']} (in-memory Client, mode {result['mode']}): "
            "the project's own cost",
            f"{result['rounds']} alternating rounds x {result['calls_per_round']} calls · "
            "median of rounds; CPU = this thread's CPU time per call, wall = median latency",
            "",
            *t.render(),
            "",
            "the Unity command answered by an in-memory echo of the simulated editor's "
            "answer, unless over the socket",
            "",
            "own cost of the MCP layer (ours - sdk - unity, CPU, median of the rounds' "
            "differences): "
            f"{result['own_us']:+.1f} µs = "
            f"{result['own_pct_of_sdk']:+.1f}% of the SDK's (target ≤ {TARGET_PCT:g}%: {mark})",
            "  around every tool (ours, no-op - sdk, the same): "
            f"{result['around_every_tool_us']:+.1f} µs",
            f"  the tool path (ours - ours, no-op - unity): {result['tool_path_us']:+.1f} µs",
            f"  from the medians in the table: {result['own_of_medians_us']:+.1f} µs",
            f"  from the least disturbed rounds (minima): {result['own_min_us']:+.1f} µs = "
            f"{result['own_min_pct_of_sdk']:+.1f}% of the SDK's {result['min_us']['sdk']:.0f} µs",
            f"  run_unity_tool's own code inside the call (its time - execute's, per call): "
            f"{result['tool_code_in_situ_us']:.1f} µs",
            "all the project adds, its Unity command path on the echo included (ours - sdk, "
            f"the same way): {result['added_us']:+.1f} µs = {result['added_pct_of_sdk']:+.1f}%",
            f"the same in wall-clock medians: {result['wall_own_us']:+.0f} µs = "
            f"{result['wall_own_pct_of_sdk']:+.1f}%",
            f"over the socket (reference, CPU: ours - (sdk + unity), both over it): "
            f"{result['socket_own_us']:+.0f} µs = {result['socket_own_pct_of_sdk']:+.1f}%",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--mode", choices=("legacy", "auto"), default="auto")
    p.add_argument("--rounds", type=int)
    p.add_argument("--n", type=int, help="calls per round")
    args = p.parse_args(argv)
    quiet_logging()
    rounds, n = (12, 50) if args.quick else (60, 60)
    rounds, n = args.rounds or rounds, args.n or n
    result = asyncio.run(run(rounds, n, args.mode))
    result["machine"] = machine()
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
