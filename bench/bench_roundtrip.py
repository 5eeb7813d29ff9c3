"""Round-trip benchmark: ``UnityManager.send_and_wait`` against a floor of bare ``websockets``.

Both pairs run in one process and one event loop, over loopback:

* **floor**: a bare ``websockets`` server sends a JSON command envelope to a bare
  ``websockets`` client, which ``json.loads`` it and answers with a JSON response; the
  server correlates the answer by id with a dict of futures. No framework logic.
* **ours**: uvicorn serving ``create_app(UnityManager())``, a ``SimulatedUnity`` peer
  with an ``echo`` handler, and ``manager.send_and_wait("echo", **params)``. ``echo`` is
  a read, which the simulated editor answers without an ACK (it ACKs only commands that
  change the project).

Same direction (server → client command, client → server response), same JSON sizes,
``compression=None`` and no keepalive pings on both. Measured for both, in alternating
trials (the machine is shared and noisy); the median of the trials is reported:

1. sequential latency: N round trips one after another, median and p99 in µs;
2. pipelined throughput: 64 commands in flight (64 concurrent workers), commands/s.

Targets: latency ratio ours/floor ≤ 1.3, throughput ratio ours/floor ≥ 0.8.

``--breakdown`` adds three reference pairs to the same alternation, to show where the gap
comes from: uvicorn + Starlette with the floor's server logic and the floor's bare
client; the same server with the ``SimulatedUnity`` peer ACKing every command; and ours
with the command ACKed, as a mutation is.

    .venv/bin/python bench/bench_roundtrip.py                 # full run (< 90 s)
    .venv/bin/python bench/bench_roundtrip.py --quick         # CI-sized run (< 20 s)
    .venv/bin/python bench/bench_roundtrip.py --json out.json --breakdown

Only the report goes to stdout. The exit status is 0 whether or not the targets are met;
``--strict`` makes a miss exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from movesia_mcp import UnityManager, create_app
from movesia_mcp.envelope import MovesiaMessage
from movesia_mcp.server.runtime import bind_listener
from movesia_mcp.simulator import SimulatedUnity
from movesia_mcp.simulator import envelope as unity_envelope

# The breakdown pair that differs from ours only by the server code (no movesia_mcp).
REFERENCE = "uvicorn+starlette, SimulatedUnity peer"

LATENCY_TARGET = 1.3  # ours / floor, at most
THROUGHPUT_TARGET = 0.8  # ours / floor, at least

Call = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Plan:
    rounds: int
    latency_n: int
    throughput_m: int
    depth: int
    warmup: int
    payload_bytes: int


FULL = Plan(rounds=5, latency_n=5000, throughput_m=40_000, depth=64, warmup=3000, payload_bytes=64)
QUICK = Plan(rounds=5, latency_n=2000, throughput_m=6000, depth=64, warmup=1000, payload_bytes=64)


def echo_params(payload_bytes: int) -> dict[str, Any]:
    """The command's parameters; echoed back verbatim by every peer."""
    return {"text": "x" * payload_bytes, "n": 42, "flag": True}


def new_session() -> str:
    return "sim-" + uuid.uuid4().hex[:8]  # as long as SimulatedUnity's


def command_text(request_id: str, params: dict[str, Any], session: str) -> str:
    """The floor's command: the same fields and bytes as ``PendingCommand.envelope``."""
    return json.dumps(
        {
            "v": 1,
            "source": "mcp",
            "type": "echo",
            "ts": int(time.time()),
            "id": request_id,
            "body": {"request_id": request_id, **params},
            "session": session,
        },
        separators=(",", ":"),
    )


def response_text(message: dict[str, Any], session: str) -> str:
    """The floor's answer: the same fields and bytes as ``SimulatedUnity``'s."""
    body = message["body"]
    return json.dumps(
        {
            "v": 1,
            "source": "unity",
            "type": message["type"] + "_response",
            "ts": int(time.time()),
            "id": body["request_id"],
            "body": body,  # {"request_id": R, **params}, echoed
            "session": session,
        }
    )


class Side(Protocol):
    name: str

    async def start(self) -> None: ...
    async def call(self) -> dict[str, Any]: ...
    def reset(self) -> None: ...
    async def stop(self) -> None: ...


# ── peers (the Unity end) ──────────────────────────────────────────────────────────────


