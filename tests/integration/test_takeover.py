"""PROTOCOL.md §3.4: monotonic takeover per session id.

The peers here are version 1 editors (they declare no capability, so no session secret
is asked for); 1.1's secret-guarded takeover is in ``test_delivery_v11.py``."""

from __future__ import annotations

import asyncio
import random
import re

import pytest

from conftest import RunningServer
from movesia_mcp import CloseCode, ConnectionLostError
from movesia_mcp._simulator import HandshakeRejected, NoAnswer, SimulatedUnity
from movesia_mcp._simulator.peer import envelope

from .conftest import eventually


async def echo(params: dict[str, object]) -> dict[str, object]:
    return {"echo": params}


async def test_newer_conn_seq_supersedes_old_connection_with_4001(
    server: RunningServer,
) -> None:
    old = server.peer(capabilities=(), session_id="s-take", conn_seq=1)
    new = server.peer(capabilities=(), session_id="s-take", conn_seq=2, handlers={"echo": echo})
    try:
        await old.connect()
        await new.connect()
        await asyncio.wait_for(old.disconnected.wait(), 2)
        assert old.closed_by_server is not None
        assert old.closed_by_server[0] == CloseCode.SUPERSEDED
        assert new.closed_by_server is None
        assert server.manager.table.live_conn_seq("s-take") == 2
        assert await server.manager.send_and_wait("echo", n=1) == {"echo": {"n": 1}}
    finally:
        await old.aclose()
        await new.aclose()


@pytest.mark.parametrize(("live_seq", "new_seq"), [(5, 3), (4, 4)], ids=["stale", "equal"])
async def test_not_newer_conn_seq_is_rejected_with_4002_naming_both_numbers(
    server: RunningServer, live_seq: int, new_seq: int
) -> None:
    live = server.peer(
        capabilities=(), session_id="s-dup", conn_seq=live_seq, handlers={"echo": echo}
    )
    late = server.peer(capabilities=(), session_id="s-dup", conn_seq=new_seq)
    try:
        await live.connect()
        with pytest.raises(HandshakeRejected) as rejected:
            await late.connect()
        assert rejected.value.code == CloseCode.DUPLICATE_SESSION
        numbers = {int(n) for n in re.findall(r"\d+", rejected.value.reason)}
        assert {live_seq, new_seq} <= numbers
    finally:
        await late.aclose()
    try:
        # The live connection is untouched.
        assert live.closed_by_server is None
        assert server.manager.table.live_conn_seq("s-dup") == live_seq
        assert await server.manager.send_and_wait("echo", n=2) == {"echo": {"n": 2}}
    finally:
        await live.aclose()


async def test_other_sessions_are_not_affected_by_a_takeover(server: RunningServer) -> None:
    bystander = server.peer(
        capabilities=(), session_id="s-other", conn_seq=9, project_path="/p/Other"
    )
    old = server.peer(capabilities=(), session_id="s-main", conn_seq=1, project_path="/p/Main")
    new = server.peer(capabilities=(), session_id="s-main", conn_seq=2, project_path="/p/Main")
    try:
        for peer in (bystander, old, new):
            await peer.connect()
        await asyncio.wait_for(old.disconnected.wait(), 2)
        assert bystander.closed_by_server is None
        assert server.manager.table.live_conn_seq("s-other") == 9
    finally:
        for peer in (bystander, old, new):
            await peer.aclose()


async def test_concurrent_takeover_race_leaves_only_the_highest_conn_seq(
    server: RunningServer,
) -> None:
    seqs = list(range(1, 51))
    random.Random(7).shuffle(seqs)
    peers = {seq: server.peer(capabilities=(), session_id="s-race", conn_seq=seq) for seq in seqs}
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(p.connect() for p in peers.values()), return_exceptions=True), 20
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, HandshakeRejected):
                raise result
        winner = peers[50]

        def all_losers_closed() -> bool:
            return all(p.closed_by_server is not None for s, p in peers.items() if s != 50)

        await eventually(all_losers_closed, timeout=5)
        assert server.manager.table.live_conn_seq("s-race") == 50
        assert len([sid for sid, _ in server.manager.table.items() if sid == "s-race"]) == 1
        session = server.manager.sessions["s-race"]
        assert session.connection is not None
        assert session.connection.conn_seq == 50
        assert winner.closed_by_server is None
        assert not winner.disconnected.is_set()
        codes = {s: p.closed_by_server[0] for s, p in peers.items() if p.closed_by_server}
        assert set(codes) == set(range(1, 50))
        assert set(codes.values()) <= {CloseCode.SUPERSEDED, CloseCode.DUPLICATE_SESSION}
        winner.handlers["echo"] = echo
        assert await server.manager.send_and_wait("echo", n=3) == {"echo": {"n": 3}}
    finally:
        await asyncio.gather(*(p.aclose() for p in peers.values()))


async def test_superseded_connection_commands_do_not_block_the_new_one(
    server: RunningServer,
) -> None:
    old: SimulatedUnity = server.peer(capabilities=(), session_id="s-cmd", conn_seq=1)
    new = server.peer(capabilities=(), session_id="s-cmd", conn_seq=2, handlers={"echo": echo})
    try:
        await old.connect()
        await new.connect()
        await asyncio.wait_for(old.disconnected.wait(), 2)
        result = await server.manager.send_and_wait("echo", n=4)
        assert result == {"echo": {"n": 4}}
        assert old.commands_seen == []
        assert len(new.commands_seen) == 1
    finally:
        await old.aclose()
        await new.aclose()


async def test_takeover_fails_the_old_connections_commands_at_once(
    server: RunningServer,
) -> None:
    async def no_answer(params: dict[str, object]) -> NoAnswer:
        return NoAnswer()

    old = server.peer(
        capabilities=(), session_id="s-lost", conn_seq=1, handlers={"echo": no_answer}
    )
    new = server.peer(capabilities=(), session_id="s-lost", conn_seq=2)
    try:
        await old.connect()
        task = asyncio.create_task(server.manager.send_and_wait("echo", timeout=30))
        await eventually(lambda: old.commands_seen)
        await new.connect()
        with pytest.raises(ConnectionLostError):
            await asyncio.wait_for(task, 1)
    finally:
        await old.aclose()
        await new.aclose()


async def test_reload_surviving_command_survives_takeover_of_its_session(
    server: RunningServer,
) -> None:
    async def no_answer(params: dict[str, object]) -> NoAnswer:
        return NoAnswer()

    old = server.peer(
        capabilities=(), session_id="s-keep", conn_seq=1, handlers={"refresh_assets": no_answer}
    )
    new = server.peer(capabilities=(), session_id="s-keep", conn_seq=2)
    try:
        await old.connect()
        task = asyncio.create_task(server.manager.send_and_wait("refresh_assets", timeout=30))
        await eventually(lambda: [c for c in server.manager.commands.pending() if c.delivered])
        request_id = old.commands_seen[0]["id"]
        await new.connect()
        await asyncio.wait_for(old.disconnected.wait(), 2)
        assert not task.done()
        await new.send(envelope("compilation_complete", {"request_id": request_id, "ok": True}))
        assert await asyncio.wait_for(task, 2) == {"ok": True}
        assert new.commands_seen == []  # answered, never sent again
    finally:
        await old.aclose()
        await new.aclose()
