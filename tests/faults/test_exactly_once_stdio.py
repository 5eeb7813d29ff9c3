"""Protocol 1.1 §6.1 end to end: exactly-once ``write_script`` through a reload storm.

The server is the real thing, ``python -m movesia_mcp`` as a subprocess speaking MCP
over stdio to the official client (``mcp.Client``). The editor is in this process: a
``SimulatedUnity`` that declares ``command_ack``, ``dedup`` and ``cancel``, keeps the
session secret and a request-id ledger across its reloads, in front of a
``SimulatedEditor`` that counts every script write it applies. While 20 ``write_script``
calls are in flight, the editor goes through at least 30 domain reloads (each write
causes one; a storm loop adds the rest), so commands are caught by reloads: sent on a
socket that closes, acked or not, answered or not before the close.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections import Counter
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from conftest import free_port
from movesia_mcp._simulator import SimulatedEditor, SimulatedUnity

CALLS = 20
RELOADS = 30
DEADLINE = 120.0  # hang protection only: the whole storm takes a few seconds


def script(i: int) -> str:
    return (
        "using UnityEngine;\n\n"
        f"public class Storm{i} : MonoBehaviour\n"
        "{\n"
        f"    public int value = {i};\n"
        "}\n"
    )


async def connect_when_listening(peer: SimulatedUnity, limit: float = 30.0) -> None:
    """The subprocess opens its port some time after start; retry until it does."""
    async with asyncio.timeout(limit):
        while True:
            try:
                await peer.connect()
                return
            except OSError:
                await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "capabilities",
    [("command_ack", "dedup", "cancel"), ("command_ack",), ()],
    ids=["dedup", "acks-only", "version-1"],
)
async def test_write_script_through_a_reload_storm_over_stdio(
    capabilities: tuple[str, ...],
) -> None:
    """Guarantee: 20 concurrent ``write_script`` calls from a real MCP client over stdio,
    against an editor going through at least 30 domain reloads: every call succeeds
    (none fails, none times out, none is lost) and the editor ends with each script's
    own contents. With ``dedup``, each script is applied exactly once: its handler ran
    once per request id, the editor wrote each file once, each answer says ``created``;
    resends the ledger recognised are counted, not run. Without it (an editor that only
    acks), a command whose ack died with a socket may be resent and run again: that is
    the documented price, and it is all that may differ."""
    dedup = "dedup" in capabilities
    port = free_port()
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "movesia_mcp"],
        env={
            **os.environ,
            "SERVER_PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "INTERRUPT_TIMEOUT": "60",
        },
    )
    editor = SimulatedEditor()
    peer = SimulatedUnity(
        f"ws://127.0.0.1:{port}/ws/unity",
        project_path=editor.project_path,
        handlers=editor.handlers(),
        heartbeat_interval=None,
        reload_delay=0.004,
        capabilities=capabilities,
    )
    editor.attach(peer)
    results: list[Any] = []
    async with asyncio.timeout(DEADLINE), Client(params) as client:
        await connect_when_listening(peer)
        assert peer.welcome is not None
        assert peer.welcome.get("capabilities", []) == sorted(capabilities)
        assert (peer.session_secret is not None) == bool(capabilities)
        try:
            calls_done = asyncio.Event()

            async def storm() -> None:
                while peer.reloads < RELOADS or not calls_done.is_set():
                    await peer.reload()
                    await asyncio.sleep(0)

            async def write(i: int) -> Any:
                await asyncio.sleep(0.003 * i)  # spread over the storm
                return await client.call_tool(
                    "write_script",
                    {"path": f"Assets/Scripts/Storm{i}.cs", "contents": script(i)},
                )

            storming = asyncio.create_task(storm())
            try:
                results = await asyncio.gather(*(write(i) for i in range(CALLS)))
            finally:
                calls_done.set()
            await storming
        finally:
            await peer.aclose()

    failed = [r for r in results if r.is_error]
    assert failed == [], [str(r.content)[:300] for r in failed][:3]
    assert peer.reloads >= RELOADS
    answers = [r.structured_content for r in results]
    assert [a["path"] for a in answers] == [f"Assets/Scripts/Storm{i}.cs" for i in range(CALLS)]
    assert all(a["compiled"] is True for a in answers), answers
    for i in range(CALLS):
        asset = editor.assets[f"Assets/Scripts/Storm{i}.cs"]
        assert asset.data["contents"] == script(i)
    if not dedup:
        writes = [editor.script_writes[f"Assets/Scripts/Storm{i}.cs"] for i in range(CALLS)]
        assert all(n >= 1 for n in writes)
        print(f"\n{capabilities}: {sum(writes) - CALLS} second execution(s) over {CALLS} calls")
        return
    assert all(a["created"] is True for a in answers), answers
    # Exactly once, counted by the editor: one run per request id, one write per file.
    runs = Counter(
        m["body"]["request_id"] for m in peer.commands_seen if m["type"] == "write_script"
    )
    assert len(runs) == CALLS
    assert all(peer.executions[rid] == 1 for rid in runs), peer.executions.most_common(3)
    storm_writes = {p: n for p, n in editor.script_writes.items() if "Storm" in p}
    assert storm_writes == {f"Assets/Scripts/Storm{i}.cs": 1 for i in range(CALLS)}
    # The server only ever complained about answers that crossed its own resends.
    complaints = {m["body"]["code"] for m in peer.received if m["type"] == "error"}
    assert complaints <= {"duplicate_response"}, complaints
    with contextlib.suppress(Exception):
        print(
            f"\n{CALLS} write_script over {peer.reloads} reloads: "
            f"{len(peer.redelivered)} redeliveries recognised by the ledger"
        )
