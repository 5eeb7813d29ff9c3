"""The 1.1 rules one at a time, with no sockets (PROTOCOL.md §3.6 to §3.8, §6.1, §6.2).

``should_resend`` is a truth table; the manager's admission, cancellation and project
choice run on a fake clock (``UnityManager(clock=...)``) and fake sockets that record frames.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from movesia_mcp import (
    AmbiguousProjectError,
    CommandTimeoutError,
    ConnectionLostError,
    UnityManager,
    UnityManagerConfig,
)
from movesia_mcp._commands import (
    CommandState,
    CommandTable,
    PendingCommand,
    ResponseKind,
    should_resend,
)
from movesia_mcp._connection import UnityConnection
from movesia_mcp._envelope import CloseCode, MovesiaMessage
from movesia_mcp._handshake import (
    Identity,
    capabilities_of,
    identify,
    new_session_secret,
    normalise_project_path,
)
from movesia_mcp._security import secret_matches
from movesia_mcp._unity_session import UnitySession

# ── should_resend (§6.1) ────────────────────────────────────────────────────────────


def command(
    *,
    written: bool = True,
    survives_reload: bool = True,
    idempotent: bool = False,
    state: CommandState = CommandState.SENT,
    session: str = "s",
    command_id: str = "r-1",
    connection: Any = None,
) -> PendingCommand[Any]:
    loop = asyncio.get_running_loop()
    return PendingCommand(
        id=command_id,
        command_type="write_script",
        session_id=session,
        params={},
        survives_reload=survives_reload,
        future=loop.create_future(),
        connection=connection,
        state=state,
        idempotent=idempotent,
        written=written,
    )


SENT, ACKED = CommandState.SENT, CommandState.ACKED


@pytest.mark.parametrize(
    ("written", "survives", "idempotent", "state", "dedup", "acks", "legacy", "expected"),
    [
        # Never written to any socket: Unity cannot have it, whatever the editor is.
        (False, False, False, SENT, False, False, True, True),
        (False, True, False, SENT, False, False, False, True),
        # Not reload-surviving: failed at the disconnect, never resent.
        (True, False, True, SENT, True, True, False, False),
        # dedup: every unanswered reload-surviving command, acked or not.
        (True, True, False, SENT, True, False, False, True),
        (True, True, False, ACKED, True, True, False, True),
        # 1.1 without dedup: idempotent, never acked, by an editor that acks.
        (True, True, True, SENT, False, True, False, True),
        (True, True, False, SENT, False, True, False, False),
        (True, True, True, ACKED, False, True, False, False),
        (True, True, True, SENT, False, False, False, False),
        # version 1 (declares nothing): never acked by an editor that acks.
        (True, True, False, SENT, False, True, True, True),
        (True, True, False, ACKED, False, True, True, False),
        (True, True, True, SENT, False, False, True, False),
    ],
)
async def test_should_resend_truth_table(
    written: bool,
    survives: bool,
    idempotent: bool,
    state: CommandState,
    dedup: bool,
    acks: bool,
    legacy: bool,
    expected: bool,
) -> None:
    pending = command(written=written, survives_reload=survives, idempotent=idempotent, state=state)
    assert should_resend(pending, dedup=dedup, acks_commands=acks, legacy=legacy) is expected


async def test_to_resend_uses_the_new_connections_capabilities() -> None:
    table: CommandTable[Any] = CommandTable()
    acked = command(command_id="r-acked", state=ACKED)
    table.add(acked)
    table.declare_acking("s")
    assert table.to_resend("s", dedup=True, legacy=False) == [acked]
    assert table.to_resend("s", dedup=False, legacy=False) == []
    assert table.to_resend("s", dedup=False, legacy=True) == []


# ── session-scoped correlation ──────────────────────────────────────────────────────


async def test_answers_and_acks_count_only_for_the_commands_session() -> None:
    table: CommandTable[Any] = CommandTable()
    mine = command(session="a")
    table.add(mine)
    answer = MovesiaMessage.create("x_response", {"request_id": "r-1"}, msg_id="r-1")

    assert table.response_for(answer, "b") is None
    assert table.ack("r-1", "b") is False
    assert mine.state is SENT
    assert table.response_for(answer, "a") is mine
    assert table.ack("r-1", "a") is True
    table.answer(mine, {})
    assert table.classify_orphan(answer, "b") is ResponseKind.UNKNOWN
    assert table.classify_orphan(answer, "a") is ResponseKind.DUPLICATE


async def test_give_up_says_whether_the_command_was_pending() -> None:
    table: CommandTable[Any] = CommandTable()
    pending = command()
    table.add(pending)
    assert table.give_up(pending, CommandState.CANCELLED) is True
    assert table.give_up(pending, CommandState.CANCELLED) is False


# ── handshake fields (§3.6, §3.7, §3.8) ─────────────────────────────────────────────


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["command_ack", "dedup", "cancel"], {"command_ack", "dedup", "cancel"}),
        (["dedup", "warp", 3, None, ["cancel"]], {"dedup"}),
        ("dedup", set()),
        ({"dedup": True}, set()),
        (None, set()),
    ],
)
def test_capabilities_keep_known_names_and_ignore_everything_else(
    raw: object, expected: set[str]
) -> None:
    assert capabilities_of(raw) == expected


def test_secret_comes_from_the_handshake_or_the_query_and_is_not_in_repr() -> None:
    seed = {"session_id": "s", "session_secret": "from-seed"}
    assert identify({"secret": "from-query"}, seed).session_secret == "from-seed"
    assert identify({"secret": "from-query"}, {"session_id": "s"}).session_secret == "from-query"
    hello = {"type": "hello", "id": "h", "body": {"session_id": "s", "session_secret": "h-s"}}
    identity = identify({}, hello)
    assert identity.session_secret == "h-s"
    assert "h-s" not in repr(identity)
    assert identify({}, {"session_id": "s", "session_secret": 17}).session_secret is None


def test_session_secrets_are_long_random_and_compared_exactly() -> None:
    a, b = new_session_secret(), new_session_secret()
    assert a != b
    assert len(a) >= 22  # >= 128 bits in URL-safe base64
    assert secret_matches(a, a)
    assert not secret_matches(a, b)
    assert not secret_matches(None, a)
    assert not secret_matches(a, None)


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("/p/Game", "/p/Game/", True),
        ("/p/Game", "/p//Game", True),
        ("/p/Game", "/p/Game/Assets", True),
        ("C:\\Work\\Game", "c:/work/game/", True),
        ("/p/Game", "/q/Game", False),
    ],
)
def test_project_paths_compare_after_normalising(left: str, right: str, same: bool) -> None:
    assert (normalise_project_path(left) == normalise_project_path(right)) is same


# ── the manager, on a fake clock ────────────────────────────────────────────────────


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeSocket:
    """Records what the server writes; stands in for Starlette's WebSocket."""

    application_state = WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send_text(self, text: str) -> None:
        self.frames.append(json.loads(text))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.application_state = WebSocketState.DISCONNECTED


