"""The round-trip pairs every ``send_and_wait`` benchmark shares: the floor, the peers,
the servers and the timing loops.

* **floor**: a bare ``websockets`` server sends a JSON command envelope to a bare
  ``websockets`` client, which ``json.loads`` it and answers inline with ``json.dumps``;
  the server correlates the answer by id with a dict of futures. No framework logic.
* **ours / bare**: uvicorn serving ``create_app(UnityManager())`` (through
  ``serve_in_process``, the CLI's uvicorn set-up) and ``manager.send_and_wait``, answered
  by the floor's bare client after a query-string handshake: the same JSON work on the
  peer, so the difference is the server.
* **ours / simulated**: the same server with the ``SimulatedUnity`` peer (``echo`` is a
  read: answered without an ACK).
* reference pairs for the breakdowns: the floor's server logic in a Starlette
  ``WebSocketRoute`` under the same uvicorn set-up, with either peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from movesia_mcp import UnityManager, create_app
from movesia_mcp._envelope import MovesiaMessage
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._simulator import SimulatedUnity
from movesia_mcp._simulator import envelope as unity_envelope

# The breakdown pair that differs from ours only by the server code (no movesia_mcp).
REFERENCE = "uvicorn+starlette, SimulatedUnity peer"

Call = Callable[[], Awaitable[dict[str, Any]]]


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
    """The floor's client: parse each command, answer it inline. Nothing else (a frame
    that is not a command, such as ours' ``welcome``, is skipped)."""

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
                message = json.loads(raw)
                if "request_id" in message["body"]:
                    await ws.send(response_text(message, session))

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


# ── a server on an ephemeral loopback port (serve_in_process, as the tests) ────────────


class InProcess:
    """``app`` served by ``serve_in_process`` between ``start`` and ``stop``."""

    def __init__(
        self, app: ASGIApp, manager: UnityManager | None = None, *, ws: str | None = None
    ) -> None:
        # ws: uvicorn's WebSocket protocol by name ("auto": uvicorn's own, which pauses
        # reading after every frame); None: the CLI's (runtime.serving).
        self._serving = serve_in_process(app, manager, ws=ws)
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/unity"

    async def start(self) -> None:
        served = await self._serving.__aenter__()
        self.port = served.port

    async def stop(self) -> None:
        await self._serving.__aexit__(None, None, None)


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


# ── ours / simulated: uvicorn + create_app(UnityManager) + SimulatedUnity ─────────────


class Ours:
    def __init__(self, params: dict[str, Any], *, ack: bool = False) -> None:
        # echo is a read: the simulated editor answers reads without an ACK and ACKs
        # only commands that change the project.
        self.name = "ours, command ACKed (as a mutation)" if ack else "ours / simulated"
        self.params = params
        self.ack = ack
        self.manager = UnityManager()
        self.http = InProcess(create_app(self.manager), self.manager)
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

    def __init__(self, params: dict[str, Any], *, simulated: bool, ws: str | None = None) -> None:
        self.name = REFERENCE if simulated else "uvicorn+starlette, bare peer"
        self.params = params
        self.simulated = simulated
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.websocket: WebSocket | None = None
        app = Starlette(routes=[WebSocketRoute("/ws/unity", self._endpoint)])
        self.http = InProcess(app, ws=ws)
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


# ── ours / bare: our server, the floor's peer ──────────────────────────────────────────


class OursBare:
    """``create_app(UnityManager())`` with the floor's bare peer (query-string handshake:
    the session and connection in the URL, so the peer sends no ``hello``)."""

    name = "ours / bare"

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.manager = UnityManager()
        self.http = InProcess(create_app(self.manager), self.manager)
        self.peer = BarePeer(new_session())

    async def start(self) -> None:
        await self.http.start()
        await self.peer.connect(f"{self.http.url}?session={self.peer.session}&conn=1")
        deadline = time.monotonic() + 10
        while not self.manager.is_connected:
            if time.monotonic() > deadline:
                raise TimeoutError("the bare peer was not attached")
            await asyncio.sleep(0.005)

    async def call(self) -> dict[str, Any]:
        return await self.manager.send_and_wait("echo", **self.params)

    def frame_sizes(self) -> tuple[int, int]:
        rid = uuid.uuid4().hex
        session = self.peer.session
        command = MovesiaMessage.create(
            "echo", {"request_id": rid, **self.params}, session=session, msg_id=rid
        ).to_json()
        return len(command.encode()), len(response_text(json.loads(command), session).encode())

    def reset(self) -> None:
        pass

    async def stop(self) -> None:
        await self.peer.close()
        await self.http.stop()


