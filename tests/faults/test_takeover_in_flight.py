"""Scenario 4: a newer connection of the session takes over while commands are in flight.

The old connection is a bare WebSocket client so that it can ack some commands and not
others; the new one is a ``SimulatedUnity`` (``conn_seq`` 2) of the same session.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from conftest import serve
from integration.conftest import close_of, hello, of_type, raw_client, receive
from movesia_mcp import CloseCode, CommandState, ConnectionLostError
from movesia_mcp._simulator.peer import envelope

from .conftest import eventually, fast_manager, leak_check

SESSION = "take-sess"
COMMANDS = ("get_editor_state", "get_selection", "refresh_assets")


async def refreshed(params: dict[str, Any]) -> dict[str, Any]:
    return {"refreshed": True, "params": params}


async def test_takeover_fails_normal_commands_at_once_and_keeps_reload_surviving_ones() -> None:
    """Guarantee: when a newer ``conn_seq`` of the session connects while commands are
    in flight on the old connection: the old one is closed with 4001; a normal command
    fails at once (< 0.5 s, its timeout is 30 s) with ``ConnectionLostError`` whose
    ``delivered`` says whether Unity had acked it; a reload-surviving command Unity had
    acked stays pending, is NOT sent again, and is answered on the new connection with
    its original id; a reload-surviving command Unity never acked is sent again on the
    new connection (same id) and answered there; the session ends on ``conn_seq`` 2;
    nothing stays pending and no task leaks."""
    manager = fast_manager(command_timeout=30.0)
    async with serve(manager) as running, raw_client(running.url) as old:
        await old.send(hello(SESSION, dataPath="/p/Take/Assets", conn_seq=1))
        await receive(old, of_type("welcome"))
        new = running.peer(
            capabilities=(),  # a version 1 editor: no dedup ledger, so nothing acked is resent
            session_id=SESSION,
            conn_seq=2,
            project_path="/p/Take",
            handlers={"refresh_assets": refreshed},
        )
        try:
            async with leak_check(manager):
                calls = {
                    "normal_acked": ("get_editor_state", {}),
                    "normal_unacked": ("get_selection", {}),
                    "surviving_acked": ("refresh_assets", {"which": "acked"}),
                    "surviving_unacked": ("refresh_assets", {"which": "unacked"}),
                }
                tasks = {
                    name: asyncio.create_task(manager.execute(command, params))
                    for name, (command, params) in calls.items()
                }
                seen: list[dict[str, Any]] = []
                for _ in calls:
                    await receive(old, lambda m: m["type"] in COMMANDS, seen=seen)
                ids = {
                    name: next(
                        m["id"]
                        for m in seen
                        if m["type"] == command and m["body"].get("which") == params.get("which")
                    )
                    for name, (command, params) in calls.items()
                }
                for name in ("normal_acked", "surviving_acked"):
                    await old.send(json.dumps(envelope("ack", {}, msg_id=ids[name])))
                pending = {c.id: c for c in manager.commands.pending()}
                await eventually(
                    lambda: (
                        pending[ids["normal_acked"]].state is CommandState.ACKED
                        and pending[ids["surviving_acked"]].state is CommandState.ACKED
                    )
                )

                started = time.monotonic()
                await new.connect()
                for name, delivered in (("normal_acked", True), ("normal_unacked", False)):
                    with pytest.raises(ConnectionLostError) as caught:
                        await asyncio.wait_for(tasks[name], 0.5)
                    assert caught.value.delivered is delivered, name
                assert time.monotonic() - started < 0.5
                code, _ = await close_of(old)
                assert code == CloseCode.SUPERSEDED

                # The unacked reload-surviving command was sent again, with its id, and
                # answered by the new connection's handler.
                answer = await asyncio.wait_for(tasks["surviving_unacked"], 2)
                assert answer == {"refreshed": True, "params": {"which": "unacked"}}
                assert [m["id"] for m in new.commands_seen] == [ids["surviving_unacked"]]

                # The acked one was not sent again; Unity answers it after the reload.
                assert not tasks["surviving_acked"].done()
                await new.send(
                    envelope(
                        "compilation_complete",
                        {"request_id": ids["surviving_acked"], "success": True},
                        msg_id=ids["surviving_acked"],
                        session=SESSION,
                    )
                )
                assert await asyncio.wait_for(tasks["surviving_acked"], 2) == {"success": True}
                assert len(new.commands_seen) == 1
                connection = manager.sessions[SESSION].connection
                assert connection is not None
                assert connection.conn_seq == 2
                await new.aclose()  # its tasks are new ones: end them before counting
        finally:
            await new.aclose()
