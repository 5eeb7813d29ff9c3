"""Run every benchmark, print one summary with every figure, its ratio and the targets.

    .venv/bin/python bench/run_all.py --quick          # CI: ~2 min, never fails on a MISS
    .venv/bin/python bench/run_all.py --write          # full (~15 min), rewrites BENCHMARKS.md

Full sizes also run ``bench_breakdown.py`` (where the round-trip gap goes) and count
``tools/call``'s instructions (``bench_tools_call.py --instructions``, with valgrind;
reported as skipped without it). Each
benchmark runs as a subprocess with ``--json``; its own report goes to stderr (as
progress), the combined summary to stdout. Targets, each marked PASS or MISS:

* ``send_and_wait`` with a bare echo peer: latency ≤ 1.1 x and pipelined throughput
  ≥ 1.0 x the bare-websockets floor (``bench_roundtrip.py``; the simulated editor as
  peer is reported beside it, without a target)
* the project's own cost per MCP ``tools/call`` ≤ 10 % of the SDK's over a no-op tool
  (``bench_tools_call.py``)
* a 500-node hierarchy page validated by the MCP Python client ≤ 3 ms
  (``bench_hierarchy_validation.py``)
* reconnect to first command after a domain reload ≤ 50 ms (``bench_load_reconnect.py``)
* command p99 under the event flood ≤ 10 x the idle p99 (``bench_load_flood.py``)

The load and scale section runs one script per subsection (``bench_load_editors.py``,
``bench_load_clients.py``, ``bench_load_flood.py``, ``bench_load_reconnect.py``,
``bench_load_big_scene.py``); ``bench_server_code.py`` (the server's own Python per
``send_and_wait`` on an in-memory echo) is reported without a floor or a target.

``bench_csharp.py`` (the C# core's dispatch overhead under Mono against a bare C#
ClientWebSocket echo) is reported as a ratio with no target; it is skipped, not failed,
where Mono or ``unity/build/`` is missing.

The exit status is 0 even on a MISS (CI runs ``--quick`` on a noisy machine); it is 1
only when a benchmark crashes, times out or writes no results.

With ``--write`` it regenerates ``BENCHMARKS.md`` at the repository root: the same
tables, the exact commands, the date and the machine, followed by the analysis kept in
``bench/FINDINGS.md`` (written by hand: causes of the misses, with profiles).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FINDINGS = os.path.join(HERE, "FINDINGS.md")
OUTPUT = os.path.join(ROOT, "BENCHMARKS.md")
PYTHON = os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(ROOT) else "python"

Json = dict[str, Any]


SCRIPTS = {
    "roundtrip": "bench/bench_roundtrip.py",
    "breakdown": "bench/bench_breakdown.py",
    "server_code": "bench/bench_server_code.py",
    "mcp": "bench/bench_mcp.py",
    "tools_call": "bench/bench_tools_call.py",
    "hierarchy_validation": "bench/bench_hierarchy_validation.py",
    "load_editors": "bench/bench_load_editors.py",
    "load_clients": "bench/bench_load_clients.py",
    "load_flood": "bench/bench_load_flood.py",
    "load_reconnect": "bench/bench_load_reconnect.py",
    "load_big_scene": "bench/bench_load_big_scene.py",
    "csharp": "bench/bench_csharp.py",
}
BENCHES = tuple(SCRIPTS)  # also the order of the sections in BENCHMARKS.md
# the breakdown explains; CI needs no more
QUICK_BENCHES = tuple(name for name in BENCHES if name != "breakdown")
# "## 3. Load and scale": one subsection per script
LOAD_BENCHES = ("load_editors", "load_clients", "load_flood", "load_reconnect", "load_big_scene")
TIMEOUT_S = {name: 600 for name in BENCHES}  # halved with --quick
TIMEOUT_S["tools_call"] = 1200  # the instruction count under valgrind


# Full sizes only: the C# breakdown, and the tools/call instruction count (valgrind).
FULL_EXTRA = {"csharp": ["--breakdown"], "tools_call": ["--instructions"]}


def bench_args(name: str, quick: bool) -> list[str]:
    extra = [] if quick else FULL_EXTRA.get(name, [])
    return [SCRIPTS[name], *(["--quick"] if quick else []), *extra]


def run_bench(name: str, quick: bool, out_dir: str) -> tuple[Json | None, str, float]:
    """Run one benchmark; its results, the command line shown, and its wall time."""
    path = os.path.join(out_dir, f"{name}.json")
    args = [*bench_args(name, quick), "--json", path]
    shown = " ".join([PYTHON, *args[:-1], f"{name}.json"])
    print(f"── running: {shown}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            timeout=TIMEOUT_S[name] * (1 if not quick else 0.5),
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"!! {name} timed out", file=sys.stderr)
        return None, shown, time.perf_counter() - t0
    elapsed = time.perf_counter() - t0
    sys.stderr.write(proc.stdout)
    if proc.returncode != 0 or not os.path.exists(path):
        print(f"!! {name} exited with {proc.returncode}", file=sys.stderr)
        return None, shown, elapsed
    with open(path, encoding="utf-8") as fh:
        data: Json = json.load(fh)
    return data, shown, elapsed


# ── formatting ──────────────────────────────────────────────────────────────────────


def us(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def ms(value_us: float) -> str:
    return f"{value_us / 1000:.2f}"


def x(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}x"


def mark(ok: bool) -> str:
    return "**PASS**" if ok else "**MISS**"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], aligns: str = "") -> list[str]:
    aligns = aligns or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---" for a in aligns]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(rule) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


# ── targets ─────────────────────────────────────────────────────────────────────────


def targets(results: dict[str, Json | None]) -> list[tuple[str, str, str, str, bool | None]]:
    """(target, figure, limit, source, passed) for the summary."""
    out: list[tuple[str, str, str, str, bool | None]] = []
    rt = results.get("roundtrip")
    if rt:
        r, f, o, lim = rt["ratios"], rt["floor"], rt["ours"], rt["targets"]
        out.append(
            (
                "send_and_wait latency, bare echo peer (median)",
                f"{us(o['latency_median_us'])} µs vs floor {us(f['latency_median_us'])} µs; "
                f"paired by round {x(r['latency_median'])}",
                f"≤ {lim['latency_median_max']:g}x floor",
                "bench_roundtrip",
                r["latency_median"] <= lim["latency_median_max"],
            )
        )
        out.append(
            (
                f"pipelined throughput, bare echo peer (depth {rt['plan']['depth']})",
                f"{o['throughput_per_s']:,.0f} vs floor {f['throughput_per_s']:,.0f} cmd/s; "
                f"paired by round {x(r['throughput'])}",
                f"≥ {lim['throughput_min']:g}x floor",
                "bench_roundtrip",
                r["throughput"] >= lim["throughput_min"],
            )
        )
    tc = results.get("tools_call")
    if tc:
        out.append(
            (
                "own cost per MCP tools/call over a no-op tool, same SDK and client "
                "(the MCP layer; `execute` is the send_and_wait rows')",
                f"{tc['own_us']:+.0f} µs = {tc['own_pct_of_sdk']:+.1f}% of the SDK's "
                f"{us(tc['median_us']['sdk'])} µs (95% interval "
                f"{tc['own_interval_pct_of_sdk'][0]:+.1f} to "
                f"{tc['own_interval_pct_of_sdk'][1]:+.1f}%){counted_share(tc)}",
                f"≤ {tc['target_pct']:g}%",
                "bench_tools_call",
                tc["pass"],
            )
        )
    hv = results.get("hierarchy_validation")
    if hv:
        out.append(
            (
                f"{hv['nodes']}-node hierarchy page, MCP Python client's validation",
                f"{hv['median_ms']:.2f} ms ({hv['per_node_us']:.1f} µs per node)",
                f"≤ {hv['target_ms']:g} ms",
                "bench_hierarchy_validation",
                hv["pass"],
            )
        )
    rc = results.get("load_reconnect")
    if rc:
        out.append(
            (
                "reconnect to first command after a reload",
                f"median {rc['worst_median_ms']:.2f} ms, p99 {rc['worst_p99_ms']:.2f} ms "
                "(worst of the two cases)",
                f"≤ {rc['target_ms']:g} ms (median)",
                "bench_load_reconnect",
                rc["pass"],
            )
        )
    fl = results.get("load_flood")
    if fl:
        out.append(
            (
                "command p99 under a 2,000 events/s flood",
                f"{x(fl['p99_ratio_worst'])} the idle p99 (worst project)",
                f"≤ {fl['p99_target']:g}x idle",
                "bench_load_flood",
                fl["pass_p99"],
            )
        )
    return out


# ── sections ────────────────────────────────────────────────────────────────────────


def section_roundtrip(rt: Json, command: str) -> list[str]:
    f, o, r, plan, lim = rt["floor"], rt["ours"], rt["ratios"], rt["plan"], rt["targets"]
    sim, sr = rt["simulated"], rt["simulated_ratios"]
    sizes = rt["frame_bytes"]
    lines = [
        "## 1. `send_and_wait` round trip vs the bare-websockets floor",
        "",
        f"`{command}`",
        "",
        "Floor: a bare `websockets` server and client, stdlib JSON. `ours / bare`: "
        "`create_app(UnityManager())` under the CLI's uvicorn set-up, answered by the "
        "floor's own bare client (the same JSON work on the peer): the target pair. "
        "`ours / simulated`: the same server with the `SimulatedUnity` peer, whose own cost "
        "lands in this process (the real plug-in's does not). "
        f"{plan['rounds']} short alternating rounds, each of {plan['latency_block']} "
        f"sequential round trips and {plan['throughput_block']} commands pipelined at depth "
        f"{plan['depth']} per pair: medians and p99 of all round trips, ratios to the floor "
        "paired by round (the median of each round's ratio; the machine changes speed for "
        "seconds at a time, a round takes a fraction of one; the p99 ratio is of the pooled "
        "p99s). Unpaired, the pooled figures' "
        f"ratios are latency {x(rt['unpaired_ratios']['latency_median'])}, throughput "
        f"{x(rt['unpaired_ratios']['throughput'])}. "
        "Frames (command/response bytes): "
        + ", ".join(f"{k} {v['command']}/{v['response']}" for k, v in sizes.items())
        + ".",
        "",
    ]
    rows = [
        [
            "latency median (µs)",
            us(f["latency_median_us"]),
            us(o["latency_median_us"]),
            x(r["latency_median"]),
            f"≤ {lim['latency_median_max']:g}x",
            mark(rt["pass"]["latency"]),
            us(sim["latency_median_us"]),
            x(sr["latency_median"]),
        ],
        [
            "latency p99 (µs)",
            us(f["latency_p99_us"]),
            us(o["latency_p99_us"]),
            x(r["latency_p99"]),
            "",
            "",
            us(sim["latency_p99_us"]),
            x(sr["latency_p99"]),
        ],
        [
            f"throughput @{plan['depth']} (cmd/s)",
            f"{f['throughput_per_s']:,.0f}",
            f"{o['throughput_per_s']:,.0f}",
            x(r["throughput"]),
            f"≥ {lim['throughput_min']:g}x",
            mark(rt["pass"]["throughput"]),
            f"{sim['throughput_per_s']:,.0f}",
            x(sr["throughput"]),
        ],
    ]
    lines += table(
        [
            "metric",
            "floor",
            "ours / bare",
            "/floor (paired)",
            "target",
            "result",
            "ours / simulated",
            "/floor (paired)",
        ],
        rows,
        "lrrrllrr",
    )
    if "breakdown" in rt:
        brows = [
            [
                "floor (bare websockets both ends)",
                us(f["latency_median_us"]),
                us(f["latency_p99_us"]),
                "1.00x",
                f"{f['throughput_per_s']:,.0f}",
                "1.00x",
            ]
        ]
        for name, s in rt["breakdown"].items():
            brows.append(
                [
                    name,
                    us(s["latency_median_us"]),
                    us(s["latency_p99_us"]),
                    x(s["ratios"]["latency_median"]),
                    f"{s['throughput_per_s']:,.0f}",
                    x(s["ratios"]["throughput"]),
                ]
            )
        vs = rt["ours_vs_reference"]
        lines += [
            "",
            "Breakdown (reference pairs in the same alternation):",
            "",
            *table(
                ["pair", "median µs", "p99 µs", "latency/floor", "cmd/s", "throughput/floor"],
                brows,
            ),
            "",
            "`ours, command ACKed` against `uvicorn+starlette, SimulatedUnity peer` (both ACK "
            "every command; only the server code differs), paired: latency "
            f"{x(vs['latency_median'])}, throughput {x(vs['throughput'])}.",
        ]
    return lines


def counted_share(tc: Json) -> str:
    """The instruction count's share beside the timed one, when it was counted."""
    counts = tc.get("instructions")
    if counts is None or "skipped" in counts:
        return ""
    return f"; in instructions {counts['own_pct_of_sdk']:+.1f}%"


