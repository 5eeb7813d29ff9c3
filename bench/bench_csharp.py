"""Dispatch overhead of the C# core under Mono, against a bare C# ClientWebSocket echo.

One Python ``websockets`` server on an ephemeral loopback port drives two Mono processes
(``unity/build/MovesiaBench.exe``), each connected over the same kind of socket
(``ClientWebSocketAdapter`` over ``System.Net.WebSockets.ClientWebSocket``):

* **bare** (the floor): one receive loop that parses each command with Newtonsoft and
  sends the response envelope back. No ack, no ledger, no thread hop.
* **core**: the real ``EditorLink``: seed handshake and welcome, the reader's ack of every
  command on receipt, the main-thread hop (a fake main thread: a dedicated thread blocked
  on the posted work, ticking the link), the request-id ledger, the ``CommandTable`` and a
  no-op ``echo`` handler, the answer through the serialised sender. No Unity work.

``--breakdown`` adds a third side, **bare-ack**: the floor plus an ack frame before each
response, which separates what the protocol's ack costs on the wire from what the core's
machinery (thread hop, ledger, table) costs.

The server sends N sequential ``echo`` commands to one side, then to the other, in
alternating rounds (the machine is shared and noisy), and times each round trip from
sending the command to receiving its answer (the core's ack is not waited for). Reported:
the median of the per-round medians for each side, their ratio core/bare, the p99 over all
samples, and the core's overhead in µs (median difference).

    .venv/bin/python bench/bench_csharp.py            # full run (about a minute)
    .venv/bin/python bench/bench_csharp.py --quick    # CI-sized run (seconds)
    .venv/bin/python bench/bench_csharp.py --json out.json

Needs ``mono`` and ``bash unity/build.sh``; without them it says so and writes
``{"skipped": ...}`` (exit 0). Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from harness import fmt_us, machine, summarize_ns, write_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BENCH_EXE = os.path.join(ROOT, "unity", "build", "MovesiaBench.exe")
SIDES = ("bare", "core")
BREAKDOWN_SIDES = ("bare", "bare-ack", "core")


@dataclass(frozen=True)
class Plan:
    rounds: int
    n: int
    warmup: int


FULL = Plan(rounds=10, n=1000, warmup=300)
QUICK = Plan(rounds=4, n=200, warmup=100)


class Peer:
    """One connected Mono process, as the server sees it."""

    def __init__(self, ws: ServerConnection, session: str) -> None:
        self.ws = ws
        self.session = session
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.acks = 0

    async def read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "ack":
                    self.acks += 1
                elif kind == "hb":
                    await self.ws.send(self.envelope("pong", message["id"], {}))
                elif isinstance(kind, str) and kind.endswith("_response"):
                    future = self.waiting.pop(message["id"], None)
                    if future is not None and not future.done():
                        future.set_result(None)

    def envelope(self, kind: str, msg_id: str, body: dict[str, Any]) -> str:
        return json.dumps(
            {
                "v": 1,
                "source": "mcp",
                "type": kind,
                "ts": int(time.time()),
                "id": msg_id,
                "body": body,
                "session": self.session,
            },
            separators=(",", ":"),
        )

    async def round_trip(self) -> int:
        rid = uuid.uuid4().hex
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting[rid] = future
        frame = self.envelope("echo", rid, {"request_id": rid})
        t0 = time.perf_counter_ns()
        await self.ws.send(frame)
        await asyncio.wait_for(future, 30)
        return time.perf_counter_ns() - t0


async def run(
    plan: Plan, mono: str, log: BinaryIO, sides: tuple[str, ...] = SIDES
) -> dict[str, Any]:
    peers: dict[str, Peer] = {}
    arrived = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        first = json.loads(await ws.recv())
        side = str(first.get("bench") or "core")
        session = str(first.get("session_id") or "bare")
        peer = Peer(ws, session)
        welcome = {"session": session, "conn_seq": first.get("conn_seq", 0), "protocol": 1}
        await ws.send(peer.envelope("welcome", uuid.uuid4().hex, welcome))
        peers[side] = peer
        if len(peers) == len(sides):
            arrived.set()
        await peer.read()

    async with serve(
        handler, "127.0.0.1", 0, compression=None, ping_interval=None, max_size=None
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        url = f"ws://127.0.0.1:{port}/ws/unity"
        procs = [
            await asyncio.create_subprocess_exec(
                mono, BENCH_EXE, "--url", url, "--mode", side, stdout=log, stderr=log
            )
            for side in sides
        ]
        try:
            await asyncio.wait_for(arrived.wait(), 60)
            for side in sides:
                for _ in range(plan.warmup):
                    await peers[side].round_trip()
            per_round: dict[str, list[float]] = {side: [] for side in sides}
            pooled: dict[str, list[int]] = {side: [] for side in sides}
            for r in range(plan.rounds):
                order = sides if r % 2 == 0 else tuple(reversed(sides))
                for side in order:
                    samples = [await peers[side].round_trip() for _ in range(plan.n)]
                    per_round[side].append(statistics.median(samples) / 1000)
                    pooled[side].extend(samples)
            acks = peers["core"].acks
        finally:
            for peer in peers.values():
                await peer.ws.close()
            for proc in procs:
                try:
                    await asyncio.wait_for(proc.wait(), 20)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()
    figures: dict[str, dict[str, Any]] = {
        side: {
            **summarize_ns(pooled[side]),
            "median_of_rounds_us": statistics.median(per_round[side]),
            "round_medians_us": per_round[side],
        }
        for side in sides
    }
    bare, core = figures["bare"], figures["core"]
    breakdown = {}
    if "bare-ack" in figures:
        with_ack = figures["bare-ack"]["median_of_rounds_us"]
        breakdown = {
            "ack_on_the_wire_us": with_ack - bare["median_of_rounds_us"],
            "core_machinery_us": core["median_of_rounds_us"] - with_ack,
            "ratio_core_vs_bare_ack": core["median_of_rounds_us"] / with_ack,
        }
    return {
        "plan": asdict(plan),
        "figures": figures,
        "ratio_median": core["median_of_rounds_us"] / bare["median_of_rounds_us"],
        "ratio_p99": core["p99_us"] / bare["p99_us"],
        "overhead_us": core["median_of_rounds_us"] - bare["median_of_rounds_us"],
        "core_acks": acks,
        **({"breakdown": breakdown} if breakdown else {}),
        "mono": mono_version(mono),
        "machine": machine(),
    }


def mono_version(mono: str) -> str:
    import subprocess

    out = subprocess.run([mono, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.splitlines()[0] if out.stdout else "unknown"


def report(result: dict[str, Any]) -> str:
    f = result["figures"]
    plan = result["plan"]
    lines = [
        f"C# dispatch: {plan['rounds']} alternating rounds x {plan['n']} sequential echo "
        f"round trips ({result['mono']})",
        f"  bare ClientWebSocket echo: median {fmt_us(f['bare']['median_of_rounds_us'])} µs, "
        f"p99 {fmt_us(f['bare']['p99_us'])} µs",
        f"  EditorLink (ack, ledger, main-thread hop, CommandTable): median "
        f"{fmt_us(f['core']['median_of_rounds_us'])} µs, p99 {fmt_us(f['core']['p99_us'])} µs",
        f"  core/bare: median {result['ratio_median']:.2f}x, p99 {result['ratio_p99']:.2f}x; "
        f"overhead {result['overhead_us']:+.0f} µs per command; acks seen "
        f"{result['core_acks']:,}",
    ]
    b = result.get("breakdown")
    if b:
        lines.append(
            f"  bare + ack: median {fmt_us(f['bare-ack']['median_of_rounds_us'])} µs; the ack "
            f"on the wire {b['ack_on_the_wire_us']:+.0f} µs, the core's machinery "
            f"{b['core_machinery_us']:+.0f} µs (core/bare+ack "
            f"{b['ratio_core_vs_bare_ack']:.2f}x)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small run for CI")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--rounds", type=int, help="alternating rounds")
    p.add_argument("-n", type=int, help="sequential round trips per side per round")
    p.add_argument("--breakdown", action="store_true", help="add the bare-ack side")
    args = p.parse_args(argv)
    base = QUICK if args.quick else FULL
    plan = Plan(rounds=args.rounds or base.rounds, n=args.n or base.n, warmup=base.warmup)
    mono = shutil.which("mono")
    missing = [
        what
        for what, ok in (
            ("mono", mono),
            ("unity/build/MovesiaBench.exe", os.path.exists(BENCH_EXE)),
        )
        if not ok
    ]
    if missing:
        reason = "needs " + " and ".join(missing) + " (run: bash unity/build.sh)"
        print(f"C# dispatch benchmark skipped: {reason}")
        if args.json:
            write_json(args.json, {"skipped": reason})
        return 0
    assert mono is not None
    log_path = os.path.join(ROOT, "unity", "build", "bench-csharp.log")
    with open(log_path, "ab") as log:
        sides = BREAKDOWN_SIDES if args.breakdown else SIDES
        result = asyncio.run(run(plan, mono, log, sides))
    print(report(result))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
