"""Fuzzing 1.1 admission (PROTOCOL.md §3.7, §3.8) against an independent model.

One session id, three editors (two of project A, one of project B), random steps:
connect (with the editor's own secret, none, a wrong one, or one stolen from another
editor; declaring capabilities or not), drop a connection, give the session a pending
command, finish the pending commands. Each connection goes through the manager's real
``_serve_socket`` on a fake socket. The model, written from the protocol text:

- a session that is live or has commands pending is *claimed*: a connection for
  another project is closed with 4006; one for the same project without the current
  secret is closed with 4003 once an editor of the session declared a capability;
- an unclaimed session may be taken by anyone; by another project, it starts afresh;
- a 1.1 welcome that was not earned with the secret carries a new secret.

After every step: the pending commands are still the first project's, and the live
connection (if any) is the one the model expects.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st
from starlette.websockets import WebSocketState

from movesia_mcp import UnityManager, UnityManagerConfig
from movesia_mcp._commands import PendingCommand
from movesia_mcp._envelope import CloseCode

from .conftest import count, fuzz_settings

SESSION = "fuzz-session"
PROJECTS = ["/p/A", "/p/A", "/p/B"]  # editor index → project


class FakeSocket:
    """Enough of Starlette's WebSocket for ``_serve_socket``: a scripted inbox."""

    def __init__(self, first: dict[str, Any]) -> None:
        self.query_params: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.application_state = WebSocketState.CONNECTED
        self.sent: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(first)})

    async def receive(self) -> dict[str, Any]:
        return await self._inbox.get()

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.close_code is None:
            self.close_code = code
        self.application_state = WebSocketState.DISCONNECTED
        self._inbox.put_nowait({"type": "websocket.disconnect", "code": code})

    def drop(self) -> None:
        self._inbox.put_nowait({"type": "websocket.disconnect", "code": 1006})

    @property
    def welcome(self) -> dict[str, Any] | None:
        return next((m["body"] for m in self.sent if m["type"] == "welcome"), None)


@dataclass
class Model:
    bound: str | None = None
    secret: str | None = None  # the secret the server issued last (None: none valid)
    requires: bool = False
    live: int | None = None  # editor index
    pending: int = 0
    secrets: dict[int, str] = field(default_factory=dict)  # what each editor keeps


steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("connect"),
            st.integers(0, 2),
            st.sampled_from(["own", "none", "wrong", "stolen"]),
            st.booleans(),
        ),
        st.tuples(st.just("drop")),
        st.tuples(st.just("pend")),
        st.tuples(st.just("finish")),
    ),
    max_size=14,
)


async def run(plan: list[tuple[Any, ...]]) -> None:
    manager = UnityManager(UnityManagerConfig(reconnect_grace=0.0, interrupt_timeout=60.0))
    model = Model()
    sockets: dict[int, FakeSocket] = {}
    tasks: list[asyncio.Task[None]] = []
    futures: list[asyncio.Future[dict[str, Any]]] = []
    conn_seq = 0
    for step in plan:
        if step[0] == "connect":
            _, editor, how, declares = step
            conn_seq += 1
            presented = {
                "own": model.secrets.get(editor),
                "none": None,
                "wrong": "not-the-secret",
                "stolen": next((s for e, s in model.secrets.items() if e != editor), None),
            }[how]
            seed: dict[str, Any] = {
                "session_id": SESSION,
                "project_path": PROJECTS[editor],
                "conn_seq": conn_seq,
            }
            if declares:
                seed["capabilities"] = ["command_ack", "dedup"]
            if presented is not None:
                seed["session_secret"] = presented
            socket = FakeSocket(seed)
            claimed = model.live is not None or model.pending > 0
            same = model.bound is None or model.bound == PROJECTS[editor]
            # A secret proves the claim only to its own project's session.
            secret_ok = presented is not None and presented == model.secret and same
            if claimed and not same:
                expected: int | None = CloseCode.PROJECT_MISMATCH
            elif claimed and model.requires and not secret_ok:
                expected = CloseCode.AUTHENTICATION_FAILED
            else:
                expected = None
            tasks.append(asyncio.create_task(manager._serve_socket(socket)))  # type: ignore[arg-type]
            # A takeover of a live connection that holds commands first lets it route the
            # frames it already has (up to SUPERSEDE_DRAIN_S); otherwise a few loop turns.
            for turn in range(250):
                await asyncio.sleep(0 if turn < 50 else 0.01)
                if socket.welcome is not None or socket.close_code is not None:
                    break
            if expected is not None:
                assert socket.close_code == expected, (step, model, socket.close_code)
                assert socket.welcome is None
                continue
            welcome = socket.welcome
            assert welcome is not None, (step, model, socket.close_code)
            if model.live is not None:
                old = sockets[model.live]
                for _ in range(50):
                    if old.close_code is not None:
                        break
                    await asyncio.sleep(0)
                assert old.close_code == CloseCode.SUPERSEDED
            if not claimed and not same:
                model.requires = False
            model.bound = PROJECTS[editor] if (not claimed or model.bound is None) else model.bound
            if declares:
                if secret_ok:
                    assert "session_secret" not in welcome
                else:
                    assert isinstance(welcome.get("session_secret"), str)
                    assert welcome["session_secret"] != model.secret
                    model.secret = welcome["session_secret"]
                model.secrets[editor] = model.secret or ""
                model.requires = True
            else:
                assert "session_secret" not in welcome
                model.requires = secret_ok
                if not secret_ok:
                    model.secret = None
            model.live = editor
            sockets[editor] = socket
        elif step[0] == "drop":
            if model.live is not None:
                sockets[model.live].drop()
                model.live = None
                for _ in range(50):
                    await asyncio.sleep(0)
                    if manager.table.live(SESSION) is None:
                        break
                assert manager.table.live(SESSION) is None
        elif step[0] == "pend":
            session = manager.sessions.get(SESSION)
            if session is None or model.bound is None:
                continue
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            futures.append(future)
            manager.commands.add(
                PendingCommand(
                    id=f"r-{len(futures)}",
                    command_type="write_script",
                    session_id=SESSION,
                    params={"project": model.bound},
                    survives_reload=True,
                    future=future,
                    connection=session.connection,
                )
            )
            model.pending += 1
        elif step[0] == "finish":
            for command in manager.commands.pending():
                manager.commands.answer(command, {})
            model.pending = 0
        # Invariants: pending commands stay with their project; one live connection.
        session = manager.sessions.get(SESSION)
        for command in manager.commands.pending():
            assert session is not None
            assert session.bound_path == command.params["project"]
        live = manager.table.live(SESSION)
        if model.live is None:
            assert live is None
        else:
            assert live is not None
            assert cast(object, live.websocket) is sockets[model.live]
    for socket in sockets.values():
        socket.drop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for future in futures:
        future.cancel()


@fuzz_settings("admission")
@given(plan=steps)
def test_admission_follows_the_secret_and_project_rules(plan: list[tuple[Any, ...]]) -> None:
    count("admission")
    asyncio.run(run(plan))
