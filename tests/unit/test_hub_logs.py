"""ClientHub's log notifications on a fake clock: coalesced, folded with counts, never
blocking the caller, bounded while a client does not read."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from movesia_mcp._server.hub import ClientHub


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingSession:
    """Stands in for an MCP ServerSession: records what it was asked to send."""

    def __init__(self) -> None:
        self.logs: list[tuple[str, Any]] = []
        self.blocked: asyncio.Event | None = None

    async def send_log_message(self, level: str, data: Any, logger: str | None = None) -> None:
        if self.blocked is not None:
            await self.blocked.wait()
        self.logs.append((level, data))


def hub_with_session(max_per_s: int = 10) -> tuple[ClientHub, RecordingSession, Clock]:
    clock = Clock()
    hub = ClientHub(max_logs_per_s=max_per_s, clock=clock)
    session = RecordingSession()
    hub.sessions[1] = session  # type: ignore[assignment]
    return hub, session, clock


def unity_log(n: int) -> dict[str, Any]:
    return {"event": "unity_log", "message": f"error {n}"}


async def test_logs_under_the_rate_are_sent_in_order() -> None:
    hub, session, _ = hub_with_session()
    for n in range(5):
        hub.log("error", unity_log(n))
    await hub.flush()
    assert [data["message"] for _, data in session.logs] == [f"error {n}" for n in range(5)]
    assert hub.logs_folded == 0


async def test_a_flood_is_folded_into_one_summary_per_second_with_counts() -> None:
    hub, session, clock = hub_with_session(max_per_s=10)
    for n in range(10_000):
        hub.log("error", unity_log(n))
        if n == 2:
            hub.log("info", {"event": "compile_started"})
    await hub.flush()
    first_second = list(session.logs)
    assert len(first_second) == 10
    assert {"event": "compile_started"} in [data for _, data in first_second]
    clock.now += 1.0
    await hub.flush()
    assert len(session.logs) == 11
    level, summary = session.logs[-1]
    assert level == "warning"
    assert summary["event"] == "unity_logs_folded"
    assert summary["folded"] == 10_001 - 10
    assert summary["by_event"] == {"unity_log": 10_001 - 10}
    assert hub.logs_folded == 10_001 - 10
    hub.log("error", unity_log(-1))  # the next second has room again (less the summary's slot)
    await hub.flush()
    assert session.logs[-1][1]["message"] == "error -1"


async def test_no_window_carries_more_than_the_rate() -> None:
    hub, session, clock = hub_with_session(max_per_s=4)
    per_window = []
    for _ in range(20):
        before = len(session.logs)
        for n in range(50):
            hub.log("error", unity_log(n))
            await hub.flush()
        per_window.append(len(session.logs) - before)
        clock.now += 1.0
    assert max(per_window) <= 4
    sent = sum(1 for _, d in session.logs if d["event"] == "unity_log")
    folded = sum(d["folded"] for _, d in session.logs if d["event"] == "unity_logs_folded")
    assert sent + folded + sum(hub._folded.values()) == 20 * 50


async def test_a_client_that_never_reads_does_not_block_the_caller_and_stays_bounded() -> None:
    hub, session, clock = hub_with_session(max_per_s=10)
    session.blocked = asyncio.Event()
    flusher = asyncio.create_task(hub.run())
    try:
        for _second in range(30):
            for n in range(1000):
                hub.log("error", unity_log(n))  # returns at once: nothing to await
            clock.now += 1.0
            await asyncio.sleep(0)
        assert len(hub._logs) <= 10
        assert hub.logs_folded >= 30 * 1000 - 10 * 31
    finally:
        session.blocked.set()
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)


# ── per-connection levels (logging/setLevel) ─────────────────────────────────────────


async def test_each_connection_gets_the_levels_it_set_and_the_others_all() -> None:
    hub, everything, _ = hub_with_session()
    errors_only = RecordingSession()
    hub.sessions[2] = errors_only  # type: ignore[assignment]
    hub.levels[2] = "error"
    hub.log("info", {"event": "compile_started"})
    hub.log("error", {"event": "compile_finished"})
    hub.log("critical", {"event": "unity_log"})
    await hub.flush()
    assert [level for level, _ in everything.logs] == ["info", "error", "critical"]
    assert [level for level, _ in errors_only.logs] == ["error", "critical"]


def test_wants_compares_by_severity() -> None:
    hub = ClientHub()
    assert hub.wants(7, "debug")  # never set: every level
    hub.levels[7] = "warning"
    assert not hub.wants(7, "notice")
    assert hub.wants(7, "warning")
    assert hub.wants(7, "emergency")


# ── 2026-07-28: logs ride the request that opted in ──────────────────────────────────


class ModernRequest:
    """Stands in for the SDK's ServerRequestContext of a 2026-07-28 tools/call."""

    protocol_version = "2026-07-28"
    method = "tools/call"
    request_id = 7

    def __init__(self, level: str | None) -> None:
        self.meta = {"io.modelcontextprotocol/logLevel": level} if level else {}
        self.session = RecordingSession()


async def test_a_request_gets_the_logs_of_its_own_run_while_another_client_stalls() -> None:
    hub, stalled, _ = hub_with_session()
    stalled.blocked = asyncio.Event()  # a handshake-era client that stopped reading
    hub.log("info", {"event": "before"})  # not this request's
    request = ModernRequest("info")

    async def call_next(_: Any) -> str:
        hub.log("error", {"event": "during"})
        return "answer"

    async with asyncio.timeout(5):
        answer = await hub.track_sessions(request, call_next)  # type: ignore[arg-type]
    assert answer == "answer"
    assert request.session.logs == [("error", {"event": "during"})]
    assert hub.log_requests == {}
    assert stalled.logs == []  # still blocked; it held nothing up


async def test_a_request_that_did_not_opt_in_is_not_registered() -> None:
    hub, _, _ = hub_with_session()
    request = ModernRequest(None)
    seen: list[object] = []

    async def call_next(_: Any) -> str:
        seen.append(dict(hub.log_requests))
        hub.log("error", {"event": "during"})
        return "answer"

    assert await hub.track_sessions(request, call_next) == "answer"  # type: ignore[arg-type]
    assert seen == [{}]
    assert request.session.logs == []


async def test_a_flush_cancelled_midway_gives_back_what_it_had_not_sent() -> None:
    """Overlapping loops (stdio and /relay, several in-process clients): the loop of a
    server that stops is cancelled, maybe inside a flush; the others must still deliver."""
    hub, session, _ = hub_with_session()
    for n in range(3):
        hub.log("error", unity_log(n))
    session.blocked = asyncio.Event()
    flushing = asyncio.create_task(hub.flush())
    for _ in range(5):  # the flush reaches the first log's send, which the session blocks
        await asyncio.sleep(0)
    assert not flushing.done()
    assert session.logs == []
    flushing.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await flushing
    session.blocked = None
    await hub.flush()  # what another loop does next
    assert [data["message"] for _, data in session.logs] == [f"error {n}" for n in range(3)]
