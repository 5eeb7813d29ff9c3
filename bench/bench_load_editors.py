"""Many editors at once: the real server with 50+ SimulatedUnity editors connected.

Each editor is a distinct project; echo commands go round-robin over them with
``execute(..., project=...)``. Sequential latency (p50/p99) and pipelined throughput,
against the same server with **one** editor and against the bare-websockets floor
(``pairs.Floor``) with one peer and with as many bare peers as editors (round-robin),
in alternating rounds, median of rounds.

    .venv/bin/python bench/bench_load_editors.py                 # full: 100 editors (~45 s)
    .venv/bin/python bench/bench_load_editors.py --quick         # CI: 50 editors
    .venv/bin/python bench/bench_load_editors.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from harness import (
    RunningServer,
    Table,
    clear_history,
    echo_peer,
    fmt_us,
    median_of,
    pipelined_rate,
    project_name,
    running_server,
    settle,
    summarize_ns,
    timed_calls,
    wait_until,
)
from load_common import PARAMS, load_main
from movesia_mcp._simulator import SimulatedUnity
from pairs import BarePeer, Floor, command_text, new_session


@dataclass(frozen=True)
class Plan:
    editors: int
    editor_rounds: int
    editor_latency_n: int
    editor_throughput_m: int
    depth: int


FULL = Plan(
    editors=100, editor_rounds=5, editor_latency_n=2000, editor_throughput_m=12_000, depth=64
)
QUICK = Plan(editors=50, editor_rounds=3, editor_latency_n=600, editor_throughput_m=3000, depth=64)


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


def report(s: dict[str, Any]) -> list[str]:
    """The section's lines of the report (the header and elapsed time come from
    ``load_common``)."""
    n = s["editors"]
    out = [f"{n} editors at once (echo, commands round-robin by project)"]
    t = Table(("side", "p50 µs", "p99 µs", "cmd/s @64"), "<>>>")
    for name, f in s["figures"].items():
        t.add(name, fmt_us(f["median_us"]), fmt_us(f["p99_us"]), f"{f['throughput_per_s']:,.0f}")
    out += t.render()
    r = Table(("ratio", "p50", "p99", "throughput"), "<>>>")
    for name, x in s["ratios"].items():
        r.add(name, f"{x['median']:.2f}", f"{x['p99']:.2f}", f"{x['throughput']:.2f}")
    out += ["", *r.render(), f"connecting {n} editors took {s['connect_all_s']:.2f} s"]
    return out


def main(argv: list[str] | None = None) -> int:
    return load_main(
        argv, doc=__doc__, full=FULL, quick=QUICK, section=section_editors, report=report
    )


if __name__ == "__main__":
    sys.exit(main())
