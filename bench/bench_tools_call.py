"""The project's own cost per MCP ``tools/call``, as a share of the SDK's.

Everything is timed socket-free, in one process and event loop, through the same kind
of client (an in-memory ``mcp.Client``), on this thread's CPU time per call (all the
work of a socket-free call is on this thread, and CPU time does not count the time
other jobs on a shared machine take the core; wall-clock medians are reported beside
it). The calls compared are:

* **sdk**: the SDK alone: a bare ``MCPServer`` (ours' name, title and version) with one
  no-op tool of the same name, parameters and result model as the project's tool,
  returning a result built once from the simulated editor's answer. This is what the
  SDK costs per call on both sides: JSON-RPC dispatch, argument validation, result
  conversion, the client's output-schema check. It is the denominator.
* **sdk + unity**: the same bare no-op, but awaiting first the ``UnityManager.execute``
  call the project's tool makes (same command, same arguments). ``unity`` is the
  difference: the Unity call inside a ``tools/call``, in the cache state it finds
  there (``unity_direct``, the same call made alone, is reported for reference).
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

**Interleaved call by call.** One cycle makes one call of every socket-free kind, in an
order shuffled every cycle (seeded, so the same in every run) and never starting with the
kind the cycle before ended with: no kind runs twice in a row, where its caches would be
hot, and each follows each of the others about equally often. The two kinds over the
socket are interleaved with each other after the others. So the calls compared run a
fraction of a millisecond apart: this machine's speed changes over seconds, and calls
timed in blocks of their own (the former design) put those changes between them. The
project's own cost is ``ours - (sdk + unity)``, the median over the cycles of that
difference within each cycle, in µs and as a percentage of ``sdk``'s median, with 95 %
intervals of both from a block bootstrap (blocks of 50 consecutive cycles: neighbouring
cycles are not independent when the speed drifts, and the denominator drifts with the
numerator); split into the part around every tool (``ours, no-op - sdk``, the same way)
and the tool path (the rest). The mean of the middle 80 % of the differences (which
keeps more of the tail: collections, cache misses), the same in wall-clock time, and
``run_unity_tool``'s own code as timed inside the call (its time less that of the
``execute`` it awaits) are printed beside it.
Target (issue 11): ≤ 10 %.

What the target is judged on leaves out ``UnityManager.execute``: that is project code
too (the command table, the envelope, the read loop, the router), but it is the
``send_and_wait`` path, priced against its own floor by ``bench_roundtrip.py``. So the
figure is the MCP layer's cost (the guard, the middlewares, ``run_unity_tool``). The
whole of what the project adds over the SDK's no-op, that path included (``ours -
sdk``, cycle by cycle), is reported beside it as ``added``.

For reference, **ours** and **sdk + unity** are also timed over the real socket with
the simulated editor answering (``ours_socket``, ``sdk_unity_socket``).

``--instructions`` adds the noise-free side (it needs valgrind, about 6 minutes): the
user-space instructions per call of sdk, sdk + unity, ours with the no-op and ours, each
counted in two processes under callgrind that differ only in the number of calls (two
processes at a time, ``PYTHONHASHSEED=0``).

    .venv/bin/python bench/bench_tools_call.py [--quick] [--instructions] [--json PATH]

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

from mcp import Client
from mcp.server.mcpserver import MCPServer

from harness import (
    PLACEHOLDER,
    Call,
    EchoSocket,
    Table,
    clear_history,
    editor_peer,
    instructions,
    machine,
    quiet_logging,
    running_server,
    settle,
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


@contextlib.asynccontextmanager
async def prepared(mode: str) -> AsyncIterator[Prepared]:
    """The project's server with the simulated editor connected, the echo link running,
    the three clients open, and every timed call checked to answer what ours answers."""
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

                # name: (call, the link it runs on): every socket-free call runs on
                # the echo.
                calls: dict[str, tuple[Call, Callable[[], None]]] = {
                    "sdk": (sdk, link.echo),
                    "sdk_unity": (sdk_unity, link.echo),
                    "ours_noop": (ours_noop, link.echo),
                    "ours": (ours, link.echo),
                    "unity_direct": (unity, link.echo),
                    "ours_socket": (ours, link.socket),
                    "sdk_unity_socket": (sdk_unity, link.socket),
                }
                yield Prepared(manager, peer, link, calls)
        finally:
            await peer.aclose()


@dataclasses.dataclass
class Prepared:
    manager: UnityManager
    peer: SimulatedUnity
    link: EchoLink
    calls: dict[str, tuple[Call, Callable[[], None]]]

    async def settle(self) -> None:
        """The simulated editor's record cleared, the loop's pending work run."""
        clear_history(self.peer)
        await settle()


WARMUP = 100  # calls of each kind before the timed cycles
SETTLE_EVERY = 100  # cycles between two chances for the loop's other work to run
# The kinds interleaved with one another: the socket-free ones, then the two over the
# socket (whose I/O and simulated editor would leave the others' caches colder).
INTERLEAVED = (
    ("sdk", "sdk_unity", "ours_noop", "ours", "unity_direct"),
    ("ours_socket", "sdk_unity_socket"),
)
ORDER_SEED = 11  # the cycles' orders, the same in every run
BLOCK = 50  # consecutive cycles resampled together for the interval
RESAMPLES = 1000


def cycle_orders(group: Sequence[str], cycles: int) -> Iterator[list[str]]:
    """``cycles`` orders of ``group``, shuffled, none starting with the kind the one
    before ended with: no kind runs twice in a row (its caches would be hot), and each
    follows each of the others about equally often."""
    rng = random.Random(ORDER_SEED)
    last = None
    for _ in range(cycles):
        order = list(group)
        rng.shuffle(order)
        while order[0] == last:
            rng.shuffle(order)
        last = order[-1]
        yield order


async def run(cycles: int, mode: str) -> dict[str, Any]:
    cpu_clock, wall_clock = time.thread_time_ns, time.perf_counter_ns
    async with prepared(mode) as ready:
        calls = ready.calls
        names = [name for group in INTERLEAVED for name in group]
        if sorted(names) != sorted(calls):
            raise RuntimeError("INTERLEAVED must name every kind of call once")
        for call, use in calls.values():
            use()
            for _ in range(WARMUP):
                await call()
        cpu: dict[str, list[int]] = {name: [] for name in names}
        wall: dict[str, list[int]] = {name: [] for name in names}
        for group in INTERLEAVED:
            for c, order in enumerate(cycle_orders(group, cycles)):
                for name in order:
                    call, use = calls[name]
                    use()
                    c0, t0 = cpu_clock(), wall_clock()
                    await call()
                    t1, c1 = wall_clock(), cpu_clock()
                    cpu[name].append(c1 - c0)
                    wall[name].append(t1 - t0)
                if c % SETTLE_EVERY == SETTLE_EVERY - 1:
                    await ready.settle()
        ready.link.echo()
        in_situ = await tool_code_in_situ(ready.manager, calls["ours"][0], cycles)
    # The verdict is on CPU time per call (see the module's docstring); the wall-clock
    # medians are reported beside it. "unity" is the Unity call inside a tools/call: the
    # SDK's no-op that makes it, less the one that does not.
    med = {name: statistics.median(v) / 1000 for name, v in cpu.items()}
    wall_med = {name: statistics.median(v) / 1000 for name, v in wall.items()}
    for figures in (med, wall_med):
        figures["unity"] = figures["sdk_unity"] - figures["sdk"]

    def per_cycle(a: str, b: str, samples: dict[str, list[int]] = cpu) -> list[float]:
        """``a - b`` in each cycle, in µs."""
        return [(x - y) / 1000 for x, y in zip(samples[a], samples[b], strict=True)]

    own_d = per_cycle("ours", "sdk_unity")  # = ours - sdk - unity, cycle by cycle
    own = statistics.median(own_d)
    (low, high), (low_pct, high_pct) = block_interval(own_d, [v / 1000 for v in cpu["sdk"]])
    around = statistics.median(per_cycle("ours_noop", "sdk"))
    added = statistics.median(per_cycle("ours", "sdk"))
    ordered = sorted(own_d)
    trimmed = ordered[len(ordered) // 10 : len(ordered) - len(ordered) // 10]
    own_trimmed = statistics.fmean(trimmed)
    wall_own = statistics.median(per_cycle("ours", "sdk_unity", wall))
    own_socket = statistics.median(per_cycle("ours_socket", "sdk_unity_socket"))
    pct = 100 * own / med["sdk"]
    return {
        "tool": TOOL,
        "mode": mode,
        "link": "in-memory echo of the simulated editor's answer",
        "cycles": cycles,
        "clock": "thread CPU time per call, median over cycles of one call of each kind",
        "interval": f"block bootstrap: {BLOCK} consecutive cycles, {RESAMPLES} resamples",
        "median_us": med,
        "wall_median_us": wall_med,
        "own_us": own,
        "own_interval_us": [low, high],
        "own_pct_of_sdk": pct,
        "own_interval_pct_of_sdk": [low_pct, high_pct],
        "own_trimmed_mean_us": own_trimmed,
        "own_trimmed_mean_pct_of_sdk": 100 * own_trimmed / med["sdk"],
        "wall_own_us": wall_own,
        "wall_own_pct_of_sdk": 100 * wall_own / wall_med["sdk"],
        "around_every_tool_us": around,
        "tool_path_us": own - around,
        "added_us": added,
        "added_pct_of_sdk": 100 * added / med["sdk"],
        "tool_code_in_situ_us": in_situ,
        "socket_own_us": own_socket,
        "socket_own_pct_of_sdk": 100 * own_socket / med["sdk"],
        "target_pct": TARGET_PCT,
        "pass": pct <= TARGET_PCT,
    }


def block_interval(
    differences: list[float], base: list[float]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """95 % intervals of ``median(differences)`` and of ``100 * median(differences) /
    median(base)`` (the two taken in the same cycles), by a block bootstrap: blocks of
    ``BLOCK`` consecutive cycles drawn with replacement, since neighbouring cycles are
    not independent on a machine whose speed drifts, and the denominator drifts with
    the numerator."""
    rng = random.Random(ORDER_SEED)
    blocks = [
        (differences[s : s + BLOCK], base[s : s + BLOCK])
        for s in range(0, len(differences) - BLOCK + 1, BLOCK)
    ]
    medians: list[float] = []
    shares: list[float] = []
    for _ in range(RESAMPLES):
        picked = rng.choices(blocks, k=len(blocks))
        median = statistics.median([d for block, _ in picked for d in block])
        medians.append(median)
        shares.append(100 * median / statistics.median([b for _, bs in picked for b in bs]))

    def middle_95(values: list[float]) -> tuple[float, float]:
        values.sort()
        return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]

    return middle_95(medians), middle_95(shares)


# ── the same, in instructions (valgrind): the noise-free side ──────────────────────────

COUNTED = ("sdk", "sdk_unity", "ours_noop", "ours")
COUNT_WARMUP, COUNT_SMALL, COUNT_LARGE = 300, 100, 700


async def count_child(name: str, n: int, mode: str) -> None:
    """The measured process: the setup, ``COUNT_WARMUP`` calls of ``name``, ``n`` more."""
    quiet_logging()
    async with prepared(mode) as ready:
        call, use = ready.calls[name]
        use()
        for _ in range(COUNT_WARMUP + n):
            await call()


def count(mode: str) -> dict[str, Any]:
    """Instructions per call of each of ``COUNTED``: the difference of two processes
    under callgrind that differ only in the number of calls (two run at once)."""

    def counted(job: tuple[str, int]) -> int:
        name, n = job
        script = os.path.abspath(__file__)
        return instructions([script, "--count-child", name, str(n), "--mode", mode])

    jobs = [(name, n) for name in COUNTED for n in (COUNT_SMALL, COUNT_LARGE)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        totals = dict(zip(jobs, pool.map(counted, jobs), strict=True))
    per_call = {
        name: (totals[name, COUNT_LARGE] - totals[name, COUNT_SMALL]) / (COUNT_LARGE - COUNT_SMALL)
        for name in COUNTED
    }
    own = per_call["ours"] - per_call["sdk_unity"]
    around = per_call["ours_noop"] - per_call["sdk"]
    pct = 100 * own / per_call["sdk"]
    return {
        "tool": TOOL,
        "mode": mode,
        "calls": [COUNT_SMALL, COUNT_LARGE],
        "warmup": COUNT_WARMUP,
        "per_call": per_call,
        "unity": per_call["sdk_unity"] - per_call["sdk"],
        "own": own,
        "own_pct_of_sdk": pct,
        "around_every_tool": around,
        "tool_path": own - around,
        "target_pct": TARGET_PCT,
        "pass": pct <= TARGET_PCT,
    }


def count_report(result: dict[str, Any]) -> str:
    per_call, k = result["per_call"], 1000
    mark = "PASS" if result["pass"] else "MISS"
    return "\n".join(
        [
            f"MCP tools/call {result['tool']} (in-memory Client, mode {result['mode']}): "
            "user-space instructions per call (callgrind)",
            f"{result['calls'][0]} vs {result['calls'][1]} calls after {result['warmup']} "
            "of warm-up, one process per count; client, server and loop in one thread",
            "",
            f"  sdk (the SDK's no-op)          {per_call['sdk'] / k:9.1f}k",
            f"  sdk + unity                    {per_call['sdk_unity'] / k:9.1f}k"
            f"   unity: {result['unity'] / k:+.1f}k",
            f"  ours, no-op                    {per_call['ours_noop'] / k:9.1f}k",
            f"  ours                           {per_call['ours'] / k:9.1f}k",
            "",
            f"own cost of the MCP layer (ours - sdk - unity): {result['own'] / k:+.1f}k "
            f"= {result['own_pct_of_sdk']:+.1f}% of the SDK's (target ≤ {TARGET_PCT:g}%: {mark})",
            f"  around every tool (ours, no-op - sdk): {result['around_every_tool'] / k:+.1f}k",
            f"  the tool path (the rest): {result['tool_path'] / k:+.1f}k",
        ]
    )


def report(result: dict[str, Any]) -> str:
    cpu, wall = result["median_us"], result["wall_median_us"]
    t = Table(("what is timed", "CPU µs", "wall µs"), "<>>")
    rows = (
        ("sdk", "sdk: the SDK with a no-op tool (same schema, same client)"),
        ("sdk_unity", "sdk + unity: the SDK's no-op making the tool's Unity call"),
        ("unity", "  unity: that Unity call inside a tools/call (difference)"),
        ("ours_noop", "ours, no-op: the no-op on the project's server"),
        ("ours", "ours: the project's tool"),
        ("unity_direct", "UnityManager.execute alone (reference)"),
        ("ours_socket", "ours over the socket, simulated editor (reference)"),
        ("sdk_unity_socket", "sdk + unity over the socket (reference)"),
    )
    for key, label in rows:
        t.add(label, f"{cpu[key]:.1f}", f"{wall[key]:.0f}")
    mark = "PASS" if result["pass"] else "MISS"
    low, high = result["own_interval_us"]
    low_pct, high_pct = result["own_interval_pct_of_sdk"]
    lines = [
        f"MCP tools/call {result['tool']} (in-memory Client, mode {result['mode']}): "
        "the project's own cost",
        f"{result['cycles']} cycles of one call of each kind, interleaved · median over the "
        "cycles; CPU = this thread's CPU time per call, wall = latency",
        "",
        *t.render(),
        "",
        "the Unity command answered by an in-memory echo of the simulated editor's "
        "answer, unless over the socket",
        "",
        "own cost of the MCP layer (ours - sdk - unity, CPU, median of the cycles' "
        f"differences): {result['own_us']:+.1f} µs = {result['own_pct_of_sdk']:+.1f}% of the "
        f"SDK's (target ≤ {TARGET_PCT:g}%: {mark})",
        f"  95% interval (block bootstrap): {low:+.1f} to {high:+.1f} µs "
        f"({low_pct:+.1f} to {high_pct:+.1f}%)",
        "  around every tool (ours, no-op - sdk, the same): "
        f"{result['around_every_tool_us']:+.1f} µs",
        f"  the tool path (the rest): {result['tool_path_us']:+.1f} µs",
        f"  mean of the middle 80% of the differences: {result['own_trimmed_mean_us']:+.1f} µs "
        f"= {result['own_trimmed_mean_pct_of_sdk']:+.1f}%",
        f"  in wall-clock time: {result['wall_own_us']:+.1f} µs = "
        f"{result['wall_own_pct_of_sdk']:+.1f}%",
        f"  run_unity_tool's own code inside the call (its time - execute's, per call): "
        f"{result['tool_code_in_situ_us']:.1f} µs",
        "all the project adds, its Unity command path on the echo included (ours - sdk, "
        f"the same way): {result['added_us']:+.1f} µs = {result['added_pct_of_sdk']:+.1f}%",
        f"over the socket (reference, CPU: ours - (sdk + unity), both over it): "
        f"{result['socket_own_us']:+.0f} µs = {result['socket_own_pct_of_sdk']:+.1f}%",
    ]
    counts = result.get("instructions")
    if counts is not None:
        lines += ["", count_report(counts) if "skipped" not in counts else counts["skipped"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--mode", choices=("legacy", "auto"), default="auto")
    p.add_argument("--cycles", type=int, help="cycles of one call of each kind")
    p.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per call under valgrind (about 6 minutes)",
    )
    p.add_argument("--count-child", nargs=2, metavar=("CALL", "N"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.count_child:
        name, n = args.count_child
        asyncio.run(count_child(name, int(n), args.mode))
        return 0
    quiet_logging()
    cycles = args.cycles or (600 if args.quick else 3000)
    if cycles < 2 * BLOCK:
        p.error(f"--cycles: at least {2 * BLOCK} (the interval resamples blocks of {BLOCK})")
    result = asyncio.run(run(cycles, args.mode))
    if args.instructions:
        if shutil.which("valgrind") is None:
            result["instructions"] = {"skipped": "valgrind is not installed"}
        else:
            try:
                result["instructions"] = count(args.mode)
            except subprocess.CalledProcessError as exc:
                tail = (exc.stderr or "").strip().splitlines()[-1:]
                result["instructions"] = {"skipped": f"a callgrind run failed: {tail}"}
    result["machine"] = machine()
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
