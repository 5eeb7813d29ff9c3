"""Reproductions behind the analysis in ``bench/FINDINGS.md`` (what a change would buy).

Each experiment runs the unchanged code and, in the same process, a variant patched in
memory (nothing in ``src`` is modified), alternating rounds, median of rounds:

* ``micro``: per-call costs of the pieces on the command path (timeit-style).
* ``big-answer``: the pieces of the tool path for an 80 KB ``get_hierarchy`` page of
  the 100,000-object scene (size check, result validation, the client's schema check).
* ``stack``: ``send_and_wait`` (bare peer) against the floor, as served and with the
  stack's two per-frame costs put back one at a time: uvicorn's own WebSocket protocol
  (a read pause and resume per inbound frame) and the Unity routes served through
  Starlette's router (its send wrappers); the uvicorn + Starlette reference with either
  protocol. Wall time and the process's CPU time per command (the CPU time is less
  disturbed by other jobs on the machine; min and median of the rounds).
* ``decoder``: ``send_and_wait`` (bare peer) against the floor, with inbound frames
  decoded as served (``envelope.loads``: msgspec, ``json`` for what it refuses) and as
  before (orjson, after a scan of the frame for a run of 19 digits, since orjson turns
  a longer integer into a float), and a second server decoding as served (the control:
  how far two identical sides land apart); the short rounds of bench_roundtrip.py,
  ratios paired by round (``--rounds``, at least 100).

    .venv/bin/python bench/bench_experiments.py [EXPERIMENT]...    # all, by default

Only the report goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # (no stubs; a dependency of mcp)
import orjson
from starlette.applications import Starlette

from harness import pipelined_rate, quiet_logging, settle, timed_calls
from movesia_mcp import UnityManager, _envelope, create_app, unity_routes
from movesia_mcp._envelope import MovesiaMessage, decode_frame, loads, new_id, parse_envelope
from movesia_mcp._handshake import Identity
from movesia_mcp._simulator import SimulatedEditor
from movesia_mcp._unity_session import UnitySession
from movesia_mcp.catalog import TOOLS_BY_NAME
from pairs import (
    BarePeer,
    BareUvicorn,
    Floor,
    InProcess,
    OursBare,
    alternate,
    echo_params,
    new_session,
    paired_ratios,
)

PARAMS = echo_params(64)


def per_call_us(fn: Callable[[], Any], n: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def line(name: str, value: float, unit: str = "µs") -> str:
    return f"  {name:<62} {value:>9.2f} {unit}"


# ── micro ───────────────────────────────────────────────────────────────────────────


async def micro() -> list[str]:
    n = 100_000
    rid = new_id()
    response = json.dumps(
        {
            "v": 1,
            "source": "unity",
            "type": "echo_response",
            "ts": 1,
            "id": rid,
            "body": {"request_id": rid, **PARAMS},
            "session": "sim-12345678",
        }
    )
    out = ["micro: per-call cost of the pieces of one command"]
    out.append(line("new_id() (os.urandom(16).hex())", per_call_us(new_id, n)))
    out.append(
        line("uuid.uuid4().hex (the simulator's ids)", per_call_us(lambda: uuid.uuid4().hex, n))
    )
    out.append(
        line(
            "MovesiaMessage.create(...).to_json()",
            per_call_us(
                lambda: MovesiaMessage.create(
                    "echo", {"request_id": rid, **PARAMS}, session="sim-1", msg_id=rid
                ).to_json(),
                n,
            ),
        )
    )
    out.append(
        line(
            "json.loads(response) (the floor's parse)", per_call_us(lambda: json.loads(response), n)
        )
    )
    out.append(
        line(
            "parse_envelope(decode_frame(response))",
            per_call_us(lambda: parse_envelope(decode_frame(response)), n),
        )
    )
    out.append(
        line(
            "orjson_loads(response) (the decoder before)",
            per_call_us(lambda: orjson_loads(response), n),
        )
    )
    out.append(line("loads(response) (msgspec)", per_call_us(lambda: loads(response), n)))
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    for _ in range(n):
        async with asyncio.timeout(10.0):  # noqa: ASYNC100 (its cost is the point)
            pass
    out.append(line("async with asyncio.timeout(10.0): pass", (time.perf_counter() - t0) / n * 1e6))
    t0 = time.perf_counter()
    for _ in range(n):
        loop.call_later(30.0, int).cancel()
    out.append(line("loop.call_later(30, f).cancel()", (time.perf_counter() - t0) / n * 1e6))
    manager = UnityManager()
    for count in (1, 50, 100):
        manager.sessions = {}
        for i in range(count):
            session = UnitySession(Identity(f"s{i}", 1, f"/p/Project{i:03d}"))
            session.connection = object()  # type: ignore[assignment]
            manager.sessions[session.session_id] = session
        last = f"Project{count - 1:03d}"
        out.append(
            line(
                f"find_session({last!r}) with {count} sessions",
                per_call_us(lambda p=last: manager.find_session(p), 20_000),  # type: ignore[misc]
            )
        )
    return out


# ── the stack's per-frame costs, one at a time ──────────────────────────────────────


class OursOn(OursBare):
    """``ours / bare`` with uvicorn's WebSocket protocol ``ws`` (None: the CLI's) and,
    with ``routed``, the Unity routes in a plain Starlette app (no ``UnitySockets``)."""

    def __init__(self, name: str, *, ws: str | None = None, routed: bool = False) -> None:
        self.name = name
        self.params = PARAMS
        self.manager = UnityManager()
        if routed:
            manager = self.manager

            @contextlib.asynccontextmanager
            async def lifespan(_: Starlette) -> Any:
                async with manager.running():
                    yield

            app = Starlette(routes=unity_routes(manager), lifespan=lifespan)
        else:
            app = create_app(self.manager)
        self.http = InProcess(app, self.manager, ws=ws)
        self.peer = BarePeer(new_session())


class ReferenceOn(BareUvicorn):
    def __init__(self, name: str, *, ws: str | None = None) -> None:
        super().__init__(PARAMS, simulated=False, ws=ws)
        self.name = name


async def stack_experiment(rounds: int) -> list[str]:
    sides: list[Any] = [
        Floor(PARAMS),
        OursOn("ours (as served)"),
        OursOn("ours, uvicorn's per-frame pause", ws="auto"),
        OursOn("ours, through Starlette's router", routed=True),
        OursOn("ours, both (the stack before)", ws="auto", routed=True),
        ReferenceOn("uvicorn+starlette, bare peer"),
        ReferenceOn("uvicorn+starlette, per-frame pause", ws="auto"),
    ]
    figures: dict[str, list[tuple[float, float, float, float]]] = {s.name: [] for s in sides}
    started: list[Any] = []
    try:
        for side in sides:
            await side.start()
            started.append(side)
            await timed_calls(side.call, 1000)
            await pipelined_rate(side.call, 2000, 64)
        for r in range(rounds):
            for side in sides if r % 2 == 0 else sides[::-1]:
                await settle()
                cpu = time.process_time()
                samples = await timed_calls(side.call, 3000)
                seq_cpu = (time.process_time() - cpu) / 3000 * 1e6
                await settle()
                cpu = time.process_time()
                rate = await pipelined_rate(side.call, 10_000, 64)
                pipe_cpu = (time.process_time() - cpu) / 10_000 * 1e6
                p50 = statistics.median(samples) / 1000
                figures[side.name].append((p50, seq_cpu, rate, pipe_cpu))
    finally:
        for side in reversed(started):
            await side.stop()
    out = [
        "stack: send_and_wait, bare peer, vs the floor (min / median of rounds; ratio to the",
        "floor's in brackets; CPU = the process's CPU time per command, both ends)",
        f"  {'pair':<36} {'p50 µs':>16} {'CPU µs, 1 deep':>18} {'cmd/s @64':>18} "
        f"{'CPU µs, 64 deep':>18}",
    ]
    floor = figures[sides[0].name]

    def cell(values: list[float], base: list[float], best: Callable[..., float]) -> str:
        value, ref = best(values), best(base)
        return f"{value:8.1f} ({value / ref:4.2f})"

    for name, values in figures.items():
        cols = []
        for i in range(4):
            mine, base = [v[i] for v in values], [v[i] for v in floor]
            best = max if i == 2 else min
            cols.append(f"{cell(mine, base, best)}/{statistics.median(mine):.0f}")
        out.append(f"  {name:<36} " + " ".join(f"{c:>18}" for c in cols))
    return out


# ── the envelope decoder: msgspec (C) or the Python parser ───────────────────────────


_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")


def orjson_loads(raw: str | bytes) -> Any:
    """``envelope.loads`` before msgspec: orjson, unless the frame has a run of 19 digits
    (an integer orjson might turn into a float) or orjson refuses it."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if b"0" * 19 in data.translate(_DIGITS_TO_ZERO):
        return json.loads(raw)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(raw)


