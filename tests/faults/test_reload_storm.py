"""Scenario 3: a domain-reload storm while tool calls keep coming.

Each reload is the plug-in's full cycle (``compile_started`` → close → reconnect with
``conn_seq`` + 1 → ``compile_finished``), back to back, against a ``SimulatedEditor``
whose scene graph shows what every command really did.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from conftest import serve
from movesia_mcp import ConnectionLostError, UnityError
from movesia_mcp._simulator import CommandHandler, SimulatedEditor
from movesia_mcp._simulator.peer import HandlerResult

from .conftest import eventually, fast_manager, leak_check

# 100 back-to-back reloads take a few seconds here, so the full storm is the default.
RELOADS = 100
WORKERS = 6
# Editor ticks between two reloads; for none at all, see the second test.
GAP = 0.02
CALL_DEADLINE = 15.0  # a call still unresolved after this long is a hang
READS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("get_editor_state", {}),
    ("find_objects", {"name": "storm"}),
    ("get_hierarchy", {"depth": 1, "limit": 20}),
)


def jittered(handlers: dict[str, CommandHandler], rng: random.Random) -> dict[str, CommandHandler]:
    """The editor's handlers, each taking 0 to 4 ms before it runs: some commands are
    still in flight (acked, not answered) when a reload closes the socket."""

    def wrap(handler: CommandHandler) -> CommandHandler:
        async def handle(params: dict[str, Any]) -> HandlerResult:
            await asyncio.sleep(rng.uniform(0, 0.004))
            return await handler(params)

        return handle

    return {name: wrap(handler) for name, handler in handlers.items()}


@dataclass
class Outcomes:
    answered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[str, dict[str, Any], UnityError]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # names Unity answered for
    lost_unacked: list[str] = field(default_factory=list)  # creates lost, never acked


async def storm(reloads: int, gap: float) -> None:
    manager = fast_manager(command_timeout=10.0, interrupt_timeout=10.0)
    editor = SimulatedEditor()
    async with serve(manager) as running:
        peer = running.peer(
            handlers=jittered(editor.handlers(), random.Random(reloads)),
            project_path=editor.project_path,
            reload_delay=0.004,
        )
        editor.attach(peer)
        await peer.connect()
        outcomes = Outcomes()
        names = (f"storm-{i}" for i in itertools.count())
        try:
            async with leak_check(manager):
                done = asyncio.Event()

                async def reload_loop() -> None:
                    try:
                        for _ in range(reloads):
                            await peer.domain_reload()
                            await asyncio.sleep(gap)
                    finally:
                        done.set()

                async def call(command: str, params: dict[str, Any]) -> None:
                    try:
                        async with asyncio.timeout(CALL_DEADLINE):
                            body = await manager.execute(command, dict(params))
                    except UnityError as exc:
                        outcomes.failed.append((command, params, exc))
                        if (
                            command == "create_gameobject"
                            and isinstance(exc, ConnectionLostError)
                            and not exc.delivered
                        ):
                            outcomes.lost_unacked.append(params["name"])
                        return
                    outcomes.answered.append((command, params))
                    if command == "create_gameobject":
                        assert body["object"]["name"] == params["name"], body
                        outcomes.created.append(params["name"])

                async def worker(n: int) -> None:
                    for i in itertools.count():
                        if done.is_set():
                            return
                        if (i + n) % 2:
                            await call("create_gameobject", {"name": next(names)})
                        else:
                            await call(*READS[(i + n) % len(READS)])

                started = time.monotonic()
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(reload_loop())
                    for n in range(WORKERS):
                        tg.create_task(worker(n))
                took = time.monotonic() - started

                # The session ends connected, on its last connection, and answers.
                assert peer.reloads == reloads
                session = manager.sessions[peer.session_id]
                assert session.reconnects == reloads
                await eventually(lambda: session.connection is not None and not session.compiling)
                assert session.connection is not None
                assert session.connection.conn_seq == peer.conn_seq == reloads + 1
                state = await manager.execute("get_editor_state", {})
                assert state["is_compiling"] is False
        finally:
            await peer.aclose()

    # Every call resolved exactly once: answered, or a UnityError.
    calls = len(outcomes.answered) + len(outcomes.failed)
    print(
        f"\n{reloads} reloads in {took:.2f}s; {calls} calls: "
        f"{len(outcomes.answered)} answered, {len(outcomes.failed)} failed "
        f"{dict(Counter(_kind(f[2]) for f in outcomes.failed))}"
    )
    assert outcomes.answered, "no command got through the storm"
    assert all(str(f[2]) for f in outcomes.failed), "an error without a message"
    assert all(isinstance(f[2], ConnectionLostError) for f in outcomes.failed), [
        (f[0], repr(f[2])) for f in outcomes.failed if not isinstance(f[2], ConnectionLostError)
    ][:3]
    assert outcomes.created, "no create got through the storm"
    # No mutation applied twice; every answered create applied exactly once. A create lost
    # before its ack reached the server may still have run (the ack can die with the
    # socket, PROTOCOL.md 1.1 §6.1), so its error must never call it safe to retry.
    in_scene = Counter(
        obj.name for obj in editor.graph.objects.values() if obj.name.startswith("storm-")
    )
    assert all(count == 1 for count in in_scene.values()), in_scene.most_common(3)
    assert all(in_scene[name] == 1 for name in outcomes.created)
    lost_creates = [f[2] for f in outcomes.failed if f[0] == "create_gameobject"]
    assert all("check before retrying" in str(exc) for exc in lost_creates), lost_creates[:3]
    assert not [exc for exc in lost_creates if "safe to retry" in str(exc)]
    assert all(in_scene[name] <= 1 for name in outcomes.lost_unacked)
    # The server never saw two answers for one command, nor an answer it could not place.
    complaints = [m for m in peer.received if m["type"] == "error"]
    assert complaints == [], complaints[:3]


async def test_reload_storm_answers_every_command_once_and_applies_no_mutation_twice() -> None:
    """Guarantee: through 100 back-to-back domain reloads (20 ms of editor ticks
    between two; the full size is the default, it runs in about 3 s) with reads and
    creates of uniquely named objects coming from 6 concurrent callers, every command is
    answered exactly once or fails with a ``UnityError`` that says why, and the only
    failure is ``ConnectionLostError`` for a command in flight when a reload closed the
    socket (never "not connected" or a timeout: a reloading session is waited for); no
    create is applied twice, every answered create is in the scene exactly once, a
    create lost before Unity acked it is not in the scene; Unity never receives a
    duplicate/unknown-response complaint; the session ends connected on conn_seq 101 and
    answers; nothing stays pending and no task leaks."""
    await storm(RELOADS, GAP)


async def test_reload_storm_with_no_editor_tick_between_reloads() -> None:
    """Guarantee: the same, over 10 reloads with no pause at all between them (the
    session is never idle): a call that arrives mid-storm waits for the session to be
    ready and is answered after it (or, if it was in flight, fails with
    ``ConnectionLostError``); none hangs, none fails as "not connected"."""
    await storm(10, 0.0)


def _kind(exc: UnityError) -> str:
    if isinstance(exc, ConnectionLostError):
        return f"ConnectionLostError(delivered={exc.delivered})"
    return type(exc).__name__
