"""The directory's plans for a handshake, with no sockets and no clock (PROTOCOL.md §3.4
to §3.8, §6.2): ``arrive`` (admission, then the takeover table) and ``attach`` (the
session a live connection serves, its secret, its welcome, the cancels to tell)."""

from __future__ import annotations

from typing import cast

from starlette.websockets import WebSocket

from movesia_mcp import UnityManagerConfig
from movesia_mcp._connection import UnityConnection
from movesia_mcp._directory import Admission, ProjectDirectory
from movesia_mcp._envelope import PROTOCOL_VERSION, CloseCode
from movesia_mcp._handshake import Identity, normalise_project_path
from movesia_mcp._sessions import SessionTable
from movesia_mcp._unity_session import UnitySession
from movesia_mcp._version import __version__

WALL = 1_700_000_000.0


def editor(
    conn_seq: int = 1,
    path: str | None = "/p/Game",
    *capabilities: str,
    secret: str | None = None,
    sid: str = "s",
    unity: str | None = None,
) -> UnityConnection:
    """A connection as the handshake leaves it; its socket is never touched."""
    identity = Identity(
        sid,
        conn_seq,
        project_path=path,
        unity_version=unity,
        capabilities=frozenset(capabilities),
        session_secret=secret,
    )
    return UnityConnection(cast(WebSocket, None), identity)


def fresh() -> tuple[ProjectDirectory, SessionTable[UnityConnection]]:
    """An empty directory and takeover table."""
    return ProjectDirectory(UnityManagerConfig()), SessionTable[UnityConnection]()


def known(
    directory: ProjectDirectory,
    path: str = "/p/Game",
    *,
    secret: str | None = "the-secret",
    live: UnityConnection | None = None,
    table: SessionTable[UnityConnection] | None = None,
) -> UnitySession:
    """A session the directory knows, bound to ``path``; with ``live``, connected."""
    session = UnitySession(Identity("s", live.conn_seq if live else 1, project_path=path))
    session.bound_path = normalise_project_path(path)
    session.secret = secret
    session.requires_secret = secret is not None
    directory.sessions["s"] = session
    if live is not None:
        session.connection = live
        assert table is not None
        table.accept("s", live.conn_seq, live)
    return session


# ── arrive: admission, then takeover (§3.4, §3.7, §3.8) ─────────────────────────────


def test_arrival_with_no_live_connection_is_accepted_and_supersedes_nobody() -> None:
    directory, table = fresh()
    new = editor(1, "/p/Game", "dedup")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused is None
    assert arrival.supersede is None
    assert arrival.admission.fresh is True
    assert table.live("s") is new


def test_arrival_with_a_newer_conn_seq_supersedes_the_live_connection() -> None:
    directory, table = fresh()
    old = editor(1, "/p/Game", "dedup", secret="the-secret")
    known(directory, live=old, table=table)
    new = editor(2, "/p/Game", "dedup", secret="the-secret")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused is None
    assert arrival.supersede is old
    assert arrival.reason == "superseded by conn_seq 2 (was 1)"
    assert arrival.admission.secret_ok is True
    assert table.live("s") is new


def test_arrival_with_a_conn_seq_not_newer_is_refused_with_4002() -> None:
    directory, table = fresh()
    old = editor(3, "/p/Game", "dedup", secret="the-secret")
    known(directory, live=old, table=table)
    new = editor(3, "/p/Game", "dedup", secret="the-secret")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused == (
        CloseCode.DUPLICATE_SESSION,
        "duplicate_session: conn_seq 3 is not newer than live conn_seq 3",
    )
    assert arrival.supersede is None
    assert table.live("s") is old


def test_arrival_of_another_project_into_a_live_session_is_refused_4006() -> None:
    directory, table = fresh()
    old = editor(1, "/p/Game", "dedup", secret="the-secret")
    known(directory, live=old, table=table)
    new = editor(2, "/q/Other", "dedup", secret="the-secret")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused is not None
    assert arrival.refused[0] == CloseCode.PROJECT_MISMATCH
    assert arrival.supersede is None
    assert table.live("s") is old  # the live connection is untouched


