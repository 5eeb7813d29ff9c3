"""A Unity event flood: one editor sends 2,000 events/s while commands keep running.

The flooding editor runs in a child process (it is another process in real life) and
sends ``hierarchy_changed`` (ACKed) and ``log_message`` events; commands keep running,
alternating a quiet editor and the flooding one, and a legacy MCP client is subscribed
to ``unity://scene/hierarchy`` and ``unity://console``. Reports the command p99 under the
flood against the idle p99 of the same loop (target ≤ 10x), events processed against
sent, RSS and tracemalloc at the start, middle and end (a second pass runs under
tracemalloc), the resource-updated notifications the client got, and the highest
sustained event rate (a ladder of bounded steps).

    .venv/bin/python bench/bench_load_flood.py                   # full (~90 s)
    .venv/bin/python bench/bench_load_flood.py --quick           # CI-sized
    .venv/bin/python bench/bench_load_flood.py --json out.json

Only the report goes to stdout. The exit status is 0 unless something fails.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from typing import Any

from mcp import Client, MCPDeprecationWarning
from mcp.types import ResourceUpdatedNotification

from harness import (
    RunningServer,
    Table,
    clear_history,
    cpu_seconds,
    echo_peer,
    fmt_us,
    mark,
    rss_mb,
    running_server,
    settle,
    summarize_ns,
    wait_until,
)
from load_common import PARAMS, Child, emit, load_main
from movesia_mcp._simulator import SimulatedUnity

SCRIPT = os.path.abspath(__file__)
HERE = os.path.dirname(SCRIPT)
FLOOD_P99_TARGET = 10.0  # command p99 under the flood / idle p99, at most
FINISHED_IDS = 4096  # CommandTable remembers this many answered ids (bounded)


@dataclass(frozen=True)
class Plan:
    flood_rate: int
    flood_seconds: float
    idle_seconds: float
    traced_warmup_seconds: float
    step_rates: tuple[int, ...]
    step_seconds: float


FULL = Plan(
    flood_rate=2000,
    flood_seconds=10.0,
    idle_seconds=5.0,
    traced_warmup_seconds=2.0,
    step_rates=(2000, 4000, 8000, 16000, 24000, 32000, 48000),
    step_seconds=4.0,
)
QUICK = Plan(
    flood_rate=2000,
    flood_seconds=3.0,
    idle_seconds=2.0,
    traced_warmup_seconds=1.0,
    step_rates=(2000, 4000, 8000, 16000),
    step_seconds=1.5,
)


# ── the flooding editor, in a child process ─────────────────────────────────────────


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


# ── the section ─────────────────────────────────────────────────────────────────────


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
        child = await Child.start(SCRIPT, "flood", server.ws_url, "/bench/flood/Flooder")
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


def report(s: dict[str, Any]) -> list[str]:
    """The section's lines of the report (the header and elapsed time come from
    ``load_common``)."""
    f = s["flood"]
    out = [
        f"Event flood: {s['rate']}/s for {s['seconds']:g} s from one editor, commands "
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
    return out


async def child_flood_main(args: list[str]) -> None:
    url, project_path = args
    await asyncio.wait_for(child_flood(url, project_path), timeout=900)


def main(argv: list[str] | None = None) -> int:
    return load_main(
        argv,
        doc=__doc__,
        full=FULL,
        quick=QUICK,
        section=section_flood,
        report=report,
        children={"flood": child_flood_main},
    )


if __name__ == "__main__":
    sys.exit(main())
