"""Load and scale benchmark of the real server (``Runtime`` + ``serving``, loopback only).

Sections, each reported as a ratio to a floor measured in the same run:

1. ``editors``: many SimulatedUnity editors connected at once (distinct projects),
   commands spread over them with ``execute(..., project=...)``. Sequential latency
   (p50/p99) and pipelined throughput against the same server with **one** editor and
   against the bare-websockets floor (``pairs.Floor``) with one peer and with
   as many bare peers as editors.
2. ``mcp_clients``: many concurrent MCP clients on the streamable HTTP transport, each
   calling ``find_objects`` in a loop, both protocol eras. The clients run in a child
   process (an MCP client is another process); the floor is **one** client.
3. ``flood``: an editor in a child process sends ``hierarchy_changed`` and
   ``log_message`` events at 2,000/s while commands keep running on a quiet editor and
   on the flooding one. Command p99 under the flood against the idle p99 of the same
   loop (target ≤ 10x), events processed against sent, RSS and tracemalloc at start,
   middle and end (a second pass runs under tracemalloc), MCP notifications a
   subscribed client got, and the highest sustained event rate (bounded steps).
4. ``reconnect``: after a domain reload, the time from the peer opening its new
   connection to the first command answered on it: a command that waited through the
   reload, and a reload-surviving command answered after it. Floor: a bare
   ``websockets`` connect plus one command on the new socket. Target ≤ 50 ms.
5. ``hierarchy``: ``SimulatedEditor(objects=100_000)``: build time and memory, then
   paged ``get_hierarchy`` (limit 100, depth 1; and the defaults) through
   ``send_and_wait`` and through the MCP tool, time and peak tracemalloc, against the
   same query on the 17-object sample scene.

    .venv/bin/python bench/bench_load.py                  # full sizes (~3 min)
    .venv/bin/python bench/bench_load.py --quick          # CI-sized (< 60 s)
    .venv/bin/python bench/bench_load.py --only flood --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sys
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from mcp import Client, MCPDeprecationWarning
from mcp.types import ResourceUpdatedNotification
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from harness import (
    RunningServer,
    Table,
    clear_history,
    cpu_seconds,
    echo_peer,
    editor_peer,
    fmt_us,
    machine,
    mark,
    median_of,
    pipelined_rate,
    project_name,
    quiet_logging,
    rss_mb,
    running_server,
    settle,
    summarize_ns,
    timed_calls,
    wait_until,
    write_json,
)
from movesia_mcp._simulator import ReloadThenAnswer, SimulatedEditor, SimulatedUnity
from movesia_mcp._simulator.peer import HandlerResult
from pairs import BarePeer, Floor, command_text, echo_params, new_session

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOD_P99_TARGET = 10.0  # command p99 under the flood / idle p99, at most
RECONNECT_TARGET_MS = 50.0
PARAMS = echo_params(64)
FIND = ("find_objects", {"name": "oak"})
FINISHED_IDS = 4096  # CommandTable remembers this many answered ids (bounded)


@dataclass(frozen=True)
class Plan:
    editors: int
    editor_rounds: int
    editor_latency_n: int
    editor_throughput_m: int
    depth: int
    mcp_clients: int
    mcp_seconds: float
    flood_rate: int
    flood_seconds: float
    idle_seconds: float
    traced_warmup_seconds: float
    step_rates: tuple[int, ...]
    step_seconds: float
    reconnect_trials: int
    hierarchy_objects: int
    hierarchy_reps: int


FULL = Plan(
    editors=100,
    editor_rounds=5,
    editor_latency_n=2000,
    editor_throughput_m=12_000,
    depth=64,
    mcp_clients=50,
    mcp_seconds=6.0,
    flood_rate=2000,
    flood_seconds=10.0,
    idle_seconds=5.0,
    traced_warmup_seconds=2.0,
    step_rates=(2000, 4000, 8000, 16000, 24000, 32000, 48000),
    step_seconds=4.0,
    reconnect_trials=40,
    hierarchy_objects=100_000,
    hierarchy_reps=30,
)
QUICK = Plan(
    editors=50,
    editor_rounds=3,
    editor_latency_n=600,
    editor_throughput_m=3000,
    depth=64,
    mcp_clients=20,
    mcp_seconds=2.0,
    flood_rate=2000,
    flood_seconds=3.0,
    idle_seconds=2.0,
    traced_warmup_seconds=1.0,
    step_rates=(2000, 4000, 8000, 16000),
    step_seconds=1.5,
    reconnect_trials=10,
    hierarchy_objects=100_000,
    hierarchy_reps=8,
)
SECTIONS = ("editors", "mcp_clients", "flood", "reconnect", "hierarchy")


# ── child processes (an MCP client, a flooding editor: other processes in real life) ─


class Child:
    """This script in a child process, spoken to in lines (stdin) and JSON (stdout)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, *args: str) -> Child:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            os.path.join(HERE, "bench_load.py"),
            "--child",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def line(self, timeout: float = 60.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            code = await asyncio.wait_for(self.proc.wait(), 5)
            raise RuntimeError(f"bench child exited with {code} before answering")
        data: dict[str, Any] = json.loads(raw)
        return data

    async def tell(self, *words: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((" ".join(map(str, words)) + "\n").encode())
        await self.proc.stdin.drain()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ConnectionError, AssertionError):
                await self.tell("quit")
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def emit(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def child_flood(url: str, project_path: str) -> None:
    """An editor that answers ``echo`` and, when told ``flood RATE SECONDS``, sends
    events at RATE per second (half ``hierarchy_changed``, half ``log_message``)."""
    peer = echo_peer(url, project_path)
    await peer.connect()
    assert peer.ws is not None
    ws, session = peer.ws, peer.session_id
    emit({"ready": True, "session": session})
    serial = 0
    while True:
        words = (await asyncio.to_thread(sys.stdin.readline)).split()
        if not words or words[0] == "quit":
            break
        rate, seconds = float(words[1]), float(words[2])
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        sent = 0
        while True:
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds:
                break
            due = min(int(rate * elapsed) + 1, int(rate * seconds))
            for _ in range(min(due - sent, 1000)):
                serial += 1
                ts = int(time.time())
                if serial % 2:
                    text = (
                        f'{{"v":1,"source":"unity","type":"hierarchy_changed","ts":{ts},'
                        f'"id":"ev{serial:012d}","body":{{"scenes":["SampleScene"]}},'
                        f'"session":"{session}"}}'
                    )
                else:
                    text = (
                        f'{{"v":1,"source":"unity","type":"log_message","ts":{ts},'
                        f'"id":"ev{serial:012d}","body":{{"type":"Log","message":'
                        f'"tick {serial}","stacktrace":""}},"session":"{session}"}}'
                    )
                await ws.send(text)
                sent += 1
            peer.received.clear()  # the ACKs of hierarchy_changed, kept for tests
            if sent >= due:
                await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - t0
        emit({"sent": sent, "elapsed": elapsed, "cpu": (cpu_seconds() - cpu0) / elapsed})
    await peer.aclose()


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


# ── 1. many editors ─────────────────────────────────────────────────────────────────


class MultiFloor:
    """The floor with ``n`` bare peers connected; commands go round-robin over them."""

    def __init__(self, params: dict[str, Any], n: int) -> None:
        self.params = params
        self.n = n
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.sockets: list[tuple[ServerConnection, str]] = []
        self.peers: list[BarePeer] = []
        self.turn = 0
        self.server: Any = None

    async def start(self) -> None:
        pending = self.pending

        async def handler(ws: ServerConnection) -> None:
            session = ws.request.path.rsplit("/", 1)[-1] if ws.request else "?"
            self.sockets.append((ws, session))
            with contextlib.suppress(ConnectionClosed):
                async for raw in ws:
                    message = json.loads(raw)
                    future = pending.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(message["body"])

        self.server = await serve(
            handler, "127.0.0.1", 0, compression=None, ping_interval=None, max_size=None
        )
        port = next(iter(self.server.sockets)).getsockname()[1]
        for _ in range(self.n):
            peer = BarePeer(new_session())
            await peer.connect(f"ws://127.0.0.1:{port}/{peer.session}")
            self.peers.append(peer)
        await wait_until(lambda: len(self.sockets) == self.n)

    async def call(self) -> dict[str, Any]:
        ws, session = self.sockets[self.turn % self.n]
        self.turn += 1
        request_id = os.urandom(16).hex()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await ws.send(command_text(request_id, self.params, session))
        return await future

    async def stop(self) -> None:
        for peer in self.peers:
            await peer.close()
        self.server.close()
        await self.server.wait_closed()


class Editors:
    """The real server with ``n`` echo editors; commands name their project."""

    def __init__(self, n: int, stack: contextlib.AsyncExitStack) -> None:
        self.n = n
        self.stack = stack
        self.names: list[str] = []
        self.peers: list[SimulatedUnity] = []
        self.turn = 0
        self.server: RunningServer | None = None
        self.connect_s = 0.0

    async def start(self) -> None:
        server = await self.stack.enter_async_context(running_server(max_connections=self.n + 10))
        self.server = server
        paths = [f"/bench/editors{self.n}/Project{i:03d}" for i in range(self.n)]
        self.peers = [echo_peer(server.ws_url, path) for path in paths]
        self.names = [project_name(path) for path in paths]
        t0 = time.perf_counter()
        for i in range(0, self.n, 10):  # ten handshakes at a time
            await asyncio.gather(*(p.connect() for p in self.peers[i : i + 10]))
        manager = server.manager
        await wait_until(
            lambda: sum(s.connection is not None for s in manager.sessions.values()) == self.n
        )
        self.connect_s = time.perf_counter() - t0
        for peer in self.peers:
            self.stack.push_async_callback(peer.aclose)

    async def call(self) -> dict[str, Any]:
        assert self.server is not None
        name = self.names[self.turn % self.n]
        self.turn += 1
        return await self.server.manager.execute("echo", PARAMS, project=name)

    def reset(self) -> None:
        clear_history(*self.peers)


async def section_editors(plan: Plan) -> dict[str, Any]:
    n = plan.editors
    async with contextlib.AsyncExitStack() as stack:
        floor1, floor_n = Floor(PARAMS), MultiFloor(PARAMS, n)
        ours1, ours_n = Editors(1, stack), Editors(n, stack)
        await floor1.start()
        stack.push_async_callback(floor1.stop)
        await floor_n.start()
        stack.push_async_callback(floor_n.stop)
        await ours1.start()
        await ours_n.start()
        sides: dict[str, Callable[[], Awaitable[Any]]] = {
            "floor, 1 peer": floor1.call,
            f"floor, {n} peers": floor_n.call,
            "ours, 1 editor": ours1.call,
            f"ours, {n} editors": ours_n.call,
        }
        for call in sides.values():
            await timed_calls(call, 500)
            await pipelined_rate(call, 2000, plan.depth)
        trials: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        names = list(sides)
        for r in range(plan.editor_rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                ours1.reset()
                ours_n.reset()
                await settle()
                lat = summarize_ns(await timed_calls(sides[name], plan.editor_latency_n))
                await settle()
                lat["throughput"] = await pipelined_rate(
                    sides[name], plan.editor_throughput_m, plan.depth
                )
                trials[name].append(lat)
        figures = {
            name: {
                "median_us": median_of(t, "median_us"),
                "p99_us": median_of(t, "p99_us"),
                "throughput_per_s": median_of(t, "throughput"),
            }
            for name, t in trials.items()
        }
        connect_s = ours_n.connect_s

    def ratio(a: str, b: str) -> dict[str, float]:
        fa, fb = figures[a], figures[b]
        return {
            "median": fa["median_us"] / fb["median_us"],
            "p99": fa["p99_us"] / fb["p99_us"],
            "throughput": fa["throughput_per_s"] / fb["throughput_per_s"],
        }

    many, one = f"ours, {n} editors", "ours, 1 editor"
    return {
        "editors": n,
        "connect_all_s": connect_s,
        "figures": figures,
        "ratios": {
            f"{n} editors / 1 editor": ratio(many, one),
            f"{n} editors / floor {n} peers": ratio(many, f"floor, {n} peers"),
            f"{n} editors / floor 1 peer": ratio(many, "floor, 1 peer"),
            "1 editor / floor 1 peer": ratio(one, "floor, 1 peer"),
            f"floor {n} peers / floor 1 peer": ratio(f"floor, {n} peers", "floor, 1 peer"),
        },
        "trials": trials,
    }


# ── 2. many MCP clients over HTTP ───────────────────────────────────────────────────


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
                        "mcp-clients", server.mcp_url, str(count), str(plan.mcp_seconds), mode
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


# ── 3. event flood ──────────────────────────────────────────────────────────────────


class CommandLoop:
    """Sequential commands, alternating a quiet editor and the flooding one."""

    def __init__(self, server: RunningServer, projects: list[str], quiet: SimulatedUnity):
        self.manager = server.manager
        self.projects = projects
        self.quiet = quiet
        self.samples: dict[str, list[int]] = {p: [] for p in projects}
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.samples = {p: [] for p in self.projects}
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._run())

    async def _run(self, count: int = 10_000_000) -> None:
        clock = time.perf_counter_ns
        for i in range(count):
            if self._stop.is_set():
                return
            project = self.projects[i % len(self.projects)]
            t0 = clock()
            await self.manager.execute("echo", PARAMS, project=project, timeout=10)
            self.samples[project].append(clock() - t0)
            if i % 32 == 0:
                clear_history(self.quiet)

    async def run_count(self, count: int, timeout: float = 60.0) -> None:
        """Exactly ``count`` commands (within ``timeout``), not timed."""
        self._stop = asyncio.Event()
        await asyncio.wait_for(self._run(count), timeout)

    async def stop(self) -> dict[str, dict[str, float]]:
        self._stop.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, 15)
        return {p: summarize_ns(s) for p, s in self.samples.items()}


class Memory:
    """RSS (and tracemalloc when on) at moments of a phase."""

    def __init__(self) -> None:
        self.points: list[dict[str, Any]] = []
        self.snapshots: list[tracemalloc.Snapshot] = []

    def sample(self, label: str, processed: int) -> None:
        point: dict[str, Any] = {"at": label, "rss_mb": rss_mb(), "processed": processed}
        if tracemalloc.is_tracing():
            point["traced_all_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
            # What the server holds: allocations of this benchmark's own code (its latency
            # samples) and of tracemalloc's snapshots are left out.
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [
                    tracemalloc.Filter(False, os.path.join(HERE, "*")),
                    tracemalloc.Filter(False, tracemalloc.__file__),
                ]
            )
            self.snapshots.append(snapshot)
            point["traced_mb"] = sum(t.size for t in snapshot.traces) / 2**20
        self.points.append(point)

    def growth(self, top: int = 5) -> list[str]:
        """The allocation sites that grew most from the middle to the end."""
        if len(self.snapshots) < 3:
            return []
        diff = self.snapshots[2].compare_to(self.snapshots[1], "lineno")
        return [str(stat) for stat in diff[:top]]


@dataclass
class Counter:
    events: int = 0
    notifications: int = 0


async def flood_phase(
    child: Child,
    counter: Counter,
    loop: CommandLoop | None,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Tell the child to flood; sample memory at start, middle and end; wait for the
    server to process what was sent (bounded)."""
    memory = Memory()
    base = counter.events
    memory.sample("start", 0)
    if loop is not None:
        loop.start()
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    await child.tell("flood", rate, seconds)
    await asyncio.sleep(seconds / 2)
    memory.sample("middle", counter.events - base)
    result = await child.line(timeout=seconds + 60)
    window = time.perf_counter() - t0
    server_cpu = (cpu_seconds() - cpu0) / window
    at_end = counter.events - base
    memory.sample("end", at_end)
    commands = await loop.stop() if loop is not None else None
    commands_per_s = sum(c["n"] for c in commands.values()) / window if commands else 0.0
    sent = int(result["sent"])
    for _ in range(1000):  # up to 5 s for the server to process what is in flight
        if counter.events - base >= sent:
            break
        await asyncio.sleep(0.005)
    drained = time.perf_counter() - t0 - window
    return {
        "target_rate": rate,
        "seconds": seconds,
        "sent": sent,
        "sent_rate": sent / result["elapsed"],
        "processed_by_end": at_end,
        "processed": counter.events - base,
        "processed_rate": at_end / window,
        "drain_s": drained,
        "sender_cpu": result["cpu"],
        "server_cpu": server_cpu,
        "memory": memory.points,
        "memory_growth_sites": memory.growth(),
        "commands": commands,
        "commands_per_s": commands_per_s,
    }


def sustained(step: dict[str, Any]) -> bool:
    """The server kept up: the sender reached the rate and everything sent was
    processed by the end of the window (give or take one socket buffer's worth)."""
    return bool(
        step["sent_rate"] >= 0.95 * step["target_rate"]
        and step["processed_by_end"] >= 0.97 * step["sent"]
        and step["processed"] == step["sent"]
    )


async def section_flood(plan: Plan) -> dict[str, Any]:
    counter = Counter()
    async with running_server("http") as server:
        manager = server.manager

        async def on_event(_: Any) -> None:
            counter.events += 1

        manager.add_event_listener(on_event)
        quiet = echo_peer(server.ws_url, "/bench/flood/Quiet")
        await quiet.connect()
        child = await Child.start("flood", server.ws_url, "/bench/flood/Flooder")
        try:
            await child.line(timeout=60)
            await wait_until(lambda: len(manager.sessions) == 2)

            async def on_message(message: object) -> None:
                if isinstance(message, ResourceUpdatedNotification):
                    counter.notifications += 1

            async with Client(
                server.runtime.mcp,
                mode="legacy",
                message_handler=on_message,
            ) as client:
                with warnings.catch_warnings():  # deprecated in 2026-07-28 only
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    for uri in ("unity://scene/hierarchy", "unity://console"):
                        await client.subscribe_resource(uri)
                return await flood_measurements(plan, server, child, counter, quiet)
        finally:
            await child.stop()
            await quiet.aclose()


async def flood_measurements(
    plan: Plan, server: RunningServer, child: Child, counter: Counter, quiet: SimulatedUnity
) -> dict[str, Any]:
    projects = ["Quiet", "Flooder"]
    loop = CommandLoop(server, projects, quiet)
    # Warm-up: commands and a short flood.
    loop.start()
    await asyncio.sleep(0.3)
    await loop.stop()
    await flood_phase(child, counter, None, plan.flood_rate, 0.5)
    await settle()

    loop.start()
    await asyncio.sleep(plan.idle_seconds)
    idle = await loop.stop()
    idle_rate = sum(c["n"] for c in idle.values()) / plan.idle_seconds
    await settle()

    notifications0 = counter.notifications
    flood = await flood_phase(child, counter, loop, plan.flood_rate, plan.flood_seconds)
    flood["notifications"] = counter.notifications - notifications0
    await settle()

    tracemalloc.start()
    try:
        # Bounded tables (the finished-command ids, the recent events) fill up with traced
        # objects first; otherwise refilling them with traced objects looks like growth.
        await loop.run_count(FINISHED_IDS + 500)
        await flood_phase(child, counter, loop, plan.flood_rate, plan.traced_warmup_seconds)
        traced = await flood_phase(child, counter, loop, plan.flood_rate, plan.flood_seconds)
    finally:
        tracemalloc.stop()
    await settle()

    # The rate ladder: commands go to the quiet editor only (the flooding one answers
    # late at high rates because its own loop is busy sending). A step that fails is
    # run once more before the ladder stops: the machine is shared.
    quiet_loop = CommandLoop(server, ["Quiet"], quiet)
    steps: list[dict[str, Any]] = []
    for rate in plan.step_rates:
        for attempt in (1, 2):
            step = await flood_phase(child, counter, quiet_loop, rate, plan.step_seconds)
            step["sustained"] = sustained(step)
            step["attempt"] = attempt
            step["load_avg_1m"] = os.getloadavg()[0]
            await settle()
            if step["sustained"]:
                break
            await asyncio.sleep(1.0)
        steps.append(step)
        if not step["sustained"]:
            break
    kept = [s["target_rate"] for s in steps if s["sustained"]]
    last = steps[-1]
    limit = "server" if last["server_cpu"] >= 0.85 or last["sender_cpu"] < 0.85 else "sender"
    ratios = {p: flood["commands"][p]["p99_us"] / idle[p]["p99_us"] for p in projects}
    points = traced["memory"]
    growth = points[-1]["traced_mb"] - points[1]["traced_mb"]
    return {
        "rate": plan.flood_rate,
        "seconds": plan.flood_seconds,
        "idle_commands": idle,
        "idle_commands_per_s": idle_rate,
        "flood": flood,
        "traced": traced,
        "p99_ratio": ratios,
        "p99_ratio_worst": max(ratios.values()),
        "p99_target": FLOOD_P99_TARGET,
        "pass_p99": max(ratios.values()) <= FLOOD_P99_TARGET,
        "traced_growth_middle_to_end_mb": growth,
        "memory_flat": growth <= max(1.0, 0.05 * points[1]["traced_mb"]),
        "steps": steps,
        "highest_sustained_rate": max(kept) if kept else 0,
        "all_steps_sustained": len(kept) == len(steps),
        "limited_by": None if len(kept) == len(steps) else limit,
    }


# ── 4. reconnect to first command ───────────────────────────────────────────────────


class TimedPeer(SimulatedUnity):
    """Remembers when its latest connection attempt started and was welcomed."""

    connect_started = 0.0
    welcomed = 0.0

    async def connect(self) -> dict[str, Any]:
        self.connect_started = time.perf_counter()
        body = await super().connect()
        self.welcomed = time.perf_counter()
        return body


async def reconnect_floor(trials: int) -> list[int]:
    """Bare websockets: connect, and the server sends one command on the new socket
    at once; from connect() to the answer at the server."""
    answered: asyncio.Queue[int] = asyncio.Queue()
    session = new_session()

    async def handler(ws: ServerConnection) -> None:
        rid = os.urandom(16).hex()
        await ws.send(command_text(rid, PARAMS, session))
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                if json.loads(raw)["id"] == rid:
                    answered.put_nowait(time.perf_counter_ns())

    server = await serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None)
    port = next(iter(server.sockets)).getsockname()[1]
    samples: list[int] = []
    try:
        for _ in range(trials):
            peer = BarePeer(session)
            t0 = time.perf_counter_ns()
            await peer.connect(f"ws://127.0.0.1:{port}/")
            t1 = await asyncio.wait_for(answered.get(), 10)
            samples.append(t1 - t0)
            await peer.close()
    finally:
        server.close()
        await server.wait_closed()
    return samples


async def section_reconnect(plan: Plan) -> dict[str, Any]:
    floor = reconnect_floor(plan.reconnect_trials)
    floor_samples = await floor
    waited: list[int] = []
    waited_from_welcome: list[int] = []
    surviving: list[int] = []
    async with running_server("http") as server:
        manager = server.manager

        async def echo(params: dict[str, Any]) -> dict[str, Any]:
            return params

        async def reload_echo(params: dict[str, Any]) -> HandlerResult:
            return ReloadThenAnswer(params)

        peer = TimedPeer(
            server.ws_url,
            project_path="/bench/reload/Reloader",
            heartbeat_interval=None,
            ack_commands=lambda kind: kind == "reload_echo",
            reload_delay=0.06,
            handlers={"echo": echo, "reload_echo": reload_echo},
        )
        await peer.connect()
        try:
            await wait_until(lambda: manager.is_connected)
            session = manager.sessions[peer.session_id]
            for _ in range(3):  # warm-up
                await manager.execute("echo", PARAMS)
            for _ in range(plan.reconnect_trials):
                # A command issued while the editor is away waits for it (wait_until_ready).
                reload = asyncio.create_task(peer.domain_reload())
                await wait_until(lambda: session.connection is None, timeout=5)
                await manager.execute("echo", PARAMS, timeout=10)
                done = time.perf_counter()
                await asyncio.wait_for(reload, 10)
                waited.append(int((done - peer.connect_started) * 1e9))
                waited_from_welcome.append(int((done - peer.welcomed) * 1e9))
                clear_history(peer)
                await settle()
                # A reload-surviving command: Unity reloads, answers on the new socket.
                await manager.execute("reload_echo", PARAMS, timeout=10, survives_reload=True)
                done = time.perf_counter()
                surviving.append(int((done - peer.connect_started) * 1e9))
                await wait_until(lambda: not peer.reloading, timeout=5)
                clear_history(peer)
                await settle()
        finally:
            await peer.aclose()
    f = summarize_ns(floor_samples)
    cases = {
        "command waiting through the reload": summarize_ns(waited),
        "  same, from welcome": summarize_ns(waited_from_welcome),
        "reload-surviving command": summarize_ns(surviving),
    }
    for c in cases.values():
        c["ratio_median"] = c["median_us"] / f["median_us"]
        c["ratio_p99"] = c["p99_us"] / f["p99_us"]
    headline = [cases["command waiting through the reload"], cases["reload-surviving command"]]
    return {
        "trials": plan.reconnect_trials,
        "floor": f,
        "cases": cases,
        "target_ms": RECONNECT_TARGET_MS,
        "worst_median_ms": max(c["median_us"] for c in headline) / 1000,
        "worst_p99_ms": max(c["p99_us"] for c in headline) / 1000,
        "pass": all(c["median_us"] / 1000 <= RECONNECT_TARGET_MS for c in headline),
    }


# ── 5. a 100,000-object hierarchy ───────────────────────────────────────────────────


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


# ── report ──────────────────────────────────────────────────────────────────────────


def report(result: dict[str, Any]) -> str:
    env, plan = result["machine"], result["plan"]
    out = [
        "movesia-mcp load benchmark (loopback; ratios to floors measured in the same run)",
        f"python {env['python']} · {env['cores']} cores · loop {env['loop']} · "
        f"{'quick' if result['quick'] else 'full'} sizes",
    ]
    s = result.get("editors")
    if s:
        n = s["editors"]
        out += ["", f"1. {n} editors at once (echo, commands round-robin by project)"]
        t = Table(("side", "p50 µs", "p99 µs", "cmd/s @64"), "<>>>")
        for name, f in s["figures"].items():
            t.add(
                name, fmt_us(f["median_us"]), fmt_us(f["p99_us"]), f"{f['throughput_per_s']:,.0f}"
            )
        out += t.render()
        r = Table(("ratio", "p50", "p99", "throughput"), "<>>>")
        for name, x in s["ratios"].items():
            r.add(name, f"{x['median']:.2f}", f"{x['p99']:.2f}", f"{x['throughput']:.2f}")
        out += ["", *r.render(), f"connecting {n} editors took {s['connect_all_s']:.2f} s"]
    s = result.get("mcp_clients")
    if s:
        k = s["clients"]
        out += [
            "",
            f"2. MCP clients over streamable HTTP, {s['tool']} in a loop "
            "(clients in a child process)",
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
    s = result.get("flood")
    if s:
        f = s["flood"]
        out += [
            "",
            f"3. event flood: {s['rate']}/s for {s['seconds']:g} s from one editor, commands "
            "alternating a quiet editor and the flooding one",
        ]
        t = Table(
            ("commands to", "idle p50", "idle p99", "flood p50", "flood p99", "p99 ratio"), "<>>>>>"
        )
        for p, idle in s["idle_commands"].items():
            fl = f["commands"][p]
            t.add(
                p,
                fmt_us(idle["median_us"]),
                fmt_us(idle["p99_us"]),
                fmt_us(fl["median_us"]),
                fmt_us(fl["p99_us"]),
                f"{s['p99_ratio'][p]:.2f}",
            )
        out += t.render()
        out.append(
            f"p99 under flood / idle p99 (worst): {s['p99_ratio_worst']:.2f} "
            f"(target ≤ {s['p99_target']:g}): {mark(s['pass_p99'])}"
        )
        out.append(
            f"commands completed: idle {s['idle_commands_per_s']:,.0f}/s, under the flood "
            f"{f['commands_per_s']:,.0f}/s"
        )
        out.append(
            f"events: sent {f['sent']:,} ({f['sent_rate']:,.0f}/s), processed {f['processed']:,} "
            f"({f['processed_by_end']:,} by the end of the window); server CPU "
            f"{f['server_cpu']:.0%}; {f['notifications']} resource-updated notifications "
            "reached a subscribed client"
        )
        mem = Table(("memory", "start", "middle", "end"), "<>>>")
        rss = [p["rss_mb"] for p in f["memory"]]
        mem.add("RSS MiB (timed pass)", *(f"{v:.1f}" for v in rss))
        tp = s["traced"]["memory"]
        mem.add("RSS MiB (traced pass)", *(f"{p['rss_mb']:.1f}" for p in tp))
        mem.add("tracemalloc MiB, all", *(f"{p['traced_all_mb']:.2f}" for p in tp))
        mem.add("tracemalloc MiB, server", *(f"{p['traced_mb']:.2f}" for p in tp))
        out += mem.render()
        out.append(
            f"traced growth middle→end {s['traced_growth_middle_to_end_mb']:+.2f} MiB: "
            f"{'flat' if s['memory_flat'] else 'GROWING'}"
        )
        st = Table(
            (
                "rate/s",
                "sent/s",
                "processed/s",
                "server CPU",
                "sender CPU",
                "cmd/s",
                "cmd p99 µs",
                "kept up",
            ),
            "<>>>>>>>",
        )
        for step in s["steps"]:
            worst = max(c["p99_us"] for c in step["commands"].values())
            st.add(
                f"{step['target_rate']:,.0f}",
                f"{step['sent_rate']:,.0f}",
                f"{step['processed_rate']:,.0f}",
                f"{step['server_cpu']:.0%}",
                f"{step['sender_cpu']:.0%}",
                f"{step['commands_per_s']:,.0f}",
                fmt_us(worst),
                ("yes" if step["sustained"] else "no")
                + (" (2nd try)" if step.get("attempt", 1) > 1 else ""),
            )
        out += ["", *st.render()]
        limited = f" (limited by the {s['limited_by']})" if s["limited_by"] else ""
        out.append(
            f"highest sustained event rate: {s['highest_sustained_rate']:,}/s"
            + (" (every step kept up)" if s["all_steps_sustained"] else limited)
        )
    s = result.get("reconnect")
    if s:
        out += ["", f"4. reconnect to first command after a domain reload ({s['trials']} reloads)"]
        t = Table(("case", "p50 ms", "p99 ms", "max ms", "p50/floor"), "<>>>>")
        f = s["floor"]
        t.add(
            "floor: bare connect + 1 command",
            f"{f['median_us'] / 1000:.2f}",
            f"{f['p99_us'] / 1000:.2f}",
            f"{f['max_us'] / 1000:.2f}",
            "1.00",
        )
        for name, c in s["cases"].items():
            t.add(
                name,
                f"{c['median_us'] / 1000:.2f}",
                f"{c['p99_us'] / 1000:.2f}",
                f"{c['max_us'] / 1000:.2f}",
                f"{c['ratio_median']:.1f}",
            )
        out += t.render()
        out.append(
            f"worst median {s['worst_median_ms']:.2f} ms (target ≤ {s['target_ms']:g} ms): "
            f"{mark(s['pass'])}"
        )
    s = result.get("hierarchy")
    if s:
        b = s["build_s"]
        out += [
            "",
            f"5. {s['objects']:,}-object hierarchy: built in {b['huge']:.2f} s "
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
    out.append(f"\nelapsed {result['elapsed_s']:.1f} s")
    del plan
    return "\n".join(out)


# ── main ────────────────────────────────────────────────────────────────────────────

RUNNERS: dict[str, Callable[[Plan], Awaitable[dict[str, Any]]]] = {
    "editors": section_editors,
    "mcp_clients": section_mcp_clients,
    "flood": section_flood,
    "reconnect": section_reconnect,
    "hierarchy": section_hierarchy,
}


async def run(plan: Plan, sections: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sections:
        t0 = time.perf_counter()
        out[name] = await asyncio.wait_for(RUNNERS[name](plan), timeout=600)
        out[name]["elapsed_s"] = time.perf_counter() - t0
        await settle()
    return out


async def run_child(args: list[str]) -> None:
    kind = args[0]
    if kind == "flood":
        await asyncio.wait_for(child_flood(args[1], args[2]), timeout=900)
    elif kind == "mcp-clients":
        await asyncio.wait_for(
            child_mcp_clients(args[1], int(args[2]), float(args[3]), args[4]), timeout=600
        )
    else:
        raise SystemExit(f"unknown child {kind!r}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="CI-sized run (< 60 s)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections")
    p.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_logging()
    if args.child:
        asyncio.run(run_child(args.child))
        return 0
    plan = QUICK if args.quick else FULL
    sections = args.only or list(SECTIONS)
    t0 = time.perf_counter()
    results = asyncio.run(run(plan, sections))
    result = {
        "machine": machine(),
        "quick": args.quick,
        "plan": asdict(plan),
        "elapsed_s": time.perf_counter() - t0,
        **results,
    }
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
