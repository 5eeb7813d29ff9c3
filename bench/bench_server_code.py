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

Beside it, in the same rounds (alternated, forward on even rounds and reversed on odd
ones), the floor's own server work per command on the same echo (``FloorServer``: what
``pairs.Floor``'s server does, a dict, ``json.dumps``, a future in a dict, the send;
``json.loads``, a pop, ``set_result``), and the difference, ours over the floor's, per
round: the part of the round trip that is our own Python.

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
import json
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from harness import PLACEHOLDER, EchoSocket, machine, quiet_logging, write_json
from pairs import OursBare, command_text, echo_params, new_session, pipelined, response_text


class FloorServer:
    """The floor's server work per command (``pairs.Floor``), on an ``EchoSocket``:
    an id, a future in a dict, the command's JSON, the send; then ``json.loads`` of the
    answer, a pop and ``set_result``."""

    def __init__(self, params: dict[str, Any], session: str) -> None:
        self.params = params
        self.session = session
        self.socket = EchoSocket(
            response_text({"type": "echo", "body": {"request_id": PLACEHOLDER, **params}}, session)
        )
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def call(self) -> dict[str, Any]:
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.socket.send_text(command_text(request_id, self.params, self.session))
        return await future

    async def read_forever(self) -> None:
        pending = self.pending
        receive = self.socket.receive
        while True:
            message = json.loads((await receive())["text"])
            future = pending.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message["body"])


Call = Callable[[], Awaitable[dict[str, Any]]]
VARIANTS = ("ours", "floor")


async def sequential(call: Call, k: int) -> None:
    for _ in range(k):
        await call()


async def measure(n: int, rounds: int, depth: int) -> dict[str, dict[str, list[float]]]:
    """µs per command of each variant, ``{"ours"|"floor": {"sequential"|"pipelined": [...]}}``."""
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
    floor = FloorServer(params, new_session())
    floor_reader = asyncio.create_task(floor.read_forever())

    async def ours() -> dict[str, Any]:
        return await manager.send_and_wait("echo", **params)

    calls: dict[str, Call] = {"ours": ours, "floor": floor.call}
    samples: dict[str, dict[str, list[float]]] = {
        name: {"sequential": [], "pipelined": []} for name in VARIANTS
    }
    try:
        answer = await ours()
        assert answer == params, answer
        floor_answer = await floor.call()
        assert floor_answer.pop("request_id"), floor_answer
        assert floor_answer == params, floor_answer
        for call in calls.values():  # warm-up
            await sequential(call, n // 2)
            await pipelined(call, n, depth)
        for r in range(rounds):
            order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
            for name in order:
                call = calls[name]
                gc.collect()
                t0 = time.perf_counter()
                await sequential(call, n)
                samples[name]["sequential"].append((time.perf_counter() - t0) / n * 1e6)
                gc.collect()
                t0 = time.perf_counter()
                await pipelined(call, n, depth)
                samples[name]["pipelined"].append((time.perf_counter() - t0) / n * 1e6)
    finally:
        reader.cancel()
        floor_reader.cancel()
        connection.websocket = real
        await side.stop()
    return samples


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
    samples = asyncio.run(measure(plan["n"], plan["rounds"], plan["depth"]))
    ours, floor = samples["ours"], samples["floor"]
    paths = ("sequential", "pipelined")
    # Ours over the floor's, round by round (both ran in the same round, back to back).
    gap = {path: [a - b for a, b in zip(ours[path], floor[path], strict=True)] for path in paths}
    result = {
        "machine": machine(),
        "quick": args.quick,
        "plan": plan,
        **{path: figures(ours[path]) for path in paths},
        "floor": {path: figures(floor[path]) for path in paths},
        "over_floor": {path: figures(gap[path]) for path in paths},
        "elapsed_s": time.perf_counter() - t0,
    }
    n, rounds, depth = plan["n"], plan["rounds"], plan["depth"]
    print(f"server code per send_and_wait, in-memory echo ({rounds} alternated rounds x {n})")
    print(f"  {'µs per command':<14} {'ours':>15}  {'floor server':>15}  {'ours - floor':>15}")
    print(f"  {'':<14} {'min   median':>15}  {'min   median':>15}  {'min   median':>15}")
    for path, label in zip(paths, ("sequential", f"{depth} deep"), strict=True):
        cells = [
            f"{min(values):6.2f} {statistics.median(values):7.2f}"
            for values in (ours[path], floor[path], gap[path])
        ]
        print(f"  {label:<14} {cells[0]:>15}  {cells[1]:>15}  {cells[2]:>15}")
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