def manager_on(clock: Clock) -> UnityManager:
    config = UnityManagerConfig(command_timeout=5.0, interrupt_timeout=10.0)
    return UnityManager(config, clock=clock)


async def courtesy_sends_done() -> None:
    """Let the sends the manager's task group started (a ``cancel``) run to the end."""
    for _ in range(20):
        await asyncio.sleep(0)


def connect(
    manager: UnityManager,
    session_id: str,
    path: str,
    *,
    capabilities: frozenset[str] = frozenset({"command_ack", "dedup", "cancel"}),
    secret: str | None = "the-secret",
    conn_seq: int = 1,
) -> tuple[UnitySession, UnityConnection, FakeSocket]:
    socket = FakeSocket()
    identity = Identity(session_id, conn_seq, project_path=path, capabilities=capabilities)
    connection = UnityConnection(socket, identity)  # type: ignore[arg-type]
    session = UnitySession(identity, connection=connection)
    session.secret = secret
    session.requires_secret = bool(capabilities)
    session.bound_path = normalise_project_path(path)
    manager.sessions[session_id] = session
    manager.table.accept(session_id, conn_seq, connection)
    return session, connection, socket


def claim(session_id: str, path: str, secret: str | None = None, conn_seq: int = 9) -> Identity:
    return Identity(
        session_id,
        conn_seq,
        project_path=path,
        capabilities=frozenset({"dedup"}),
        session_secret=secret,
    )