class BarePeer:
    """The floor's client: parse each command, answer it inline. Nothing else."""

    def __init__(self, session: str) -> None:
        self.session = session
        self.ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def connect(self, url: str) -> None:
        self.ws = await connect(url, compression=None, ping_interval=None, max_size=None)
        self._task = asyncio.create_task(self._answer_forever(self.ws))

    async def _answer_forever(self, ws: ClientConnection) -> None:
        session = self.session
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                await ws.send(response_text(json.loads(raw), session))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._task is not None:
            await self._task


def simulated_peer(url: str, *, ack: bool) -> SimulatedUnity:
    async def echo(params: dict[str, Any]) -> dict[str, Any]:
        return params

    return SimulatedUnity(url, heartbeat_interval=None, ack_commands=ack, handlers={"echo": echo})


def clear_history(peer: SimulatedUnity | BarePeer | None) -> None:
    # The simulator keeps every message it received (for test assertions); drop them so
    # retained objects do not grow the GC's work from trial to trial.
    if isinstance(peer, SimulatedUnity):
        peer.received.clear()
        peer.commands_seen.clear()


# ── uvicorn on an ephemeral loopback port (as tests/conftest.py) ───────────────────────


class Uvicorn:
    def __init__(self, app: Any) -> None:
        self.sock = bind_listener("127.0.0.1", 0)  # as the server binds it (TCP_NODELAY)
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on", ws_ping_interval=None)
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/unity"

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)
        self.sock.close()


# ── floor: bare websockets on both ends ────────────────────────────────────────────────


class Floor:
    """Bare ``websockets`` server (sends commands) and bare client (answers them)."""

    name = "floor"

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.session = new_session()
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.server: Server | None = None
        self.server_ws: ServerConnection | None = None
        self.peer = BarePeer(self.session)

    async def start(self) -> None:
        ready = asyncio.Event()
        pending = self.pending

        async def handler(ws: ServerConnection) -> None:
            self.server_ws = ws
            ready.set()
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
        await self.peer.connect(f"ws://127.0.0.1:{port}/")
        await ready.wait()

    async def call(self) -> dict[str, Any]:
        assert self.server_ws is not None
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.server_ws.send(command_text(request_id, self.params, self.session))
        return await future

    def frame_sizes(self) -> tuple[int, int]:
        command = command_text(uuid.uuid4().hex, self.params, self.session)
        response = response_text(json.loads(command), self.session)
        return len(command.encode()), len(response.encode())

    def reset(self) -> None:
        pass

    async def stop(self) -> None:
        await self.peer.close()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


# ── ours: uvicorn + create_app(UnityManager) + SimulatedUnity ──────────────────────────


class Ours:
    def __init__(self, params: dict[str, Any], *, ack: bool = False) -> None:
        # echo is a read: the simulated editor answers reads without an ACK and ACKs
        # only commands that change the project.
        self.name = "ours, command ACKed (as a mutation)" if ack else "ours"
        self.params = params
        self.ack = ack
        self.manager = UnityManager()
        self.http = Uvicorn(create_app(self.manager))
        self.peer: SimulatedUnity | None = None

    async def start(self) -> None:
        await self.http.start()
        self.peer = simulated_peer(self.http.url, ack=self.ack)
        await self.peer.connect()  # the session is live before ``welcome`` is sent
        assert self.manager.is_connected

    async def call(self) -> dict[str, Any]:
        return await self.manager.send_and_wait("echo", **self.params)

    def frame_sizes(self) -> tuple[int, int]:
        assert self.peer is not None
        rid = uuid.uuid4().hex
        session = self.peer.session_id
        command = MovesiaMessage.create(
            "echo", {"request_id": rid, **self.params}, session=session, msg_id=rid
        ).to_json()
        response = unity_envelope(
            "echo_response", {"request_id": rid, **self.params}, msg_id=rid, session=session
        )
        return len(command.encode()), len(json.dumps(response).encode())

    def reset(self) -> None:
        clear_history(self.peer)

    async def stop(self) -> None:
        if self.peer is not None:
            await self.peer.aclose()
        await self.http.stop()


# ── breakdown: uvicorn + Starlette with the floor's server logic ───────────────────────


