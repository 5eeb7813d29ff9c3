"""The project directory's rules on a given ``now``: no sockets, no clock, no sleeps
(targeting, the ambiguous project, reconnect grace, stale compile expiry)."""

from __future__ import annotations

import pytest

from movesia_mcp import AmbiguousProjectError, NotConnectedError, UnityManagerConfig
from movesia_mcp._config import HeartbeatConfig
from movesia_mcp._directory import ProjectDirectory
from movesia_mcp._envelope import MovesiaMessage
from movesia_mcp._handshake import Identity, normalise_project_path
from movesia_mcp._unity_events import interpret
from movesia_mcp._unity_session import UnitySession

CONFIG = UnityManagerConfig(
    reconnect_grace=5.0,
    interrupt_timeout=120.0,
    heartbeat=HeartbeatConfig(compile_suspend_ms=60_000),
)
NOW = 1000.0


def project(directory: ProjectDirectory, sid: str, path: str, *, live: bool = True) -> UnitySession:
    session = UnitySession(Identity(sid, 1, project_path=path))
    session.bound_path = normalise_project_path(path)
    if live:
        session.connection = object()  # type: ignore[assignment]
    directory.sessions[sid] = session
    return session


def test_the_only_connected_project_is_the_target() -> None:
    directory = ProjectDirectory(CONFIG)
    game = project(directory, "a", "/p/Game")

    assert directory.find(None, NOW) is game


def test_no_project_connected_is_not_connected() -> None:
    with pytest.raises(NotConnectedError, match="no Unity editor is connected"):
        ProjectDirectory(CONFIG).find(None, NOW)


def test_two_connected_projects_without_a_choice_are_ambiguous() -> None:
    directory = ProjectDirectory(CONFIG)
    project(directory, "a", "/p/Game")
    project(directory, "b", "/p/Tools")

    with pytest.raises(AmbiguousProjectError) as caught:
        directory.find(None, NOW)

    assert sorted(caught.value.projects) == ["Game", "Tools"]


def test_two_projects_of_the_same_name_are_ambiguous_by_name_but_not_by_path() -> None:
    directory = ProjectDirectory(CONFIG)
    project(directory, "a", "/one/Game")
    second = project(directory, "b", "/two/Game")

    with pytest.raises(AmbiguousProjectError):
        directory.find("game", NOW)
    assert directory.find("/two/Game/", NOW) is second
    assert directory.find("b", NOW) is second


def test_the_selected_project_is_the_default_target() -> None:
    directory = ProjectDirectory(CONFIG)
    project(directory, "a", "/p/Game")
    tools = project(directory, "b", "/p/Tools")

    directory.select("Tools", NOW)

    assert directory.find(None, NOW) is tools
    directory.select(None, NOW)
    with pytest.raises(AmbiguousProjectError):
        directory.find(None, NOW)


def test_a_plain_drop_is_expected_back_within_the_reconnect_grace() -> None:
    directory = ProjectDirectory(CONFIG)
    game = project(directory, "a", "/p/Game")

    directory.dropped(game, NOW, holds_commands=False)

    assert game.status(NOW + 4.9) == "reconnecting"
    assert directory.find(None, NOW + 4.9) is game
    assert game.status(NOW + 5.0) == "offline"
    with pytest.raises(NotConnectedError):
        directory.find(None, NOW + 5.0)


@pytest.mark.parametrize("compiling", [True, False], ids=["compiling", "holding-commands"])
def test_a_drop_during_a_reload_is_expected_back_for_the_interrupt_timeout(
    compiling: bool,
) -> None:
    directory = ProjectDirectory(CONFIG)
    game = project(directory, "a", "/p/Game")
    game.compiling = compiling

    directory.dropped(game, NOW, holds_commands=not compiling)

    assert game.status(NOW + 119.0) == "reconnecting"
    assert game.status(NOW + 120.0) == "offline"


def test_a_compile_without_compile_finished_expires_after_the_longer_window() -> None:
    directory = ProjectDirectory(CONFIG)
    game = project(directory, "a", "/p/Game")
    interpret(
        game, MovesiaMessage.create("compile_started", {}), NOW, sender=game.identity, pending=False
    )

    assert directory.is_compiling(NOW + 119.0)  # max(60 s suspend, 120 s interrupt)
    assert directory.is_compiling(NOW + 121.0) is False
    assert game.compiling is False


def test_offline_projects_with_nothing_pending_are_forgotten() -> None:
    directory = ProjectDirectory(CONFIG)
    gone = project(directory, "a", "/p/Gone", live=False)
    busy = project(directory, "b", "/p/Busy", live=False)
    project(directory, "c", "/p/Live")

    assert directory.offline(NOW, busy={"b"}) == ["a"]
    assert set(directory.sessions) == {"b", "c"}
    assert gone.session_id not in directory.sessions
    assert busy.session_id in directory.sessions


def test_admission_of_another_project_into_an_unclaimed_session_starts_afresh() -> None:
    directory = ProjectDirectory(CONFIG)
    project(directory, "a", "/p/Game", live=False)

    admission = directory.admit(Identity("a", 2, project_path="/q/Other"), claimed=False)

    assert admission.refused is None
    assert admission.fresh is True


def test_admission_of_another_project_into_a_claimed_session_is_refused_4006() -> None:
    directory = ProjectDirectory(CONFIG)
    project(directory, "a", "/p/Game")

    admission = directory.admit(Identity("a", 2, project_path="/q/Other"), claimed=True)

    assert admission.refused is not None
    assert admission.refused[0] == 4006