class OursDecoding(OursBare):
    """``ours / bare`` whose server decodes inbound frames with ``decode``: set as
    ``envelope.loads`` (one module for every server in the process) when a block starts
    (``reset``), so that each side's whole block is decoded by its own decoder."""

    def __init__(self, name: str, decode: Callable[[str | bytes], Any]) -> None:
        super().__init__(PARAMS)
        self.name = name
        self.decode = decode

    def reset(self) -> None:
        super().reset()
        _envelope.loads = self.decode  # type: ignore[assignment]


_served_loads = _envelope.loads


async def decoder_experiment(rounds: int) -> list[str]:
    sides: list[Any] = [
        Floor(PARAMS),
        OursDecoding("ours (msgspec, as served)", _served_loads),
        OursDecoding("ours, the orjson decoder", orjson_loads),
        OursDecoding("ours (msgspec, a second server)", _served_loads),  # the control
    ]
    started: list[Any] = []
    try:
        for side in sides:
            await side.start()
            started.append(side)
            side.reset()
            await timed_calls(side.call, 2000)
            await pipelined_rate(side.call, 2000, 64)
        await settle()
        blocks = await alternate(sides, rounds, 100, 1280, 64)
    finally:
        _envelope.loads = _served_loads
        for side in reversed(started):
            await side.stop()
    out = [
        f"decoder: send_and_wait, bare peer, {rounds} rounds of 100 sequential + 1,280 at depth",
        "64; median µs and cmd/s, and the ratios to the floor paired by round",
    ]
    for side in sides:
        summary = blocks[side.name].summary()
        r = paired_ratios(blocks[side.name], blocks[sides[0].name])
        out.append(
            f"  {side.name:<32} {summary['latency_median_us']:7.1f} µs ({r['latency_median']:.3f})"
            f"  {summary['throughput_per_s']:8,.0f} cmd/s ({r['throughput']:.3f})"
        )
    return out


