"""Reconnect to first command after a domain reload.

After a simulated domain reload, the time from the peer opening its new connection to
the first command answered on it, for two cases: a command issued while the editor was
away (it waits through the reload), and a reload-surviving command (Unity answers it
after the reload, with its original id). Floor: a bare ``websockets`` connect plus one
command sent on the new socket. Target ≤ 50 ms (median, the worse of the two cases).

    .venv/bin/python bench/bench_load_reconnect.py               # full: 40 reloads
    .venv/bin/python bench/bench_load_reconnect.py --quick       # CI: 10 reloads
    .venv/bin/python bench/bench_load_reconnect.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from harness import Table, clear_history, mark, running_server, settle, summarize_ns, wait_until
from load_common import PARAMS, load_main
from movesia_mcp._simulator import ReloadThenAnswer, SimulatedUnity
from movesia_mcp._simulator.peer import HandlerResult
from pairs import BarePeer, command_text, new_session

RECONNECT_TARGET_MS = 50.0


@dataclass(frozen=True)
class Plan:
    reconnect_trials: int


FULL = Plan(reconnect_trials=40)
QUICK = Plan(reconnect_trials=10)


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


def report(s: dict[str, Any]) -> list[str]:
    """The section's lines of the report (the header and elapsed time come from
    ``load_common``)."""
    out = [f"Reconnect to first command after a domain reload ({s['trials']} reloads)"]
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
    return out


def main(argv: list[str] | None = None) -> int:
    return load_main(
        argv, doc=__doc__, full=FULL, quick=QUICK, section=section_reconnect, report=report
    )


if __name__ == "__main__":
    sys.exit(main())