async def test_admission_of_a_live_session_needs_the_secret_and_the_same_project() -> None:
    manager = manager_on(Clock())
    connect(manager, "s", "/p/Game")

    no_secret = manager._admit(claim("s", "/p/Game"))
    wrong = manager._admit(claim("s", "/p/Game", "nope"))
    other = manager._admit(claim("s", "/q/Other", "the-secret"))
    right = manager._admit(claim("s", "/p/Game/", "the-secret"))

    assert no_secret.refused is not None
    assert no_secret.refused[0] == CloseCode.AUTHENTICATION_FAILED
    assert wrong.refused is not None
    assert wrong.refused[0] == CloseCode.AUTHENTICATION_FAILED
    assert other.refused is not None
    assert other.refused[0] == CloseCode.PROJECT_MISMATCH
    assert right.refused is None
    assert right.secret_ok is True


async def test_admission_of_a_session_with_only_pending_commands_is_guarded_too() -> None:
    manager = manager_on(Clock())
    session, connection, _ = connect(manager, "s", "/p/Game")
    manager.table.release("s", connection)
    session.connection = None
    manager.commands.add(command(session="s"))

    refused = manager._admit(claim("s", "/p/Game"))

    assert refused.refused is not None
    assert refused.refused[0] == CloseCode.AUTHENTICATION_FAILED


async def test_an_idle_session_may_be_claimed_without_the_secret() -> None:
    manager = manager_on(Clock())
    session, connection, _ = connect(manager, "s", "/p/Game")
    manager.table.release("s", connection)
    session.connection = None

    same = manager._admit(claim("s", "/p/Game"))
    other = manager._admit(claim("s", "/q/Other"))

    assert same.refused is None
    assert same.fresh is False
    assert other.refused is None
    assert other.fresh is True  # a new session record: nothing of /p/Game moves over


async def test_a_version_1_session_is_taken_over_as_in_version_1() -> None:
    manager = manager_on(Clock())
    connect(manager, "s", "/p/Game", capabilities=frozenset(), secret=None)

    admission = manager._admit(Identity("s", 2, project_path="/p/Game"))

    assert admission.refused is None


async def test_timeout_forgets_the_command_and_cancels_it_in_an_editor_that_declares_cancel() -> (
    None
):
    clock = Clock()
    manager = manager_on(clock)
    _, connection, socket = connect(manager, "s", "/p/Game")
    pending = command(session="s", connection=connection)
    manager.commands.add(pending)
    started = clock.now
    clock.now += 6.0

    async with manager.running():
        manager._time_out(pending, started)
        await courtesy_sends_done()

        assert pending.state is CommandState.TIMED_OUT
        assert isinstance(pending.future.exception(), CommandTimeoutError)
        assert "r-1" not in manager.commands
        frames = [(f["type"], f["body"]) for f in socket.frames]
        assert frames == [("cancel", {"request_id": "r-1"})]


async def test_no_cancel_for_an_editor_that_did_not_declare_it() -> None:
    manager = manager_on(Clock())
    _, connection, socket = connect(manager, "s", "/p/Game", capabilities=frozenset({"dedup"}))
    pending = command(session="s", connection=connection)
    manager.commands.add(pending)

    async with manager.running():
        manager._time_out(pending, 0.0)
        await courtesy_sends_done()

        assert pending.state is CommandState.TIMED_OUT
        assert socket.frames == []


async def test_a_command_cancelled_while_detached_is_cancelled_on_the_next_connection() -> None:
    manager = manager_on(Clock())
    session, _, _ = connect(manager, "s", "/p/Game")
    pending = command(session="s", connection=None)
    manager.commands.add(pending)

    manager._time_out(pending, 0.0)

    assert list(session.cancel_on_reconnect) == ["r-1"]


