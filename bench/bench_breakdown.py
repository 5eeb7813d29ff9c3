"""Where the ``send_and_wait`` gap to the floor goes: server x peer, crossed.

``bench_roundtrip.py --breakdown`` compares pairs whose peers differ in ACKs as well; this
one crosses the two factors with nothing else changed (every peer answers ``echo``
without an ACK, as the simulated editor answers reads):

=====================  ==========================================  ===================
pair                   server                                      peer
=====================  ==========================================  ===================
floor                  bare ``websockets``                         bare ``websockets``
starlette / bare       uvicorn + Starlette, the floor's logic      bare ``websockets``
ours / bare            uvicorn + ``create_app(UnityManager())``    bare ``websockets``
starlette / simulated  uvicorn + Starlette, the floor's logic      ``SimulatedUnity``
ours / simulated       uvicorn + ``create_app(UnityManager())``    ``SimulatedUnity``
=====================  ==========================================  ===================

So ``ours / bare`` over ``starlette / bare`` is the cost of the movesia_mcp server code,
``starlette / simulated`` over ``starlette / bare`` the cost of the simulated peer, and
``starlette / bare`` over the floor the cost of uvicorn + Starlette. The pairs live in
``pairs.py``; the bare peer of ``ours`` identifies itself in the query string
(``?session=...&conn=1``) and skips the ``welcome``. Same frames, alternating rounds,
median of rounds, as bench_roundtrip.py.

    .venv/bin/python bench/bench_breakdown.py [--quick] [--json PATH]
    .venv/bin/python bench/bench_breakdown.py --profile "ours / bare" --seconds 10
        # runs one pair for a while (for ``py-spy record --pid``); prints its pid first

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from harness import Table, machine, quiet_logging, settle, summarize_ns, timed_calls, write_json
from pairs import BareUvicorn, Floor, Ours, OursBare, StarletteSimulated, echo_params, pipelined


@dataclass(frozen=True)
class Plan:
    rounds: int
    latency_n: int
    throughput_m: int
    depth: int
    warmup: int


FULL = Plan(rounds=5, latency_n=4000, throughput_m=20_000, depth=64, warmup=2000)
QUICK = Plan(rounds=3, latency_n=1500, throughput_m=5000, depth=64, warmup=800)


def pairs(params: dict[str, Any]) -> list[Any]:
    starlette_bare = BareUvicorn(params, simulated=False)
    starlette_bare.name = "starlette / bare"
    starlette_sim = StarletteSimulated(params, simulated=True)
    starlette_sim.name = "starlette / simulated"
    ours = Ours(params)
    ours.name = "ours / simulated"
    return [Floor(params), starlette_bare, OursBare(params), starlette_sim, ours]


async def run(plan: Plan) -> dict[str, Any]:
    sides = pairs(echo_params(64))
    started: list[Any] = []
    trials: dict[str, list[dict[str, float]]] = {s.name: [] for s in sides}
    try:
        for side in sides:
            await side.start()
            started.append(side)
            await timed_calls(side.call, plan.warmup)
            await pipelined(side.call, plan.warmup, plan.depth)
        for r in range(plan.rounds):
            for side in sides if r % 2 == 0 else sides[::-1]:
                side.reset()
                await settle()
                lat = summarize_ns(await timed_calls(side.call, plan.latency_n))
                side.reset()
                await settle()
                lat["throughput"] = await pipelined(side.call, plan.throughput_m, plan.depth)
                trials[side.name].append(lat)
    finally:
        for side in reversed(started):
            await side.stop()
    figures = {}
    for name, t in trials.items():
        figures[name] = {
            "median_us": sorted(x["median_us"] for x in t)[len(t) // 2],
            "p99_us": sorted(x["p99_us"] for x in t)[len(t) // 2],
            "throughput_per_s": sorted(x["throughput"] for x in t)[len(t) // 2],
        }
    f = figures["floor"]
    for fig in figures.values():
        fig["latency_ratio"] = fig["median_us"] / f["median_us"]
        fig["throughput_ratio"] = fig["throughput_per_s"] / f["throughput_per_s"]
    us = {name: fig["median_us"] for name, fig in figures.items()}
    split = {
        "uvicorn + Starlette (starlette/bare - floor)": us["starlette / bare"] - us["floor"],
        "movesia_mcp server code (ours/bare - starlette/bare)": us["ours / bare"]
        - us["starlette / bare"],
        "SimulatedUnity peer (starlette/simulated - starlette/bare)": us["starlette / simulated"]
        - us["starlette / bare"],
        "total gap (ours/simulated - floor)": us["ours / simulated"] - us["floor"],
    }
    return {"plan": asdict(plan), "figures": figures, "split_us": split, "trials": trials}


async def profile(name: str, seconds: float) -> None:
    """Run one pair's sequential loop for ``seconds`` (for an outside profiler)."""
    side = next(s for s in pairs(echo_params(64)) if s.name == name)
    await side.start()
    try:
        print(f"pid {os.getpid()}: running {name!r} for {seconds:g} s", file=sys.stderr)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await timed_calls(side.call, 2000)
            side.reset()
    finally:
        await side.stop()


def report(result: dict[str, Any]) -> str:
    plan = result["plan"]
    env = result["machine"]
    t = Table(("pair", "median µs", "p99 µs", "lat/floor", "cmd/s @64", "tput/floor"), "<>>>>>")
    for name, f in result["figures"].items():
        t.add(
            name,
            f"{f['median_us']:.1f}",
            f"{f['p99_us']:.0f}",
            f"{f['latency_ratio']:.2f}",
            f"{f['throughput_per_s']:,.0f}",
            f"{f['throughput_ratio']:.2f}",
        )
    s = Table(("median latency split", "µs"), "<>")
    for name, v in result["split_us"].items():
        s.add(name, f"{v:+.1f}")
    return "\n".join(
        [
            "send_and_wait gap to the floor, server x peer (no ACKs anywhere)",
            f"python {env['python']} · {env['cores']} cores · {plan['rounds']} rounds · "
            f"N={plan['latency_n']} · M={plan['throughput_m']} @{plan['depth']}",
            "",
            *t.render(),
            "",
            *s.render(),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--profile", metavar="PAIR", help="run one pair only, for a profiler")
    p.add_argument("--seconds", type=float, default=10.0)
    args = p.parse_args(argv)
    quiet_logging()
    if args.profile:
        asyncio.run(profile(args.profile, min(args.seconds, 120.0)))
        return 0
    result = asyncio.run(run(QUICK if args.quick else FULL))
    result["machine"] = machine()
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
