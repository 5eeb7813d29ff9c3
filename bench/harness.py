"""Shared pieces of the benchmark scripts (bench_mcp, the bench_load_* scripts, ...).

The real server as ``movesia-mcp`` runs it (``Runtime.create`` served by
``serve_in_process`` on an ephemeral loopback port, the client hub's flush loop beside
it), simulated editors attached to it, statistics and report helpers. The round-trip
pairs (the bare-websockets floor and its peers) live in ``pairs.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from movesia_mcp._config import Config, UnityManagerConfig
from movesia_mcp._server.inprocess import serve_in_process
from movesia_mcp._server.runtime import Runtime, Transport
from movesia_mcp._simulator import SimulatedEditor, SimulatedUnity
from movesia_mcp._simulator.editor import READ_ONLY_COMMANDS
from movesia_mcp._unity_manager import UnityManager
from pairs import percentile, pipelined

NOISY_LOGGERS = ("mcp", "httpx", "httpx2", "uvicorn", "uvicorn.error", "movesia_mcp")


def quiet_logging() -> None:
    """Warnings and worse, to stderr: stdout carries the report only.

    ``MCPServer()`` calls ``logging.basicConfig``; configuring the root logger first
    makes that a no-op, and the SDK's per-request INFO lines (httpx, the session
    manager) cost time on the measured path, so they are silenced too.
    """
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger().setLevel(logging.WARNING)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


# ── statistics ──────────────────────────────────────────────────────────────────────


def summarize_ns(samples: list[int]) -> dict[str, float]:
    """Median, p90, p99 and max of nanosecond samples, in µs."""
    if not samples:
        return {"n": 0, "median_us": 0.0, "p90_us": 0.0, "p99_us": 0.0, "max_us": 0.0}
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median_us": statistics.median(ordered) / 1000,
        "p90_us": percentile(ordered, 0.90) / 1000,
        "p99_us": percentile(ordered, 0.99) / 1000,
        "max_us": ordered[-1] / 1000,
    }


def median_of(trials: Sequence[dict[str, float]], key: str) -> float:
    return float(statistics.median(t[key] for t in trials))


def rss_mb() -> float:
    """Resident set size of this process now (not the peak), in MiB."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def settle() -> None:
    gc.collect()
    await asyncio.sleep(0.02)


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loop": "asyncio",
        "load_avg_1m": round(os.getloadavg()[0], 2),
        **{
            pkg: version(pkg)
            for pkg in ("mcp", "uvicorn", "starlette", "websockets", "movesia-mcp")
        },
    }


_COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def instructions(argv: Sequence[str]) -> int:
    """The user-space instructions of ``python argv`` run under valgrind's callgrind (the
    same hash seed every time, so dicts and sets are laid out alike from run to run)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        [*command, sys.executable, *argv], capture_output=True, text=True, check=True, env=env
    )
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count from valgrind: {done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def write_json(path: str, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
        fh.write("\n")


def fmt_us(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# ── the real server, on an ephemeral loopback port ──────────────────────────────────


def bench_config(*, max_connections: int = 100) -> Config:
    """The production defaults, except the port (ephemeral) and the connection cap."""
    return Config(
        server_host="127.0.0.1",
        server_port=0,
        log_level="WARNING",
        unity=UnityManagerConfig(max_connections=max_connections),
    )


@dataclass
class RunningServer:
    runtime: Runtime
    port: int

    @property
    def manager(self) -> UnityManager:
        return self.runtime.manager

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/unity"

    @property
    def mcp_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


@contextlib.asynccontextmanager
async def running_server(
    transport: Transport = "http", *, max_connections: int = 100
) -> AsyncIterator[RunningServer]:
    """``movesia-mcp``'s server in this event loop, as ``runtime.run`` wires it (minus
    stdio and signals): uvicorn on a loopback socket, the manager, the client hub."""
    config = bench_config(max_connections=max_connections)
    runtime = Runtime.create(config, transport)
    quiet_logging()
    async with serve_in_process(
        runtime.app(),
        runtime.manager,
        host=config.server_host,
        max_message_bytes=config.max_message_bytes,
    ) as served:
        hub = asyncio.create_task(runtime.hub.run())
        try:
            yield RunningServer(runtime, served.port)
        finally:
            hub.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await hub


# ── simulated editors ───────────────────────────────────────────────────────────────


def echo_peer(url: str, project_path: str, **kwargs: Any) -> SimulatedUnity:
    """A peer that answers ``echo`` (a read: no ACK), as in ``pairs.py``."""

    async def echo(params: dict[str, Any]) -> dict[str, Any]:
        return params

    kwargs.setdefault("heartbeat_interval", None)
    kwargs.setdefault("ack_commands", False)
    return SimulatedUnity(url, project_path=project_path, handlers={"echo": echo}, **kwargs)


def editor_peer(url: str, editor: SimulatedEditor, **kwargs: Any) -> SimulatedUnity:
    """A peer driven by ``editor``; ACKs only mutations, as the plug-in does."""
    kwargs.setdefault("heartbeat_interval", None)
    peer = SimulatedUnity(
        url,
        project_path=editor.project_path,
        unity_version=editor.unity_version,
        handlers=editor.handlers(),
        ack_commands=lambda command: command not in READ_ONLY_COMMANDS,
        **kwargs,
    )
    editor.attach(peer)
    return peer


def project_name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout:g} s")
        await asyncio.sleep(0.002)


def clear_history(*peers: SimulatedUnity) -> None:
    """The simulator keeps every message it received (for tests); drop them."""
    for peer in peers:
        peer.received.clear()
        peer.commands_seen.clear()


# ── timing loops ────────────────────────────────────────────────────────────────────

Call = Callable[[], Awaitable[Any]]


async def timed_calls(call: Call, n: int, *, budget_s: float = 120.0) -> list[int]:
    """``n`` sequential calls (stops early past ``budget_s``); latencies in ns."""
    clock = time.perf_counter_ns
    samples: list[int] = []
    append = samples.append
    stop_at = clock() + int(budget_s * 1e9)
    for _ in range(n):
        t0 = clock()
        await call()
        t1 = clock()
        append(t1 - t0)
        if t1 > stop_at:
            break
    return samples


async def pipelined_rate(call: Call, m: int, depth: int) -> float:
    """``m`` calls kept ``depth`` deep; calls per second."""
    return await pipelined(call, m, depth)


@dataclass
class Table:
    header: tuple[str, ...]
    aligns: str
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, *cells: str) -> None:
        self.rows.append(tuple(cells))

    def render(self) -> list[str]:
        rows = [self.header, *self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(self.header))]

        def line(row: tuple[str, ...]) -> str:
            cells = (f"{c:{a}{w}}" for c, a, w in zip(row, self.aligns, widths, strict=True))
            return "  ".join(cells).rstrip()

        return [line(self.header), line(tuple("-" * w for w in widths)), *map(line, self.rows)]


# ── an in-memory Unity link (bench_server_code, bench_tools_call) ──────────────────────

PLACEHOLDER = "R" * 32  # the answer template's request id, replaced per command
ID_KEY = '"id":"'  # the server's envelopes are compact JSON


class EchoSocket:
    """Enough of Starlette's WebSocket for the read loop and ``send_text``: every
    command sent is answered at once with ``template``, its request id put in."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiter: asyncio.Future[None] | None = None

    async def send_text(self, text: str) -> None:
        start = text.index(ID_KEY) + len(ID_KEY)
        request_id = text[start : text.index('"', start)]
        answer = self.template.replace(PLACEHOLDER, request_id)
        self.inbox.append({"type": "websocket.receive", "text": answer})
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def receive(self) -> dict[str, Any]:
        while not self.inbox:
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return self.inbox.popleft()