async def test_a_command_never_written_is_not_cancelled_anywhere() -> None:
    manager = manager_on(Clock())
    session, connection, socket = connect(manager, "s", "/p/Game")
    pending = command(session="s", connection=connection, written=False)
    manager.commands.add(pending)

    async with manager.running():
        manager._time_out(pending, 0.0)
        await courtesy_sends_done()

        assert socket.frames == []
        assert list(session.cancel_on_reconnect) == []


async def test_same_name_is_ambiguous_only_among_sessions_that_are_not_offline() -> None:
    clock = Clock()
    manager = manager_on(clock)
    connect(manager, "a", "/projects/a/Game")
    b, b_connection, _ = connect(manager, "b", "/projects/b/Game")

    with pytest.raises(AmbiguousProjectError) as ambiguous:
        manager.find_session("game")
    assert "/projects/a/Game" in str(ambiguous.value)
    assert "/projects/b/Game" in str(ambiguous.value)
    assert manager.find_session("/projects/b/Game") is b
    assert manager.find_session("b") is b

    # b goes away and its grace runs out on the clock: only a is left to match.
    manager.table.release("b", b_connection)
    b.connection = None
    b.expected_back_until = clock.now + 5.0
    with pytest.raises(AmbiguousProjectError):
        manager.find_session("Game")  # still reconnecting: still a candidate
    clock.now += 6.0
    assert manager.find_session("Game") is manager.sessions["a"]


# ── one deadline sweep, and its send watchdog, on the fake clock ────────────────────


class StuckSocket(FakeSocket):
    """An editor that stopped reading: every send blocks."""

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()


async def test_one_sweep_times_out_a_command_past_its_deadline() -> None:
    clock = Clock()
    manager = manager_on(clock)
    _, _, socket = connect(manager, "s", "/p/Game")
    async with manager.running():
        call = asyncio.create_task(manager.execute("echo", {}, project="/p/Game"))
        await courtesy_sends_done()
        [sent] = socket.frames
        clock.now += 4.9
        manager.dispatch.sweep(clock.now)
        await courtesy_sends_done()
        assert not call.done()  # its deadline (5 s) has not passed

        clock.now += 0.2
        manager.dispatch.sweep(clock.now)

        with pytest.raises(CommandTimeoutError, match="'echo'"):
            await call
        assert sent["id"] not in manager.commands


async def test_the_sweep_watchdog_closes_a_connection_whose_send_is_stuck() -> None:
    clock = Clock()
    manager = manager_on(clock)
    _, connection, _ = connect(manager, "s", "/p/Game")
    stuck = StuckSocket()
    connection.websocket = stuck  # type: ignore[assignment]
    connection.clock = clock
    connection.send_timeout = 3.0
    async with manager.running():
        call = asyncio.create_task(manager.execute("echo", {}, project="/p/Game"))
        await courtesy_sends_done()
        clock.now += 2.9
        manager.dispatch.sweep(clock.now)
        await courtesy_sends_done()
        assert not call.done()
        assert not connection.closed

        clock.now += 0.2
        manager.dispatch.sweep(clock.now)

        with pytest.raises(ConnectionLostError, match="stopped reading"):
            await call
        assert connection.close_code == CloseCode.POLICY_VIOLATION
        assert connection.close_reason.startswith("slow_consumer")
        assert len(manager.commands) == 0


def test_a_manager_runs_again_in_a_second_event_loop() -> None:
    """An embedder that restarts its loop (or tests with a loop per test around one
    manager) runs the same manager again: the sweep's wake-up is made on each loop."""
    manager = UnityManager()

    async def run_once() -> bool:
        async with manager.running():
            for _ in range(5):  # the sweep starts and sleeps on its wake-up
                await asyncio.sleep(0)
            return manager.dispatch.sweeping

    assert asyncio.run(run_once()) is True
    assert asyncio.run(run_once()) is True