def test_arrival_without_the_secret_into_a_live_1_1_session_is_refused_4003() -> None:
    directory, table = fresh()
    old = editor(1, "/p/Game", "dedup", secret="the-secret")
    known(directory, live=old, table=table)

    for secret in (None, "a-wrong-one"):
        new = editor(2, "/p/Game", "dedup", secret=secret)
        arrival = directory.arrive(new.identity, new, table, pending=False)

        assert arrival.refused is not None
        assert arrival.refused[0] == CloseCode.AUTHENTICATION_FAILED
        assert table.live("s") is old


def test_arrival_that_would_adopt_pending_commands_must_present_the_secret() -> None:
    directory, table = fresh()
    known(directory)  # no live connection, but commands wait for the session
    new = editor(2, "/p/Game", "dedup")

    arrival = directory.arrive(new.identity, new, table, pending=True)

    assert arrival.refused is not None
    assert arrival.refused[0] == CloseCode.AUTHENTICATION_FAILED
    assert table.live("s") is None


def test_arrival_into_an_idle_session_may_claim_it_without_the_secret() -> None:
    directory, table = fresh()
    known(directory)  # nothing live, nothing pending
    new = editor(2, "/p/Game", "dedup")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused is None
    assert arrival.admission == Admission(fresh=False, secret_ok=False)
    assert table.live("s") is new


def test_arrival_of_a_version_1_editor_into_a_version_1_session_needs_no_secret() -> None:
    directory, table = fresh()
    old = editor(1, "/p/Game")
    known(directory, secret=None, live=old, table=table)
    new = editor(2, "/p/Game")

    arrival = directory.arrive(new.identity, new, table, pending=False)

    assert arrival.refused is None
    assert arrival.supersede is old


# ── learns_project_first (§3.8) ─────────────────────────────────────────────────────


def test_a_query_naming_no_project_for_a_bound_claimed_session_waits_for_the_hello() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    known(directory)
    anonymous = Identity("s", 2)

    assert directory.learns_project_first(anonymous, claimed=True) is True
    assert directory.learns_project_first(anonymous, claimed=False) is False
    named = Identity("s", 2, project_path="/p/Game")
    assert directory.learns_project_first(named, claimed=True) is False
    assert directory.learns_project_first(Identity("unknown", 2), claimed=True) is False


# ── attach: the session a live connection serves (§3.5 to §3.8, §6.2) ───────────────


def test_a_new_1_1_session_is_welcomed_with_its_capabilities_and_a_new_secret() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    new = editor(1, "/p/Game/", "dedup", "command_ack")

    plan = directory.attach(new, Admission(fresh=True), connected_at=WALL)

    session = directory.sessions["s"]
    assert plan.session is session
    assert session.connection is new
    assert session.connected_at == WALL
    assert session.reconnects == 0
    assert session.requires_secret is True
    assert session.secret is not None
    assert len(session.secret) >= 22  # 128 bits or more, URL-safe base64
    assert plan.welcome == {
        "session": "s",
        "conn_seq": 1,
        "server": "movesia-mcp",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
        "capabilities": ["command_ack", "dedup"],
        "session_secret": session.secret,
    }
    assert plan.identity == new.identity
    assert plan.forget_previous is False


def test_the_first_connection_binds_the_session_to_its_project() -> None:
    directory = ProjectDirectory(UnityManagerConfig())

    directory.attach(editor(1, "/p/Game/", "dedup"), Admission(fresh=True), connected_at=WALL)

    assert directory.sessions["s"].bound_path == normalise_project_path("/p/Game")
    assert directory.is_bound("s")


def test_a_version_1_editor_is_welcomed_as_in_1_0_without_capabilities_or_secret() -> None:
    directory = ProjectDirectory(UnityManagerConfig())

    plan = directory.attach(editor(1, "/p/Game"), Admission(fresh=True), connected_at=WALL)

    assert plan.welcome == {
        "session": "s",
        "conn_seq": 1,
        "server": "movesia-mcp",
        "version": __version__,
        "protocol": PROTOCOL_VERSION,
    }
    assert plan.session.secret is None
    assert plan.session.requires_secret is False
    assert plan.acks_commands is False


