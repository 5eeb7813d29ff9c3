"""What the load and scale benchmarks (``bench_load_*.py``) share.

Each of those scripts measures one section (many editors, many MCP clients over HTTP,
an event flood, reconnect after a reload, a 100,000-object hierarchy) and has the same
command line: ``--quick`` for CI sizes, ``--json PATH`` for the results. This module
holds that command line, the report's header, and ``Child``: the script itself run in a
child process (an MCP client or a flooding editor is another process in real life),
spoken to in lines on stdin and answering in JSON lines on stdout.

The results a script writes with ``--json`` are the section's own figures at the top
level, beside ``machine``, ``quick``, ``plan`` (that script's sizes) and ``elapsed_s``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from typing import Any

from harness import machine, quiet_logging, write_json
from pairs import echo_params

PARAMS = echo_params(64)  # the echo command's parameters, as in pairs.py
SECTION_TIMEOUT_S = 600


class Child:
    """A bench script in a child process, spoken to in lines (stdin) and JSON (stdout)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, script: str, *args: str) -> Child:
        """Run ``script --child ARGS...`` (``script``: an absolute path; the kinds of
        child are the ``children`` its ``load_main`` was given)."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            script,
            "--child",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(proc)

    async def line(self, timeout: float = 60.0) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            code = await asyncio.wait_for(self.proc.wait(), 5)
            raise RuntimeError(f"bench child exited with {code} before answering")
        data: dict[str, Any] = json.loads(raw)
        return data

    async def tell(self, *words: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((" ".join(map(str, words)) + "\n").encode())
        await self.proc.stdin.drain()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ConnectionError, AssertionError):
                await self.tell("quit")
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def emit(data: dict[str, Any]) -> None:
    """One JSON line to the parent (in a child, stdout is the channel)."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


def header(result: dict[str, Any]) -> list[str]:
    env = result["machine"]
    return [
        "movesia-mcp load benchmark (loopback; ratios to floors measured in the same run)",
        f"python {env['python']} · {env['cores']} cores · loop {env['loop']} · "
        f"{'quick' if result['quick'] else 'full'} sizes",
        "",
    ]


Section = Callable[[Any], Awaitable[dict[str, Any]]]
Report = Callable[[dict[str, Any]], list[str]]
ChildMain = Callable[[list[str]], Coroutine[Any, Any, None]]


def load_main(
    argv: list[str] | None,
    *,
    doc: str | None,
    full: Any,
    quick: Any,
    section: Section,
    report: Report,
    children: dict[str, ChildMain] | None = None,
) -> int:
    """The command line of one load script: run ``section`` with the ``full`` or
    ``quick`` plan (a dataclass), print the header and ``report``'s lines, and with
    ``--json`` write the results. ``--child KIND ARGS...`` runs ``children[KIND]``."""
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="CI-sized run")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    p.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    quiet_logging()
    if args.child:
        kind, *rest = args.child
        if children is None or kind not in children:
            raise SystemExit(f"unknown child {kind!r}")
        asyncio.run(children[kind](rest))
        return 0
    plan = quick if args.quick else full
    t0 = time.perf_counter()
    figures = asyncio.run(asyncio.wait_for(section(plan), timeout=SECTION_TIMEOUT_S))
    result = {
        "machine": machine(),
        "quick": args.quick,
        "plan": asdict(plan),
        **figures,
        "elapsed_s": time.perf_counter() - t0,
    }
    lines = [*header(result), *report(result), f"\nelapsed {result['elapsed_s']:.1f} s"]
    print("\n".join(lines))
    if args.json:
        write_json(args.json, result)
    return 0