class BareUvicorn:
    """The floor's server logic in a Starlette ``WebSocketRoute`` under uvicorn; no
    ``movesia_mcp`` code on the server. The peer is the bare client or the simulator."""

    def __init__(self, params: dict[str, Any], *, simulated: bool) -> None:
        self.name = REFERENCE if simulated else "uvicorn+starlette, bare peer"
        self.params = params
        self.simulated = simulated
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.websocket: WebSocket | None = None
        self.http = Uvicorn(Starlette(routes=[WebSocketRoute("/ws/unity", self._endpoint)]))
        self.peer: SimulatedUnity | BarePeer | None = None
        self.session = new_session()
        self._ready = asyncio.Event()

    async def _endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        self.websocket = websocket
        self._ready.set()
        pending = self.pending
        while True:
            event = await websocket.receive()
            if event["type"] == "websocket.disconnect":
                return
            message = json.loads(event["text"])
            kind = message.get("type")
            if kind == "hello":  # SimulatedUnity waits for a welcome
                await websocket.send_text(json.dumps({"type": "welcome", "id": "w", "body": {}}))
                continue
            if kind == "ack":  # same id as its command: not the answer
                continue
            future = pending.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message["body"])

    async def start(self) -> None:
        await self.http.start()
        if self.simulated:
            peer = simulated_peer(self.http.url, ack=True)
            self.session = peer.session_id
            self.peer = peer
            await peer.connect()
        else:
            self.peer = BarePeer(self.session)
            await self.peer.connect(self.http.url)
        await self._ready.wait()

    async def call(self) -> dict[str, Any]:
        assert self.websocket is not None
        request_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        await self.websocket.send_text(command_text(request_id, self.params, self.session))
        return await future

    def reset(self) -> None:
        clear_history(self.peer)

    async def stop(self) -> None:
        if isinstance(self.peer, SimulatedUnity):
            await self.peer.aclose()
        elif self.peer is not None:
            await self.peer.close()
        await self.http.stop()


# ── measurements ───────────────────────────────────────────────────────────────────────


@dataclass
class Trial:
    median_us: float
    p99_us: float
    throughput: float


@dataclass
class SideResult:
    trials: list[Trial] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        return {
            "latency_median_us": statistics.median(t.median_us for t in self.trials),
            "latency_p99_us": statistics.median(t.p99_us for t in self.trials),
            "throughput_per_s": statistics.median(t.throughput for t in self.trials),
        }


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    k = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[k])


async def sequential(call: Call, n: int) -> tuple[float, float]:
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    for _ in range(n):
        t0 = clock()
        await call()
        append(clock() - t0)
    samples.sort()
    return statistics.median(samples) / 1000, percentile(samples, 0.99) / 1000


async def pipelined(call: Call, m: int, depth: int) -> float:
    remaining = m

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(depth)))
    return m / (time.perf_counter() - t0)


async def settle() -> None:
    gc.collect()
    await asyncio.sleep(0.02)


def ratios(side: dict[str, float], floor: dict[str, float]) -> dict[str, float]:
    return {
        "latency_median": side["latency_median_us"] / floor["latency_median_us"],
        "latency_p99": side["latency_p99_us"] / floor["latency_p99_us"],
        "throughput": side["throughput_per_s"] / floor["throughput_per_s"],
    }