def test_a_reconnect_presenting_the_secret_keeps_it_and_counts_a_reconnect() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    session = known(directory)
    session.identity = Identity("s", 1, project_path="/p/Game", unity_version="6000.0.1f1")
    new = editor(2, None, "cancel", secret="the-secret")

    plan = directory.attach(new, Admission(secret_ok=True), connected_at=WALL)

    assert plan.session is session
    assert session.reconnects == 1
    assert session.secret == "the-secret"
    assert "session_secret" not in plan.welcome
    assert plan.welcome["capabilities"] == ["cancel"]
    # The record keeps what it knew; the connection keeps what it declared and presented.
    assert session.identity.conn_seq == 2
    assert session.identity.project_path == "/p/Game"
    assert session.identity.unity_version == "6000.0.1f1"
    assert plan.identity.project_path == "/p/Game"
    assert plan.identity.capabilities == frozenset({"cancel"})
    assert plan.identity.session_secret == "the-secret"


def test_a_1_1_claim_of_an_idle_session_without_the_secret_gets_a_new_one() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    session = known(directory, secret="the-lost-secret")

    plan = directory.attach(editor(2, "/p/Game", "dedup"), Admission(), connected_at=WALL)

    assert plan.session is session
    assert session.secret not in (None, "the-lost-secret")
    assert plan.welcome["session_secret"] == session.secret


def test_a_version_1_reconnect_forgets_the_secret_it_cannot_present() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    session = known(directory, secret="the-secret")

    plan = directory.attach(editor(2, "/p/Game"), Admission(), connected_at=WALL)

    assert "session_secret" not in plan.welcome
    assert session.secret is None
    assert session.requires_secret is False


def test_another_project_taking_an_unclaimed_id_starts_a_new_record() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    old = known(directory, "/p/Game")
    old.cancel_on_reconnect.append("r-of-game")
    old.reconnects = 4
    new = editor(2, "/q/Other", "cancel")

    plan = directory.attach(new, Admission(fresh=True), connected_at=WALL)

    assert plan.session is not old
    assert directory.sessions["s"] is plan.session
    assert plan.session.bound_path == normalise_project_path("/q/Other")
    assert plan.session.reconnects == 0
    assert plan.forget_previous is True  # the old project's acking and heartbeat state
    assert plan.cancels == ()  # nothing of /p/Game moves over


def test_requests_cancelled_while_away_are_told_to_an_editor_that_declares_cancel() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    session = known(directory)
    session.cancel_on_reconnect.extend(["r-1", "r-2"])
    new = editor(2, "/p/Game", "cancel", secret="the-secret")

    plan = directory.attach(new, Admission(secret_ok=True), connected_at=WALL)

    assert plan.cancels == ("r-1", "r-2")
    assert list(session.cancel_on_reconnect) == []


def test_requests_cancelled_while_away_are_dropped_for_an_editor_without_cancel() -> None:
    directory = ProjectDirectory(UnityManagerConfig())
    session = known(directory)
    session.cancel_on_reconnect.append("r-1")
    new = editor(2, "/p/Game", "dedup", secret="the-secret")

    plan = directory.attach(new, Admission(secret_ok=True), connected_at=WALL)

    assert plan.cancels == ()
    assert list(session.cancel_on_reconnect) == []


def test_an_editor_declaring_command_ack_makes_its_session_acking() -> None:
    directory = ProjectDirectory(UnityManagerConfig())

    acking = directory.attach(
        editor(1, "/p/Game", "command_ack"), Admission(fresh=True), connected_at=WALL
    )
    other = directory.attach(
        editor(1, "/p/Tools", "dedup", sid="t"), Admission(fresh=True), connected_at=WALL
    )

    assert acking.acks_commands is True
    assert other.acks_commands is False