def section_tools_call(tc: Json, command: str) -> list[str]:
    med, wall = tc["median_us"], tc["wall_median_us"]
    names = [
        ("sdk", "sdk: an `MCPServer` with a no-op tool of the same schema"),
        ("sdk_unity", "sdk + unity: that no-op making the tool's Unity call first"),
        ("unity", "unity: the Unity call inside a `tools/call` (the difference)"),
        ("ours_noop", "ours, no-op: the same no-op on the project's server"),
        ("ours", "ours: the project's tool"),
        ("unity_direct", "`UnityManager.execute` alone (reference)"),
        ("ours_socket", "ours over the socket, simulated editor (reference)"),
        ("sdk_unity_socket", "sdk + unity over the socket (reference)"),
    ]
    rows = [[label, us(med[key]), us(wall[key])] for key, label in names]
    low, high = tc["own_interval_us"]
    lines = [
        "### The project's own cost per `tools/call`",
        "",
        f"`{command}`",
        "",
        f"`{tc['tool']}` through an in-memory `mcp.Client` (mode `{tc['mode']}`), "
        f"{tc['cycles']:,} cycles of one call of each kind, interleaved call by call in an "
        "order shuffled every cycle with no kind twice in a row (the two over the socket "
        "with each other), median over the cycles, in this thread's CPU time per call "
        "(wall-clock medians beside). The "
        "no-op tool has the project tool's name, parameters and result model and returns "
        "a prebuilt result: the SDK's own cost on both sides. The Unity command is "
        f"answered by an {tc['link']} (the manager's real read loop on it), except in the "
        "reference rows over the socket. Own cost = ours - sdk - unity, the median of the "
        "cycles' differences.",
        "",
        *table(["what is timed", "CPU µs", "wall µs"], rows),
        "",
        f"Own cost: {tc['own_us']:+.0f} µs = **{tc['own_pct_of_sdk']:+.1f}%** of the SDK's "
        f"(target ≤ {tc['target_pct']:g}%): {mark(tc['pass'])}; the 95% interval "
        f"({tc['interval']}) is {low:+.0f} to {high:+.0f} µs "
        f"({tc['own_interval_pct_of_sdk'][0]:+.1f} to "
        f"{tc['own_interval_pct_of_sdk'][1]:+.1f}%). Of it, around every tool (ours, no-op "
        f"- sdk: the guard, the middlewares) {tc['around_every_tool_us']:+.0f} µs, and the "
        f"tool path (the Unity tool's own code) {tc['tool_path_us']:+.0f} µs. The mean of "
        f"the middle 80% of the differences: {tc['own_trimmed_mean_us']:+.0f} µs "
        f"({tc['own_trimmed_mean_pct_of_sdk']:+.1f}%); in wall-clock time "
        f"{tc['wall_own_us']:+.0f} µs ({tc['wall_own_pct_of_sdk']:+.1f}%). "
        f"`run_unity_tool`'s own code timed inside the call: "
        f"{tc['tool_code_in_situ_us']:.1f} µs. The figure leaves out "
        "`UnityManager.execute` (the Unity call: the send_and_wait path, priced against its "
        "own floor above); all the project adds over the SDK's no-op, that path on the "
        f"echo included (ours - sdk): {tc['added_us']:+.0f} µs "
        f"({tc['added_pct_of_sdk']:+.1f}%). Over the socket (reference): "
        f"{tc['socket_own_us']:+.0f} µs ({tc['socket_own_pct_of_sdk']:+.1f}%).",
    ]
    counts = tc.get("instructions")
    if counts is None:
        return lines
    if "skipped" in counts:
        return [*lines, "", f"Instruction count: skipped ({counts['skipped']})."]
    per_call, k = counts["per_call"], 1000
    counted = [
        ["sdk", f"{per_call['sdk'] / k:,.1f}k"],
        ["sdk + unity", f"{per_call['sdk_unity'] / k:,.1f}k"],
        ["ours, no-op", f"{per_call['ours_noop'] / k:,.1f}k"],
        ["ours", f"{per_call['ours'] / k:,.1f}k"],
    ]
    return [
        *lines,
        "",
        "The noise-free side: user-space instructions per call (callgrind; "
        f"{counts['calls'][0]} against {counts['calls'][1]} calls after {counts['warmup']} "
        "of warm-up, one process per count, the difference per call):",
        "",
        *table(["call", "instructions"], counted, "lr"),
        "",
        f"Own cost in instructions: {counts['own'] / k:+,.1f}k = "
        f"**{counts['own_pct_of_sdk']:+.1f}%** of the SDK's; around every tool "
        f"{counts['around_every_tool'] / k:+,.1f}k, the tool path "
        f"{counts['tool_path'] / k:+,.1f}k.",
    ]


