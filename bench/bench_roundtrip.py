"""``send_and_wait`` against the floor: one command round trip, latency and throughput.

Pairs (``pairs.py``), in one process and one event loop, over loopback:

* **floor**: a bare ``websockets`` server and a bare ``websockets`` client, stdlib JSON;
* **ours / bare**: ``create_app(UnityManager())`` under the CLI's uvicorn set-up and
  ``manager.send_and_wait("echo", **params)``, answered by the floor's own bare client:
  the same JSON work on the peer, so the ratio is the cost of the server;
* **ours / simulated**: the same server with the ``SimulatedUnity`` peer (``echo`` is a
  read, answered without an ACK), reported separately: the simulated editor's own cost
  lands in this process and loop, which the real plug-in's does not.

Same direction (server → client command, client → server response), same JSON sizes,
``compression=None`` and no keepalive pings. Short rounds (``pairs.alternate``): in each,
every side runs

1. a latency block: 100 round trips one after another;
2. a throughput block: 1,280 commands, 64 in flight (64 concurrent workers),

in an order reversed from one round to the next. The figures are the median and p99 of
all round trips and the median of the rounds' throughputs; the ratios to the floor are
paired by round (``pairs.paired_ratios``): the median over rounds of the side's figure
over the floor's in the same round, a fraction of a second apart. The machine is shared
and switches speed for seconds at a time; pairing cancels that, and the ratios of the
pooled figures ("unpaired", in the JSON) are kept beside them.

Targets (issue 11), for ``ours / bare``: latency ratio ≤ 1.1, throughput ratio ≥ 1.0.

``--breakdown`` adds reference pairs to the same alternation: uvicorn + Starlette with
the floor's server logic and either peer, and ours with the command ACKed (as a
mutation is). ``bench_breakdown.py`` crosses server and peer without ACKs.

    .venv/bin/python bench/bench_roundtrip.py                 # full run (~75 s)
    .venv/bin/python bench/bench_roundtrip.py --quick         # CI-sized run (< 30 s)
    .venv/bin/python bench/bench_roundtrip.py --json out.json --loop uvloop

Only the report goes to stdout. The exit status is 0 whether or not the targets are met;
``--strict`` makes a miss exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from typing import Any

from pairs import (
    REFERENCE,
    BareUvicorn,
    Floor,
    Ours,
    OursBare,
    Side,
    alternate,
    echo_params,
    paired_ratios,
    pipelined,
    ratios,
    sequential,
    settle,
)

LATENCY_TARGET = 1.1  # ours / floor, at most
THROUGHPUT_TARGET = 1.0  # ours / floor, at least


@dataclass(frozen=True)
class Plan:
    rounds: int
    latency_block: int  # sequential round trips per side per round
    throughput_block: int  # commands per side per round, ``depth`` in flight
    depth: int
    warmup: int
    payload_bytes: int


FULL = Plan(
    rounds=200, latency_block=100, throughput_block=1280, depth=64, warmup=3000, payload_bytes=64
)
QUICK = Plan(
    rounds=60, latency_block=100, throughput_block=1280, depth=64, warmup=1000, payload_bytes=64
)


async def run(plan: Plan, *, breakdown: bool) -> dict[str, Any]:
    params = echo_params(plan.payload_bytes)
    floor, ours, simulated = Floor(params), OursBare(params), Ours(params)
    sides: list[Side] = [floor, ours, simulated]
    if breakdown:
        sides += [
            BareUvicorn(params, simulated=False),
            BareUvicorn(params, simulated=True),
            Ours(params, ack=True),
        ]
    started: list[Side] = []
    try:
        for side in sides:
            await side.start()
            started.append(side)
        for side in sides:
            body = await side.call()
            body = {k: v for k, v in body.items() if k != "request_id"}
            if body != params:
                raise RuntimeError(f"{side.name}: echo mismatch: {body!r}")
            await sequential(side.call, plan.warmup)
            await pipelined(side.call, plan.warmup, plan.depth)
        sizes = {side.name: side.frame_sizes() for side in (floor, ours, simulated)}
        await settle()
        blocks = await alternate(
            sides, plan.rounds, plan.latency_block, plan.throughput_block, plan.depth
        )
    finally:
        for side in reversed(started):
            await side.stop()

    base = blocks[floor.name]
    f, o = base.summary(), blocks[ours.name].summary()
    sim = blocks[simulated.name].summary()
    ratio = paired_ratios(blocks[ours.name], base)
    out: dict[str, Any] = {
        "plan": asdict(plan),
        "frame_bytes": {name: {"command": c, "response": r} for name, (c, r) in sizes.items()},
        "floor": f,
        "ours": o,
        "ratios": ratio,
        "unpaired_ratios": ratios(o, f),
        "simulated": sim,
        "simulated_ratios": paired_ratios(blocks[simulated.name], base),
        "targets": {"latency_median_max": LATENCY_TARGET, "throughput_min": THROUGHPUT_TARGET},
        "pass": {
            "latency": ratio["latency_median"] <= LATENCY_TARGET,
            "throughput": ratio["throughput"] >= THROUGHPUT_TARGET,
        },
        "rounds": {
            name: {"median_us": b.medians, "throughput_per_s": b.throughputs}
            for name, b in blocks.items()
        },
    }
    if breakdown:
        out["breakdown"] = {
            side.name: {
                **blocks[side.name].summary(),
                "ratios": paired_ratios(blocks[side.name], base),
            }
            for side in sides[3:]
        }
        # Like for like: both ACK every command, only the server code differs.
        out["ours_vs_reference"] = paired_ratios(blocks[sides[5].name], blocks[REFERENCE])
    return out


# ── report ─────────────────────────────────────────────────────────────────────────────


def environment(loop_name: str) -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loop": loop_name,
        **{pkg: version(pkg) for pkg in ("uvicorn", "starlette", "websockets", "movesia-mcp")},
    }


def table(rows: Sequence[tuple[str, ...]], aligns: str) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: tuple[str, ...]) -> str:
        cells = (f"{c:{a}{w}}" for c, a, w in zip(row, aligns, widths, strict=True))
        return "  ".join(cells).rstrip()

    return [line(rows[0]), line(tuple("-" * w for w in widths)), *(line(r) for r in rows[1:])]


def report(result: dict[str, Any], env: dict[str, str], elapsed: float) -> str:
    plan, f, o, ratio = result["plan"], result["floor"], result["ours"], result["ratios"]
    passed = result["pass"]

    def mark(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    sim, sim_ratio = result["simulated"], result["simulated_ratios"]
    rows = [
        ("metric", "floor", "ours/bare", "paired", "target", "result", "ours/sim", "paired"),
        (
            "latency median (µs)",
            f"{f['latency_median_us']:.1f}",
            f"{o['latency_median_us']:.1f}",
            f"{ratio['latency_median']:.2f}",
            f"≤ {LATENCY_TARGET}",
            mark(passed["latency"]),
            f"{sim['latency_median_us']:.1f}",
            f"{sim_ratio['latency_median']:.2f}",
        ),
        (
            "latency p99 (µs)",
            f"{f['latency_p99_us']:.1f}",
            f"{o['latency_p99_us']:.1f}",
            f"{ratio['latency_p99']:.2f}",
            "",
            "",
            f"{sim['latency_p99_us']:.1f}",
            f"{sim_ratio['latency_p99']:.2f}",
        ),
        (
            f"throughput @{plan['depth']} (cmd/s)",
            f"{f['throughput_per_s']:,.0f}",
            f"{o['throughput_per_s']:,.0f}",
            f"{ratio['throughput']:.2f}",
            f"≥ {THROUGHPUT_TARGET}",
            mark(passed["throughput"]),
            f"{sim['throughput_per_s']:,.0f}",
            f"{sim_ratio['throughput']:.2f}",
        ),
    ]
    sizes = result["frame_bytes"]
    out = [
        "send_and_wait round trip vs bare websockets floor (loopback, one event loop)",
        f"python {env['python']} · loop {env['loop']} · uvicorn {env['uvicorn']} · "
        f"starlette {env['starlette']} · websockets {env['websockets']}",
        f"{plan['rounds']} alternating rounds of {plan['latency_block']} sequential and "
        f"{plan['throughput_block']} pipelined at depth {plan['depth']} · "
        f"warm-up {plan['warmup']} · ratios paired by round",
        "frame bytes (command/response): "
        + ", ".join(f"{k} {v['command']}/{v['response']}" for k, v in sizes.items()),
        "",
        *table(rows, "<>>>><>>"),
    ]
    if "breakdown" in result:
        brows: list[tuple[str, ...]] = [
            ("reference pair (same run)", "median µs", "p99 µs", "lat/floor", "cmd/s", "tput/floor")
        ]
        paired = [
            ("floor", f, {"latency_median": 1.0, "throughput": 1.0}),
            *((name, s, s["ratios"]) for name, s in result["breakdown"].items()),
            ("ours / simulated", sim, sim_ratio),
        ]
        for name, s, r in paired:
            brows.append(
                (
                    name,
                    f"{s['latency_median_us']:.1f}",
                    f"{s['latency_p99_us']:.1f}",
                    f"{r['latency_median']:.2f}",
                    f"{s['throughput_per_s']:,.0f}",
                    f"{r['throughput']:.2f}",
                )
            )
        r = result["ours_vs_reference"]
        out += [
            "",
            *table(brows, "<>>>>>"),
            f"ours, command ACKed vs {REFERENCE!r} (both ACK; only the server code differs): "
            f"latency {r['latency_median']:.2f}, throughput {r['throughput']:.2f}",
        ]
    unpaired = result["unpaired_ratios"]
    out += [
        "",
        f"unpaired (pooled figures over the floor's): latency {unpaired['latency_median']:.2f}, "
        f"throughput {unpaired['throughput']:.2f}",
        "per-round medians, µs (min / quartiles / max):",
    ]
    width = max(len(name) for name in result["rounds"])
    for name, rounds in result["rounds"].items():
        q = statistics.quantiles(rounds["median_us"], n=4)
        low, high = min(rounds["median_us"]), max(rounds["median_us"])
        out.append(f"  {name:<{width}}  {low:.0f} / {q[0]:.0f} {q[1]:.0f} {q[2]:.0f} / {high:.0f}")
    out.append(f"\nelapsed {elapsed:.1f} s")
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small run for CI (< 30 s)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument(
        "--breakdown",
        action="store_true",
        help="also measure reference pairs that split the gap (about 2.5x longer)",
    )
    p.add_argument("--rounds", type=int, help="alternating rounds")
    p.add_argument("--latency-block", type=int, help="sequential round trips per side per round")
    p.add_argument("--throughput-block", type=int, help="pipelined commands per side per round")
    p.add_argument("--depth", type=int, help="commands in flight for throughput")
    p.add_argument("--payload-bytes", type=int, help="size of the echoed text parameter")
    p.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="event loop for both sides (default asyncio, as the CLI runs)",
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else FULL
    overrides = {
        "rounds": args.rounds,
        "latency_block": args.latency_block,
        "throughput_block": args.throughput_block,
        "depth": args.depth,
        "payload_bytes": args.payload_bytes,
    }
    plan = Plan(**{**asdict(plan), **{k: v for k, v in overrides.items() if v is not None}})
    # Nothing but the report on stdout: library warnings, if any, go to stderr.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    t0 = time.perf_counter()
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(run(plan, breakdown=args.breakdown))
    else:
        result = asyncio.run(run(plan, breakdown=args.breakdown))
    elapsed = time.perf_counter() - t0

    env = environment(args.loop)
    print(report(result, env, elapsed))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"environment": env, "elapsed_s": elapsed, **result}, fh, indent=2)
            fh.write("\n")
    missed = not all(result["pass"].values())
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
