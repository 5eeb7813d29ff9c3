"""Instructions per ``send_and_wait``, counted by valgrind: the noise-free side of the gap.

``bench_roundtrip.py`` times the round trip against the bare-websockets floor, and on a
shared machine its ratios move by more than the gap it looks for. This counts instead:
each pair of ``bench_breakdown.py`` (the floor, the floor's logic under uvicorn +
Starlette, ours) runs in a process of its own under ``valgrind --tool=callgrind``, twice,
with ``SMALL`` and ``LARGE`` commands after the same warm-up; the difference of the two
totals over ``LARGE - SMALL`` is the user-space instructions one command costs, both
ends of the socket and the event loop included, start-up and warm-up excluded. The same
for 64 commands in flight. Every child runs with ``PYTHONHASHSEED=0``
(``harness.instructions``), so dicts and sets are laid out alike from run to run. The
kernel's part is not counted (the pairs make the same system calls per command;
``strace -c`` shows it).

It needs ``valgrind`` (not installed by CI, and not in ``run_all.py``): about 20 minutes.

    .venv/bin/python bench/bench_instructions.py [--json PATH]

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from typing import Any

from harness import instructions, machine, quiet_logging, write_json
from pairs import BareUvicorn, Floor, OursBare, echo_params, pipelined

PAIRS = {"floor": Floor, "starlette / bare": BareUvicorn, "ours / bare": OursBare}
WARMUP = 4500  # past the command table's ledger of finished ids (4096): its steady state
SMALL, LARGE = 200, 1200
DEPTH = 64


async def child(name: str, n: int, depth: int) -> None:
    """The measured process: one pair, ``WARMUP`` then ``n`` commands."""
    quiet_logging()
    params = echo_params(64)
    kind = PAIRS[name]
    side = BareUvicorn(params, simulated=False) if kind is BareUvicorn else kind(params)
    await side.start()
    try:
        for _ in range(WARMUP):
            await side.call()
        if depth > 1:
            await pipelined(side.call, n, depth)
        else:
            for _ in range(n):
                await side.call()
    finally:
        await side.stop()


def counted(name: str, n: int, depth: int) -> int:
    """User-space instructions of one child process under callgrind."""
    return instructions([os.path.abspath(__file__), "--child", name, str(n), str(depth)])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--child", nargs=3, metavar=("PAIR", "N", "DEPTH"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        name, n, depth = args.child
        asyncio.run(child(name, int(n), int(depth)))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    figures: dict[str, dict[str, float]] = {}
    for name in PAIRS:
        figures[name] = {}
        for mode, depth in (("sequential", 1), (f"{DEPTH} deep", DEPTH)):
            small, large = counted(name, SMALL, depth), counted(name, LARGE, depth)
            figures[name][mode] = (large - small) / (LARGE - SMALL)
    floor = figures["floor"]
    print("user-space instructions per send_and_wait (callgrind), both ends and the loop")
    print(f"{SMALL} vs {LARGE} commands after {WARMUP} of warm-up, one process per count\n")
    print(f"{'pair':<18}{'sequential':>12}{'/floor':>8}{f'{DEPTH} deep':>12}{'/floor':>8}")
    for name, fig in figures.items():
        seq, deep = fig["sequential"], fig[f"{DEPTH} deep"]
        print(
            f"{name:<18}{seq / 1000:>11.1f}k{seq / floor['sequential']:>8.3f}"
            f"{deep / 1000:>11.1f}k{deep / floor[f'{DEPTH} deep']:>8.3f}"
        )
    if args.json:
        result: dict[str, Any] = {"machine": machine(), "per_command": figures}
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