def section_hierarchy_validation(hv: Json, command: str) -> list[str]:
    return [
        "### A 500-node hierarchy page through the MCP Python client's validation",
        "",
        f"`{command}`",
        "",
        f"`get_hierarchy {json.dumps(hv['arguments'])}` on a 5,000-object simulated scene "
        f"({hv['nodes']} nodes, {hv['structured_bytes']:,} bytes of structured content), "
        "then `ClientSession.validate_tool_result` timed as the SDK's client calls it, "
        f"against the output schema the catalog declares ({hv['schema_bytes']:,} bytes, "
        f"{hv['schema_refs']} `$ref`). {hv['rounds']} rounds of {hv['calls_per_round']} "
        "calls, median of rounds.",
        "",
        f"Median **{hv['median_ms']:.2f} ms** (p90 {hv['p90_ms']:.2f} ms, "
        f"{hv['per_node_us']:.1f} µs per node); target ≤ {hv['target_ms']:g} ms: "
        f"{mark(hv['pass'])}.",
    ]


def section_breakdown(b: Json, command: str) -> list[str]:
    plan = b["plan"]
    rows = [
        [
            name,
            us(f["median_us"]),
            us(f["p99_us"]),
            x(f["latency_ratio"]),
            f"{f['throughput_per_s']:,.0f}",
            x(f["throughput_ratio"]),
        ]
        for name, f in b["figures"].items()
    ]
    split = [[name, f"{v:+.1f}"] for name, v in b["split_us"].items()]
    return [
        "### Where the gap goes: server x peer",
        "",
        f"`{command}`",
        "",
        "The two factors crossed, nothing else changed (no ACKs anywhere): server = bare "
        "`websockets`, uvicorn + Starlette with the floor's logic, or ours "
        "(`create_app(UnityManager())`); peer = the floor's bare client or `SimulatedUnity`. "
        f"{plan['rounds']} short alternating rounds of {plan['latency_block']} sequential "
        f"and {plan['throughput_block']} at depth {plan['depth']} per pair, as above.",
        "",
        *table(["pair", "median µs", "p99 µs", "latency/floor", "cmd/s", "throughput/floor"], rows),
        "",
        *table(["median latency split", "µs"], split),
    ]