async def run(plan: Plan, *, breakdown: bool) -> dict[str, Any]:
    params = echo_params(plan.payload_bytes)
    floor, ours = Floor(params), Ours(params)
    sides: list[Side] = [floor, ours]
    if breakdown:
        sides += [
            BareUvicorn(params, simulated=False),
            BareUvicorn(params, simulated=True),
            Ours(params, ack=True),
        ]
    results = {side.name: SideResult() for side in sides}
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
        sizes = {side.name: side.frame_sizes() for side in (floor, ours)}
        for r in range(plan.rounds):
            order = sides if r % 2 == 0 else sides[::-1]
            latency: dict[str, tuple[float, float]] = {}
            throughput: dict[str, float] = {}
            for side in order:
                side.reset()
                await settle()
                latency[side.name] = await sequential(side.call, plan.latency_n)
            for side in order:
                side.reset()
                await settle()
                throughput[side.name] = await pipelined(side.call, plan.throughput_m, plan.depth)
            for name, (med, p99) in latency.items():
                results[name].trials.append(Trial(med, p99, throughput[name]))
    finally:
        for side in reversed(started):
            await side.stop()

    f, o = results[floor.name].summary(), results[ours.name].summary()
    ratio = ratios(o, f)
    out: dict[str, Any] = {
        "plan": asdict(plan),
        "frame_bytes": {name: {"command": c, "response": r} for name, (c, r) in sizes.items()},
        "floor": f,
        "ours": o,
        "ratios": ratio,
        "targets": {"latency_median_max": LATENCY_TARGET, "throughput_min": THROUGHPUT_TARGET},
        "pass": {
            "latency": ratio["latency_median"] <= LATENCY_TARGET,
            "throughput": ratio["throughput"] >= THROUGHPUT_TARGET,
        },
        "trials": {name: [asdict(t) for t in res.trials] for name, res in results.items()},
    }
    if breakdown:
        out["breakdown"] = {
            side.name: {**(s := results[side.name].summary()), "ratios": ratios(s, f)}
            for side in sides[2:]
        }
        out["ours_vs_reference"] = ratios(o, results[REFERENCE].summary())
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

    rows = [
        ("metric", "floor", "ours", "ours/floor", "target", "result"),
        (
            "latency median (µs)",
            f"{f['latency_median_us']:.1f}",
            f"{o['latency_median_us']:.1f}",
            f"{ratio['latency_median']:.2f}",
            f"≤ {LATENCY_TARGET}",
            mark(passed["latency"]),
        ),
        (
            "latency p99 (µs)",
            f"{f['latency_p99_us']:.1f}",
            f"{o['latency_p99_us']:.1f}",
            f"{ratio['latency_p99']:.2f}",
            "",
            "",
        ),
        (
            f"throughput @{plan['depth']} (cmd/s)",
            f"{f['throughput_per_s']:,.0f}",
            f"{o['throughput_per_s']:,.0f}",
            f"{ratio['throughput']:.2f}",
            f"≥ {THROUGHPUT_TARGET}",
            mark(passed["throughput"]),
        ),
    ]
    sizes = result["frame_bytes"]
    out = [
        "send_and_wait round trip vs bare websockets floor (loopback, one event loop)",
        f"python {env['python']} · loop {env['loop']} · uvicorn {env['uvicorn']} · "
        f"starlette {env['starlette']} · websockets {env['websockets']}",
        f"{plan['rounds']} alternating rounds · latency N={plan['latency_n']} sequential · "
        f"throughput M={plan['throughput_m']} at depth {plan['depth']} · "
        f"warm-up {plan['warmup']} · median of trials",
        "frame bytes (command/response): "
        + ", ".join(f"{k} {v['command']}/{v['response']}" for k, v in sizes.items()),
        "",
        *table(rows, "<>>><<"),
    ]
    if "breakdown" in result:
        brows: list[tuple[str, ...]] = [
            ("reference pair (same run)", "median µs", "p99 µs", "lat/floor", "cmd/s", "tput/floor")
        ]
        for name, s in [("floor", f), *result["breakdown"].items(), ("ours", o)]:
            r = ratios(s, f)
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
        ref = result["breakdown"][REFERENCE]
        r = ratios(o, ref)
        out += [
            "",
            *table(brows, "<>>>>>"),
            f"ours vs {REFERENCE!r} (only the movesia_mcp server code differs): "
            f"latency {r['latency_median']:.2f}, throughput {r['throughput']:.2f}",
        ]
    out += ["", "trials (median µs / p99 µs / cmd/s):"]
    width = max(len(name) for name in result["trials"])
    for name, trials in result["trials"].items():
        cells = ", ".join(
            f"{t['median_us']:.0f}/{t['p99_us']:.0f}/{t['throughput']:,.0f}" for t in trials
        )
        out.append(f"  {name:<{width}}  {cells}")
    out.append(f"\nelapsed {elapsed:.1f} s")
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small run for CI (< 20 s)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument(
        "--breakdown",
        action="store_true",
        help="also measure reference pairs that split the gap (about 2.5x longer)",
    )
    p.add_argument("--rounds", type=int, help="alternating trials per side")
    p.add_argument("--latency-n", type=int, help="sequential round trips per trial")
    p.add_argument("--throughput-m", type=int, help="pipelined commands per trial")
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
        "latency_n": args.latency_n,
        "throughput_m": args.throughput_m,
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
