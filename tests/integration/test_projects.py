"""Several editors connected at once: a command targets one project (PROTOCOL.md §6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from conftest import RunningServer
from movesia_mcp import AmbiguousProjectError, NotConnectedError
from movesia_mcp._simulator import SimulatedUnity

from .conftest import eventually


def whoami(name: str) -> Any:
    async def handler(params: dict[str, Any]) -> dict[str, Any]:
        return {"project": name}

    return handler


@asynccontextmanager
async def two_editors(server: RunningServer) -> AsyncIterator[tuple[SimulatedUnity, ...]]:
    async with AsyncExitStack() as stack:
        peers = []
        for name in ("Alpha", "Beta"):
            peer = server.peer(
                project_path=f"/Users/dev/Projects/{name}", handlers={"whoami": whoami(name)}
            )
            peers.append(await stack.enter_async_context(peer))
        yield tuple(peers)


@pytest.mark.parametrize("target", ["Beta", "beta", "/Users/dev/Projects/Beta"])
async def test_command_with_project_goes_to_that_editor(server: RunningServer, target: str) -> None:
    async with two_editors(server) as (alpha, beta):
        result = await server.manager.send_and_wait("whoami", project=target)
    assert result == {"project": "Beta"}
    assert alpha.commands_seen == []
    assert len(beta.commands_seen) == 1


async def test_command_with_project_session_id_goes_to_that_editor(
    server: RunningServer,
) -> None:
    async with two_editors(server) as (alpha, _beta):
        result = await server.manager.send_and_wait("whoami", project=alpha.session_id)
    assert result == {"project": "Alpha"}


async def test_command_without_project_is_ambiguous_when_several_are_connected(
    server: RunningServer,
) -> None:
    async with two_editors(server) as (alpha, beta):
        with pytest.raises(AmbiguousProjectError) as ambiguous:
            await server.manager.send_and_wait("whoami")
    assert sorted(ambiguous.value.projects) == ["Alpha", "Beta"]
    assert "Alpha" in str(ambiguous.value)
    assert "Beta" in str(ambiguous.value)
    assert alpha.commands_seen == beta.commands_seen == []


async def test_ambiguous_project_is_a_not_connected_error(server: RunningServer) -> None:
    async with two_editors(server):
        with pytest.raises(NotConnectedError):
            await server.manager.send_and_wait("whoami")


async def test_command_with_no_editor_connected_raises_not_connected(
    server: RunningServer,
) -> None:
    with pytest.raises(NotConnectedError) as not_connected:
        await server.manager.send_and_wait("whoami")
    assert not isinstance(not_connected.value, AmbiguousProjectError)


async def test_command_for_unknown_project_raises_not_connected(server: RunningServer) -> None:
    async with two_editors(server):
        with pytest.raises(NotConnectedError) as not_connected:
            await server.manager.send_and_wait("whoami", project="Gamma")
    assert "Gamma" in str(not_connected.value)


async def test_select_project_sets_the_default_target(server: RunningServer) -> None:
    async with two_editors(server) as (_alpha, beta):
        session = server.manager.select_project("Beta")
        assert session is not None
        assert server.manager.default_project == beta.session_id
        assert await server.manager.send_and_wait("whoami") == {"project": "Beta"}
        # An explicit project still wins over the default.
        assert await server.manager.send_and_wait("whoami", project="Alpha") == {"project": "Alpha"}
        server.manager.select_project(None)
        with pytest.raises(AmbiguousProjectError):
            await server.manager.send_and_wait("whoami")


async def test_select_unknown_project_raises_not_connected(server: RunningServer) -> None:
    async with two_editors(server):
        with pytest.raises(NotConnectedError):
            server.manager.select_project("Gamma")


async def test_single_editor_is_the_target_without_naming_it(server: RunningServer) -> None:
    async with server.peer(project_path="/p/Solo", handlers={"whoami": whoami("Solo")}):
        assert await server.manager.send_and_wait("whoami") == {"project": "Solo"}


async def test_offline_sessions_are_forgotten_by_the_sweep(server: RunningServer) -> None:
    manager = server.manager
    async with server.peer(project_path="/p/Gone") as peer:
        session_id = peer.session_id
    await eventually(lambda: manager.sessions[session_id].connection is None)
    manager.sessions[session_id].expected_back_until = 0.0  # its reconnect grace is over
    assert manager.forget_offline_sessions() == [session_id]
    assert session_id not in manager.sessions