def section_server_code(sc: Json, command: str) -> list[str]:
    plan = sc["plan"]
    rows = [
        [
            label,
            *(
                f"{figures[key][stat]:.2f}"
                for figures in (sc, sc["floor"], sc["over_floor"])
                for stat in ("min_us", "median_us")
            ),
        ]
        for label, key in (
            ("sequential", "sequential"),
            (f"pipelined, {plan['depth']} deep", "pipelined"),
        )
    ]
    return [
        "### The server's own Python per `send_and_wait`, with the socket taken out",
        "",
        f"`{command}`",
        "",
        "The real server and a bare peer (`pairs.OursBare`), then the connection's "
        "WebSocket swapped for an in-memory echo on which the manager's real read loop "
        "runs: each command goes through `send_and_wait`, the command table, the envelope "
        "encoder, `send_text`, the read loop, the router and the answer, as over a socket; "
        "only uvicorn, Starlette and the kernel are missing. Beside it, in the same "
        "alternated rounds on the same echo, the floor's server work per command (what "
        "`pairs.Floor`'s server does: `uuid4().hex`, a future in a dict, stdlib "
        "`json.dumps`, the send; `json.loads`, a pop, `set_result`), and ours minus the "
        f"floor's, round by round. No target. {plan['rounds']} rounds of {plan['n']} "
        "commands; µs per command, the minimum of the rounds (the least disturbed by other "
        "jobs) and their median.",
        "",
        *table(
            [
                "path",
                "ours min",
                "ours median",
                "floor min",
                "floor median",
                "ours - floor min",
                "ours - floor median",
            ],
            rows,
        ),
    ]


