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
(``?session=...&conn=1``) and skips the ``welcome``. Same frames and the same short
alternating rounds (``pairs.alternate``) as bench_roundtrip.py: pooled medians, ratios to
the floor paired by round.

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

from harness import Table, machine, quiet_logging, settle, timed_calls, write_json
from pairs import (
    BareUvicorn,
    Floor,
    Ours,
    OursBare,
    StarletteSimulated,
    alternate,
    echo_params,
    paired_ratios,
    pipelined,
)


@dataclass(frozen=True)
class Plan:
    rounds: int
    latency_block: int
    throughput_block: int
    depth: int
    warmup: int


FULL = Plan(rounds=120, latency_block=100, throughput_block=1280, depth=64, warmup=2000)
QUICK = Plan(rounds=40, latency_block=100, throughput_block=1280, depth=64, warmup=800)


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
    try:
        for side in sides:
            await side.start()
            started.append(side)
            await timed_calls(side.call, plan.warmup)
            await pipelined(side.call, plan.warmup, plan.depth)
        await settle()
        blocks = await alternate(
            sides, plan.rounds, plan.latency_block, plan.throughput_block, plan.depth
        )
    finally:
        for side in reversed(started):
            await side.stop()
    figures = {}
    for name, b in blocks.items():
        summary = b.summary()
        paired = paired_ratios(b, blocks["floor"])
        figures[name] = {
            "median_us": summary["latency_median_us"],
            "p99_us": summary["latency_p99_us"],
            "throughput_per_s": summary["throughput_per_s"],
            "latency_ratio": paired["latency_median"],
            "throughput_ratio": paired["throughput"],
        }
    us = {name: fig["median_us"] for name, fig in figures.items()}
    split = {
        "uvicorn + Starlette (starlette/bare - floor)": us["starlette / bare"] - us["floor"],
        "movesia_mcp server code (ours/bare - starlette/bare)": us["ours / bare"]
        - us["starlette / bare"],
        "SimulatedUnity peer (starlette/simulated - starlette/bare)": us["starlette / simulated"]
        - us["starlette / bare"],
        "total gap (ours/simulated - floor)": us["ours / simulated"] - us["floor"],
    }
    rounds = {name: b.medians for name, b in blocks.items()}
    return {"plan": asdict(plan), "figures": figures, "split_us": split, "round_medians_us": rounds}


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
            f"{plan['latency_block']} sequential + {plan['throughput_block']} "
            f"@{plan['depth']} per pair per round · ratios paired by round",
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