class StarletteSimulated(BareUvicorn):
    """The floor's logic under uvicorn + Starlette, with a SimulatedUnity peer that
    answers without an ACK (``bench_roundtrip``'s reference pair ACKs every command)."""

    async def start(self) -> None:
        await self.http.start()
        peer = simulated_peer(self.http.url, ack=False)
        self.session = peer.session_id
        self.peer = peer
        await peer.connect()
        await self._ready.wait()


# ── measurements ───────────────────────────────────────────────────────────────────────


@dataclass
class Blocks:
    """One side's measurements, a block per round: every sequential round trip (ns),
    each round's median (µs) and each round's pipelined throughput (commands/s)."""

    samples: list[int] = field(default_factory=list)
    medians: list[float] = field(default_factory=list)
    throughputs: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        return {
            "latency_median_us": statistics.median(ordered) / 1000,
            "latency_p99_us": percentile(ordered, 0.99) / 1000,
            "throughput_per_s": statistics.median(self.throughputs),
        }


async def alternate(
    sides: list[Side], rounds: int, latency_block: int, throughput_block: int, depth: int
) -> dict[str, Blocks]:
    """``rounds`` rounds; in each, every side runs ``latency_block`` sequential round
    trips, then every side ``throughput_block`` commands ``depth`` deep, in an order that
    reverses from round to round. A round takes a fraction of a second, so the sides of
    one round see the machine in the same state (see ``paired_ratios``).

    Each block starts with ``side.reset()`` (a side may set itself up there). A latency
    block's first round trip follows another side's block, its caches cold (about twice
    the median): it is run and not counted. There is no collection between blocks: the
    garbage collector runs as it does in service, in every side's blocks alike."""
    blocks = {side.name: Blocks() for side in sides}
    for r in range(rounds):
        order = sides if r % 2 == 0 else sides[::-1]
        for side in order:
            side.reset()
            await side.call()  # the cold one
            samples = await round_trips(side.call, latency_block)
            blocks[side.name].samples += samples
            blocks[side.name].medians.append(statistics.median(samples) / 1000)
        for side in order:
            side.reset()
            rate = await pipelined(side.call, throughput_block, depth)
            blocks[side.name].throughputs.append(rate)
    return blocks


def paired_ratios(side: Blocks, floor: Blocks) -> dict[str, float]:
    """``side`` over ``floor``: the median of the per-round ratios (the round's median
    latency, the round's throughput), and the p99 of all samples over the floor's.

    Paired by round: this shared VM switches between a fast and a slow state for
    seconds at a time (one run's floor medians: 85 and 138 µs), so two sides measured
    seconds apart can differ by more than the gap to be measured; two blocks of one
    round, tens to hundreds of milliseconds apart, almost always see the same state."""
    summary, base = side.summary(), floor.summary()
    return {
        "latency_median": statistics.median(
            s / f for s, f in zip(side.medians, floor.medians, strict=True)
        ),
        "latency_p99": summary["latency_p99_us"] / base["latency_p99_us"],
        "throughput": statistics.median(
            s / f for s, f in zip(side.throughputs, floor.throughputs, strict=True)
        ),
    }


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    k = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[k])


async def round_trips(call: Call, n: int) -> list[int]:
    """``n`` sequential calls; each one's latency in ns."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    for _ in range(n):
        t0 = clock()
        await call()
        append(clock() - t0)
    return samples


async def sequential(call: Call, n: int) -> tuple[float, float]:
    """``n`` sequential calls: their median and p99 latency in µs."""
    samples = sorted(await round_trips(call, n))
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