def section_mcp(m: Json, command: str) -> list[str]:
    f, plan = m["floor"], m["plan"]
    lines = [
        "## 2. MCP `tools/call` end to end",
        "",
        f"`{command}`",
        "",
        f"{plan['rounds']} alternating rounds, {plan['calls']} sequential calls per tool per "
        f"round (floor: {plan['floor_calls']}), median of rounds. Floor (bare websockets, "
        f"same run): median {us(f['latency_median_us'])} µs, p99 {us(f['latency_p99_us'])} µs, "
        f"{f['throughput_per_s']:,.0f} cmd/s at depth {plan['depth']}. "
        "`get_connection_status` is answered by the server; `find_objects` and "
        '`inspect_object` are one Unity round trip each. "tool, server side": '
        "`MCPServer.call_tool` (the tool as the server runs it, no protocol, no client). "
        "In-memory: `mcp.Client(server)`, "
        "server and editor in one process; stdio: a `movesia-mcp --simulate-unity` subprocess.",
        "",
    ]
    rows = [
        [
            name,
            f"`{tool}`",
            us(s["median_us"]),
            us(s["p99_us"]),
            x(s["ratio_median"], 1),
            x(s["ratio_p99"], 1),
        ]
        for name, tools in m["cases"].items()
        for tool, s in tools.items()
    ]
    lines += table(
        ["pair", "tool", "median µs", "p99 µs", "median/floor", "p99/floor"], rows, "llrrrr"
    )
    trows = [["floor (bare websockets)", f"{f['throughput_per_s']:,.0f}", "1.00x"]]
    trows += [
        [name, f"{s['calls_per_s']:,.0f}", x(s["ratio"], 3)] for name, s in m["throughput"].items()
    ]
    lines += [
        "",
        f"Throughput of `{m['throughput_tool']}`, {plan['depth']} calls in flight:",
        "",
        *table(["pair", "calls/s", "/floor"], trows),
        "",
        "stdio start-up, spawn to editor connected: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in m["stdio_startup_s"].items())
        + ".",
    ]
    return lines


def section_load_editors(s: Json, command: str) -> list[str]:
    n = s["editors"]
    rows = [
        [name, us(f["median_us"]), us(f["p99_us"]), f"{f['throughput_per_s']:,.0f}"]
        for name, f in s["figures"].items()
    ]
    rrows = [
        [name, x(r["median"]), x(r["p99"]), x(r["throughput"])] for name, r in s["ratios"].items()
    ]
    return [
        f"### {n} editors connected at once",
        "",
        f"`{command}`",
        "",
        f"Echo commands spread round-robin over {n} projects with `project=`; floors: the "
        f"bare-websockets pair with 1 peer and with {n} bare peers (round-robin), and the "
        f"same server with 1 editor. Connecting {n} editors took {s['connect_all_s']:.2f} s.",
        "",
        *table(["side", "p50 µs", "p99 µs", "cmd/s @64"], rows),
        "",
        *table(["ratio", "p50", "p99", "throughput"], rrows),
    ]