# ── the pieces of a big answer ──────────────────────────────────────────────────────


def big_answer() -> list[str]:
    editor = SimulatedEditor(objects=100_000)
    gc.collect()
    query = {"limit": 100, "depth": 1}
    spec = TOOLS_BY_NAME["get_hierarchy"]
    out = ["big-answer: get_hierarchy page of the 100,000-object scene (ms per call)"]
    gc.freeze()  # the scene lives in Unity, not in the server process
    try:
        body = editor.execute("get_hierarchy", query)
        assert isinstance(body, dict)
        model = spec.result.model_validate(body)
        validator = jsonschema.Draft202012Validator(spec.result.model_json_schema())
        structured = model.model_dump(mode="json")
        rows = [
            (
                "simulator: execute (the editor's own work)",
                per_call_us(lambda: editor.execute("get_hierarchy", query), 30) / 1000,
            ),
            (
                "json.dumps(body) (compact, as on the wire)",
                per_call_us(lambda: json.dumps(body), 30) / 1000,
            ),
            (
                "run_unity_tool size check: json.dumps(indent=2, default=str)",
                per_call_us(lambda: json.dumps(body, indent=2, default=str), 30) / 1000,
            ),
            (
                "same size from the model: model_dump_json(indent=2)",
                per_call_us(lambda: model.model_dump_json(indent=2), 30) / 1000,
            ),
            (
                "HierarchyResult.model_validate(body)",
                per_call_us(lambda: spec.result.model_validate(body), 30) / 1000,
            ),
            (
                "client: jsonschema check of structuredContent",
                per_call_us(lambda: validator.validate(structured), 5) / 1000,
            ),
        ]
    finally:
        gc.unfreeze()
    out += [line(name, value, "ms") for name, value in rows]
    nodes = sum(1 + len(n["children"]) for n in body["nodes"])
    out.append(f"  ({nodes} nodes, {len(json.dumps(body)):,} bytes compact)")
    return out


async def run(names: list[str], rounds: int) -> list[str]:
    out: list[str] = []
    for name in names:
        if name == "micro":
            out += await micro()
        elif name == "big-answer":
            out += big_answer()
        elif name == "stack":
            out += await stack_experiment(rounds)
        elif name == "decoder":
            out += await decoder_experiment(max(rounds, 100))
        out.append("")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    choices = ["micro", "big-answer", "stack", "decoder"]
    p.add_argument("experiments", nargs="*", metavar="EXPERIMENT", help=", ".join(choices))
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args(argv)
    if unknown := set(args.experiments) - set(choices):
        p.error(f"unknown experiment(s): {', '.join(sorted(unknown))}")
    quiet_logging()
    lines = asyncio.run(asyncio.wait_for(run(args.experiments or choices, args.rounds), 600))
    print("\n".join(lines).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
