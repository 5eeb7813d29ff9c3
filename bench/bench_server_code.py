"""The server's own Python per ``send_and_wait``, with the socket taken out.

``bench_roundtrip.py`` measures the whole round trip against a floor, and on this shared
machine its ratios move by more than a few µs of server code. This isolates that code:
the real server and a bare peer are started (``pairs.OursBare``), then the connection's
Starlette WebSocket is swapped for an in-memory echo, and the manager's real read loop
(``EditorLinks._read_frames``) runs on it. Each command goes through ``send_and_wait``,
the command table, the envelope encoder, ``UnityConnection.send_text``, the read loop,
the router and the answer, exactly as over a socket; only uvicorn, Starlette and the
kernel are missing (and the echo's own work, a slice and a ``str.replace``, is in the
figure for every variant alike).

Reports µs per command, sequential and 64 deep, the minimum and the median of the
rounds (the minimum is the least disturbed by other jobs on the machine).

    .venv/bin/python bench/bench_server_code.py                 # full: 15 rounds x 5000
    .venv/bin/python bench/bench_server_code.py --quick         # CI: 7 rounds x 2000
    .venv/bin/python bench/bench_server_code.py --json out.json # also the results as JSON

``--n``, ``--rounds`` and ``--depth`` override the sizes.

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from collections import deque
from typing import Any

from harness import machine, quiet_logging, write_json
from pairs import OursBare, echo_params, response_text

PLACEHOLDER = "R" * 32  # the answer template's request id, replaced per command


class EchoSocket:
    """Enough of Starlette's WebSocket for the read loop and ``send_text``: every
    command sent is answered at once, with the bare peer's answer frame."""

    def __init__(self, answer_template: str) -> None:
        self.template = answer_template
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiter: asyncio.Future[None] | None = None

    async def send_text(self, text: str) -> None:
        start = text.index('"id":"') + 6
        answer = self.template.replace(PLACEHOLDER, text[start : start + 32])
        self.inbox.append({"type": "websocket.receive", "text": answer})
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def receive(self) -> dict[str, Any]:
        while not self.inbox:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return self.inbox.popleft()


async def measure(n: int, rounds: int, depth: int) -> tuple[list[float], list[float]]:
    params = echo_params(64)
    side = OursBare(params)
    await side.start()
    manager = side.manager
    [connection] = manager.connections
    real = connection.websocket
    template = response_text(
        {"type": "echo", "body": {"request_id": PLACEHOLDER, **params}}, connection.session_id
    )
    connection.websocket = EchoSocket(template)  # type: ignore[assignment]
    connection.asgi_receive = connection.asgi_send = None  # every frame through the echo
    reader = asyncio.create_task(manager.links._read_frames(connection))

    async def sequential(k: int) -> None:
        for _ in range(k):
            await manager.send_and_wait("echo", **params)

    async def pipelined(k: int) -> None:
        left = k

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await manager.send_and_wait("echo", **params)

        await asyncio.gather(*(worker() for _ in range(depth)))

    try:
        answer = await manager.send_and_wait("echo", **params)
        assert answer == params, answer
        await sequential(n // 2)
        await pipelined(n)  # warm-up
        seq: list[float] = []
        pipe: list[float] = []
        for _ in range(rounds):
            gc.collect()
            t0 = time.perf_counter()
            await sequential(n)
            seq.append((time.perf_counter() - t0) / n * 1e6)
            gc.collect()
            t0 = time.perf_counter()
            await pipelined(n)
            pipe.append((time.perf_counter() - t0) / n * 1e6)
    finally:
        reader.cancel()
        connection.websocket = real
        await side.stop()
    return seq, pipe


FULL = {"n": 5000, "rounds": 15, "depth": 64}
QUICK = {"n": 2000, "rounds": 7, "depth": 64}


def figures(samples: list[float]) -> dict[str, Any]:
    return {"min_us": min(samples), "median_us": statistics.median(samples), "rounds": samples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized run (n=2000, 7 rounds)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--n", type=int, help="commands per round (full: 5000)")
    parser.add_argument("--rounds", type=int, help="rounds (full: 15)")
    parser.add_argument("--depth", type=int, help="commands in flight, pipelined (64)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    plan.update({k: v for k in plan if (v := getattr(args, k)) is not None})
    quiet_logging()
    t0 = time.perf_counter()
    seq, pipe = asyncio.run(measure(plan["n"], plan["rounds"], plan["depth"]))
    result = {
        "machine": machine(),
        "quick": args.quick,
        "plan": plan,
        "sequential": figures(seq),
        "pipelined": figures(pipe),
        "elapsed_s": time.perf_counter() - t0,
    }
    n, rounds, depth = plan["n"], plan["rounds"], plan["depth"]
    print(f"server code per send_and_wait, in-memory echo ({rounds} rounds x {n})")
    for label, samples in (("sequential", seq), (f"{depth} deep", pipe)):
        low, mid = min(samples), statistics.median(samples)
        print(f"  {label:<14} min {low:6.2f} µs   median {mid:6.2f} µs")
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