def section_load_clients(s: Json, command: str) -> list[str]:
    k = s["clients"]
    rows = [
        [
            name,
            f"{r['calls_per_s']:,.0f}",
            us(r["latency"]["median_us"]),
            us(r["latency"]["p99_us"]),
            f"{r['server_cpu']:.0%}",
            f"{r['server_cpu_ms_per_call']:.2f}",
            f"{r['cpu']:.0%}",
            str(r["errors"]),
        ]
        for name, r in s["runs"].items()
    ]
    rrows = [
        [mode, x(r["calls_per_s"]), x(r["p50"], 1), x(r["p99"], 1)]
        for mode, r in s["ratios"].items()
    ]
    return [
        f"### {k} concurrent MCP clients over streamable HTTP",
        "",
        f"`{command}`",
        "",
        f"The real http `Runtime` on an ephemeral port; each client (`mcp.Client(url)`) "
        f"calls `{s['tool']}` in a loop. The clients run in one child process; floor: one "
        "client. `auto` is the 2026-07-28 era (sessionless), `legacy` the handshake era "
        "(stateful sessions).",
        "",
        *table(
            [
                "era/clients",
                "calls/s",
                "p50 µs",
                "p99 µs",
                "server CPU",
                "server ms CPU/call",
                "client CPU",
                "errors",
            ],
            rows,
        ),
        "",
        *table([f"{k} clients / 1 client", "calls/s", "p50", "p99"], rrows),
    ]


def section_load_flood(s: Json, command: str) -> list[str]:
    f = s["flood"]
    rows = []
    for p, idle in s["idle_commands"].items():
        fl = f["commands"][p]
        rows.append(
            [
                p,
                us(idle["median_us"]),
                us(idle["p99_us"]),
                us(fl["median_us"]),
                us(fl["p99_us"]),
                x(s["p99_ratio"][p]),
            ]
        )
    tp = s["traced"]["memory"]
    mrows = [
        ["RSS MiB, timed pass", *(f"{p['rss_mb']:.1f}" for p in f["memory"])],
        ["RSS MiB, traced pass", *(f"{p['rss_mb']:.1f}" for p in tp)],
        ["tracemalloc MiB, all", *(f"{p['traced_all_mb']:.2f}" for p in tp)],
        ["tracemalloc MiB, server", *(f"{p['traced_mb']:.2f}" for p in tp)],
        ["events processed", *(f"{p['processed']:,}" for p in f["memory"])],
    ]
    srows = [
        [
            f"{st['target_rate']:,.0f}",
            f"{st['sent_rate']:,.0f}",
            f"{st['processed_rate']:,.0f}",
            f"{st['server_cpu']:.0%}",
            f"{st['sender_cpu']:.0%}",
            f"{st['commands_per_s']:,.0f}",
            us(max(c["p99_us"] for c in st["commands"].values())),
            ("yes" if st["sustained"] else "no")
            + (" (2nd try)" if st.get("attempt", 1) > 1 else ""),
            f"{st.get('load_avg_1m', 0):.2f}",
        ]
        for st in s["steps"]
    ]
    limited = f", limited by the {s['limited_by']}" if s["limited_by"] else ""
    return [
        f"### Unity event flood: {s['rate']:,}/s for {s['seconds']:g} s",
        "",
        f"`{command}`",
        "",
        "One editor (a child process) sends `hierarchy_changed` (ACKed) and `log_message` "
        "events; commands keep running, alternating a quiet editor and the flooding one. "
        "Floor: the same command loop with no flood (idle). A legacy MCP client is "
        "subscribed to `unity://scene/hierarchy` and `unity://console`.",
        "",
        *table(
            [
                "commands to",
                "idle p50 µs",
                "idle p99 µs",
                "flood p50 µs",
                "flood p99 µs",
                "p99 flood/idle",
            ],
            rows,
        ),
        "",
        f"Command p99 under the flood: {x(s['p99_ratio_worst'])} the idle p99 (target ≤ "
        f"{s['p99_target']:g}x): {mark(s['pass_p99'])}. Commands completed: idle "
        f"{s['idle_commands_per_s']:,.0f}/s, under the flood {f['commands_per_s']:,.0f}/s.",
        f"Events: sent {f['sent']:,} ({f['sent_rate']:,.0f}/s), processed {f['processed']:,} "
        f"({f['processed_by_end']:,} by the end of the window); server CPU "
        f"{f['server_cpu']:.0%}; the subscribed client got {f['notifications']} "
        "resource-updated notifications (coalesced).",
        "",
        "Memory at the start, middle and end of the flood (the traced pass is a second "
        'flood under `tracemalloc`, after the bounded tables were filled; "server" leaves '
        "out the benchmark's own samples and tracemalloc's snapshots):",
        "",
        *table(["memory", "start", "middle", "end"], mrows),
        "",
        f"Traced growth middle → end: {s['traced_growth_middle_to_end_mb']:+.2f} MiB "
        f"({'flat' if s['memory_flat'] else 'GROWING'}).",
        "",
        "Highest sustained event rate (steps of "
        f"{s['plan']['step_seconds']:g} s; commands keep running to the quiet editor; "
        "a step counts as kept up when the sender reached the rate and the server had "
        "processed ≥ 97% of it by the end of the step and all of it soon after; a failed "
        "step is retried once; the ladder stops at the first step that fails twice):",
        "",
        *table(
            [
                "target/s",
                "sent/s",
                "processed/s",
                "server CPU",
                "sender CPU",
                "commands/s",
                "command p99 µs",
                "kept up",
                "load avg",
            ],
            srows,
        ),
        "",
        f"Highest sustained: **{s['highest_sustained_rate']:,} events/s**"
        + (" (every step kept up)" if s["all_steps_sustained"] else limited)
        + ".",
    ]


