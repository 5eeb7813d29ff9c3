"""What one Unity event means, with no sockets and no clock (PROTOCOL.md §3.6, §3.8, §7):
``interpret`` updates the session's record and says what the links do."""

from __future__ import annotations

from typing import Any

from movesia_mcp._envelope import MovesiaMessage
from movesia_mcp._handshake import Identity, normalise_project_path
from movesia_mcp._unity_events import Effects, interpret
from movesia_mcp._unity_session import UnitySession

NOW = 500.0
EDITOR = Identity("s", 3, capabilities=frozenset({"dedup"}), session_secret="the-secret")


def event(kind: str, body: dict[str, Any] | None = None) -> MovesiaMessage:
    return MovesiaMessage.create(kind, body or {}, source="unity", session="s", msg_id="m-1")


def game(path: str | None = "/p/Game") -> UnitySession:
    session = UnitySession(Identity("s", 3, project_path=path, unity_version="6000.0.1f1"))
    session.bound_path = normalise_project_path(path)
    return session


# ── state events (§7) ───────────────────────────────────────────────────────────────


def test_compile_started_marks_the_project_compiling_since_now_and_suspends_the_heartbeat() -> None:
    session = game()

    effects = interpret(session, event("compile_started"), NOW, sender=EDITOR, pending=False)

    assert effects == Effects("compile", compiling=True, wake=True)
    assert session.compiling is True
    assert session.compile_started_mono == NOW


def test_compile_finished_ends_the_compile_and_keeps_its_result() -> None:
    session = game()
    session.compiling = True
    result = {"success": False, "errors": [{"message": "CS1002"}]}

    effects = interpret(
        session, event("compile_finished", result), NOW, sender=EDITOR, pending=False
    )

    assert effects == Effects("compile", compiling=False, wake=True)
    assert session.compiling is False
    assert session.last_compile == result


def test_selection_changed_is_the_current_selection() -> None:
    session = game()
    selection = {"instance_ids": [7, 9]}

    effects = interpret(
        session, event("selection_changed", selection), NOW, sender=EDITOR, pending=False
    )

    assert effects == Effects("selection")
    assert session.selection == selection


def test_any_other_event_is_published_as_an_event_and_changes_nothing() -> None:
    session = game()

    effects = interpret(
        session, event("scene_saved", {"path": "a.unity"}), NOW, sender=EDITOR, pending=False
    )

    assert effects == Effects("event")
    assert (session.compiling, session.last_compile, session.selection) == (False, None, None)
    assert session.identity == game().identity


def test_compile_events_of_a_forgotten_session_still_drive_the_heartbeat() -> None:
    started = interpret(None, event("compile_started"), NOW, sender=EDITOR, pending=False)
    finished = interpret(None, event("compile_finished"), NOW, sender=EDITOR, pending=False)

    assert started == Effects("compile", compiling=True)  # nobody to wake
    assert finished == Effects("compile", compiling=False)


# ── hello: the project and the capabilities (§3.6, §3.8) ────────────────────────────


def hello(**body: Any) -> MovesiaMessage:
    return event("hello", body)


def test_a_hello_binds_an_unbound_session_to_its_project() -> None:
    session = game(path=None)

    effects = interpret(
        session, hello(dataPath="/p/Game/Assets"), NOW, sender=EDITOR, pending=False
    )

    assert effects.kind == "connected"
    assert effects.reply is None
    assert session.bound_path == normalise_project_path("/p/Game")
    assert session.identity.project_path == "/p/Game"
    assert effects.identity is not None
    assert effects.identity.project_path == "/p/Game"


def test_a_hello_may_rebind_a_session_with_nothing_pending() -> None:
    session = game()

    effects = interpret(session, hello(project_path="/q/Other"), NOW, sender=EDITOR, pending=False)

    assert effects.reply is None
    assert session.bound_path == normalise_project_path("/q/Other")
    assert session.identity.project_path == "/q/Other"


def test_a_hello_naming_another_project_never_moves_pending_commands() -> None:
    session = game()
    message = hello(project_path="/q/Other", unityVersion="6000.1.0f1")

    effects = interpret(session, message, NOW, sender=EDITOR, pending=True)

    assert session.bound_path == normalise_project_path("/p/Game")
    assert session.identity.project_path == "/p/Game"
    assert session.identity.unity_version == "6000.1.0f1"  # the rest of the hello counts
    assert effects.kind == "connected"
    assert effects.reply is not None
    assert effects.reply.type == "error"
    assert effects.reply.body["code"] == "project_mismatch"
    assert effects.reply.body["ref_id"] == message.id
    assert effects.reply.session == "s"


def test_a_version_1_editor_is_not_sent_project_mismatch() -> None:
    session = game()
    version_1 = Identity("s", 3)

    effects = interpret(
        session, hello(project_path="/q/Other"), NOW, sender=version_1, pending=True
    )

    assert effects.reply is None
    assert session.bound_path == normalise_project_path("/p/Game")


def test_a_hello_refines_the_identity_under_the_connections_own_conn_seq() -> None:
    session = game()

    interpret(
        session, hello(unityVersion="6000.2.0f1", conn_seq=99), NOW, sender=EDITOR, pending=False
    )

    assert session.identity.conn_seq == EDITOR.conn_seq
    assert session.identity.unity_version == "6000.2.0f1"
    assert session.identity.project_path == "/p/Game"


def test_a_hello_declaring_command_ack_makes_the_session_acking() -> None:
    session = game()

    effects = interpret(
        session, hello(capabilities=["command_ack", "dedup"]), NOW, sender=EDITOR, pending=False
    )

    assert effects.acks_commands is True
    assert effects.identity is not None
    assert effects.identity.capabilities == frozenset({"command_ack", "dedup"})


def test_a_hello_without_capabilities_keeps_the_connections_own_and_its_secret() -> None:
    session = game()

    effects = interpret(session, hello(project_path="/p/Game"), NOW, sender=EDITOR, pending=False)

    assert effects.acks_commands is False
    assert effects.identity is not None
    assert effects.identity.capabilities == frozenset({"dedup"})
    assert effects.identity.session_secret == "the-secret"


def test_a_malformed_hello_changes_nothing_and_is_published_as_connected() -> None:
    session = game()
    before = session.identity

    effects = interpret(session, hello(conn_seq="seven"), NOW, sender=EDITOR, pending=False)

    assert effects == Effects("connected")
    assert session.identity is before


def test_a_hello_of_a_forgotten_session_is_published_as_connected() -> None:
    effects = interpret(None, hello(project_path="/p/Game"), NOW, sender=EDITOR, pending=False)

    assert effects == Effects("connected")