def section_load_reconnect(s: Json, command: str) -> list[str]:
    fl = s["floor"]
    rows = [
        [
            "floor: bare connect + 1 command",
            ms(fl["median_us"]),
            ms(fl["p99_us"]),
            ms(fl["max_us"]),
            "1.00x",
        ]
    ]
    rows += [
        [
            name.strip(),
            ms(c["median_us"]),
            ms(c["p99_us"]),
            ms(c["max_us"]),
            x(c["ratio_median"], 1),
        ]
        for name, c in s["cases"].items()
    ]
    return [
        f"### Reconnect to first command after a domain reload ({s['trials']} reloads)",
        "",
        f"`{command}`",
        "",
        "From the peer opening its new connection (`connect()` called) to the first "
        "command answered on it: a command issued while the editor was away (it waits "
        "through the reload), and a reload-surviving command (Unity answers it after the "
        'reload, with its original id). "from welcome" starts the clock at the welcome '
        "instead. Floor: a bare websockets connect plus one command sent on the new socket.",
        "",
        *table(["case", "p50 ms", "p99 ms", "max ms", "p50/floor"], rows),
        "",
        f"Worst median {s['worst_median_ms']:.2f} ms (target ≤ {s['target_ms']:g} ms): "
        f"{mark(s['pass'])}.",
    ]


def section_load_big_scene(s: Json, command: str) -> list[str]:
    b = s["build_s"]
    rows = [
        [
            qname,
            path,
            us(per["sample"]["median_us"]),
            us(per["huge"]["median_us"]),
            x(per["ratio_median"], 1),
            f"{per['sample']['peak_kb']:,.0f}",
            f"{per['huge']['peak_kb']:,.0f}",
            f"{per['huge']['nodes']}",
            f"{per['huge']['answer_bytes']:,}",
        ]
        for qname, paths in s["figures"].items()
        for path, per in paths.items()
    ]
    return [
        f"### {s['objects']:,}-object hierarchy",
        "",
        f"`{command}`",
        "",
        f"`SimulatedEditor(objects={s['objects']})` built in {b['huge']:.2f} s (the "
        f"17-object sample scene: {b['sample'] * 1000:.1f} ms), +{s['build_rss_mb']:.0f} "
        f"MiB RSS, {s['build_traced_mb']:.0f} MiB traced. Paged `get_hierarchy` through "
        "`send_and_wait`, through the tool on the server alone (`MCPServer.call_tool`: "
        "arguments, the round trip, result conversion) and through an in-memory MCP "
        "client (2026-07-28 era; adds the protocol and the client's validation of the "
        "result against the output schema); floor: the same query on the sample scene. "
        "Peak = tracemalloc peak during one query (server, peer and editor are in this "
        "process). The scene is `gc.freeze()`d once built: it lives in Unity, not in "
        "the server process.",
        "",
        *table(
            [
                "query",
                "path",
                "sample µs",
                "100k µs",
                "100k/sample",
                "peak KiB sample",
                "peak KiB 100k",
                "nodes",
                "answer bytes",
            ],
            rows,
            "llrrrrrrr",
        ),
    ]


def section_csharp(c: Json, command: str) -> list[str]:
    lines = ["## 4. C# core dispatch under Mono", "", f"`{command}`", ""]
    if "skipped" in c:
        return [*lines, f"Skipped: {c['skipped']}."]
    f, plan = c["figures"], c["plan"]
    rows = [
        [
            "bare C# ClientWebSocket echo (floor)",
            us(f["bare"]["median_of_rounds_us"]),
            us(f["bare"]["p99_us"]),
            "1.00x",
        ],
        *(
            [
                [
                    "bare echo + an ack frame per command",
                    us(f["bare-ack"]["median_of_rounds_us"]),
                    us(f["bare-ack"]["p99_us"]),
                    x(f["bare-ack"]["median_of_rounds_us"] / f["bare"]["median_of_rounds_us"]),
                ]
            ]
            if "bare-ack" in f
            else []
        ),
        [
            "EditorLink: ack, ledger, main-thread hop, CommandTable",
            us(f["core"]["median_of_rounds_us"]),
            us(f["core"]["p99_us"]),
            x(c["ratio_median"]),
        ],
    ]
    return [
        *lines,
        f"One Python `websockets` server sends {plan['n']} sequential `echo` commands to each "
        f"of {len(f)} Mono processes ({c['mono'].split(' (')[0]}) in {plan['rounds']} alternating "
        "rounds and times command → answer. Floor: a bare receive loop over the same "
        "`ClientWebSocketAdapter` that parses each command and sends the response envelope. "
        "Core: the real `EditorLink` with a fake main thread (a dedicated thread blocked on "
        "the posted work) and a no-op handler; it also sends an ack per command. Median of "
        "the per-round medians; p99 over all samples.",
        "",
        *table(["side", "median µs", "p99 µs", "median/floor"], rows),
        "",
        f"Dispatch overhead: {c['overhead_us']:+.0f} µs per command (core - floor, medians); "
        f"p99 ratio {x(c['ratio_p99'])}."
        + (
            f" Of it, the ack frame on the wire {c['breakdown']['ack_on_the_wire_us']:+.0f} µs "
            f"and the core's machinery {c['breakdown']['core_machinery_us']:+.0f} µs (core / "
            f"bare + ack = {x(c['breakdown']['ratio_core_vs_bare_ack'])})."
            if "breakdown" in c
            else ""
        ),
    ]


def render(
    results: dict[str, Json | None],
    commands: dict[str, str],
    quick: bool,
    *,
    header: bool,
) -> list[str]:
    lines: list[str] = []
    env = next((r["machine"] for n in ("mcp", *LOAD_BENCHES) if (r := results.get(n))), None)
    if header:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines += [
            "# Benchmarks",
            "",
            f"Generated by `{PYTHON} bench/run_all.py --write{' --quick' if quick else ''}` "
            f"on {now} ({'quick' if quick else 'full'} sizes). Do not edit by hand: the "
            "tables are regenerated, and the analysis at the end comes from "
            "`bench/FINDINGS.md`.",
            "",
        ]
        if env:
            lines += [
                f"Machine: {env['cores']} cores, {env['implementation']} {env['python']}, "
                f"event loop {env['loop']}, {env['platform']}; mcp {env['mcp']}, uvicorn "
                f"{env['uvicorn']}, starlette {env['starlette']}, websockets "
                f"{env['websockets']}. Load average at the start: {env['load_avg_1m']}. The "
                "machine is shared and noisy, so every figure is set beside a floor measured "
                "in the same run, in alternating trials where it applies.",
                "",
            ]
    rows = [
        [name, figure, limit, source, "crashed" if ok is None else mark(ok)]
        for name, figure, limit, source, ok in targets(results)
    ]
    lines += [
        "## Targets",
        "",
        *table(["target", "figure", "limit", "from", "result"], rows, "lllll"),
    ]
    renderers: dict[str, Callable[[Json, str], list[str]]] = {
        "roundtrip": section_roundtrip,
        "breakdown": section_breakdown,
        "server_code": section_server_code,
        "mcp": section_mcp,
        "tools_call": section_tools_call,
        "hierarchy_validation": section_hierarchy_validation,
        "load_editors": section_load_editors,
        "load_clients": section_load_clients,
        "load_flood": section_load_flood,
        "load_reconnect": section_load_reconnect,
        "load_big_scene": section_load_big_scene,
        "csharp": section_csharp,
    }
    load_heading = False
    for name in BENCHES:
        if name not in results:
            continue
        data = results.get(name)
        lines.append("")
        if name in LOAD_BENCHES and not load_heading:
            lines += ["## 3. Load and scale", ""]
            load_heading = True
        if data is None:
            level = "###" if name in LOAD_BENCHES else "##"
            lines.append(f"{level} {name}: FAILED (no results; see stderr)")
            continue
        lines += renderers[name](data, commands[name])
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="CI-sized runs")
    p.add_argument("--write", action="store_true", help="regenerate BENCHMARKS.md")
    p.add_argument("--out", metavar="DIR", help="keep the JSON results in DIR")
    p.add_argument("--only", action="append", choices=BENCHES, help="run only these")
    p.add_argument(
        "--from",
        dest="from_dir",
        metavar="DIR",
        help="run nothing: summarize (and with --write, document) the JSON results that "
        "an earlier run kept with --out DIR",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, Json | None] = {}
    commands: dict[str, str] = {}
    names = args.only or (QUICK_BENCHES if args.quick else BENCHES)
    if args.from_dir:
        for name in names:
            path = os.path.join(args.from_dir, f"{name}.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    results[name] = json.load(fh)
                commands[name] = " ".join(
                    [PYTHON, *bench_args(name, args.quick), "--json", f"{name}.json"]
                )
    else:
        with tempfile.TemporaryDirectory(prefix="movesia-bench-") as tmp:
            out_dir = args.out or tmp
            os.makedirs(out_dir, exist_ok=True)
            for name in names:
                results[name], commands[name], _ = run_bench(name, args.quick, out_dir)
    print("\n".join(render(results, commands, args.quick, header=False)))
    crashed = [name for name, data in results.items() if data is None]
    if args.write:
        lines = render(results, commands, args.quick, header=True)
        if os.path.exists(FINDINGS):
            with open(FINDINGS, encoding="utf-8") as fh:
                lines += ["", fh.read().rstrip()]
        with open(OUTPUT, "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
        print(f"\nwrote {os.path.relpath(OUTPUT, ROOT)}", file=sys.stderr)
    if crashed:
        print(f"\nbenchmark(s) failed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
