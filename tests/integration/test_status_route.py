"""``GET /unity/status``: the connected projects, guarded by the token when one is set."""

from __future__ import annotations

import httpx

from conftest import RunningServer, serve
from movesia_mcp import UnityManager, UnityManagerConfig, __version__

from .conftest import eventually

TOKEN = "s3cret"


async def get_status(base: str, **kwargs: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        return await client.get("/unity/status", **kwargs)  # type: ignore[arg-type]


async def test_status_lists_connected_projects(server: RunningServer) -> None:
    async with server.peer(project_path="/Users/dev/Projects/Orbit", conn_seq=3) as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        response = await get_status(server.http)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    status = response.json()
    assert status["server"] == "movesia-mcp"
    assert status["version"] == __version__
    assert status["protocol"] == 1
    assert status["connected"] is True
    assert status["compiling"] is True
    [project] = status["projects"]
    assert project["session"] == peer.session_id
    assert project["project"] == "Orbit"
    assert project["project_path"] == "/Users/dev/Projects/Orbit"
    assert project["status"] == "connected"
    assert project["conn_seq"] == 3
    assert project["compiling"] is True


async def test_status_shows_a_reloading_project_as_reconnecting(server: RunningServer) -> None:
    async with server.peer() as peer:
        await peer.send_event("compile_started", {}, wait_ack=True)
        await peer.close(1001, "domain reload")
        await eventually(lambda: not server.manager.is_connected)
        status = (await get_status(server.http)).json()
    [project] = status["projects"]
    assert project["session"] == peer.session_id
    assert project["status"] == "reconnecting"
    assert status["connected"] is False


async def test_status_with_no_editor_has_no_projects(server: RunningServer) -> None:
    response = await get_status(server.http)
    assert response.status_code == 200
    assert response.json()["projects"] == []
    assert response.json()["connected"] is False


async def test_status_requires_the_token_when_one_is_configured() -> None:
    async with serve(UnityManager(UnityManagerConfig(), token=TOKEN)) as running:
        missing = await get_status(running.http)
        wrong = await get_status(running.http, params={"token": "wrong"})
        by_query = await get_status(running.http, params={"token": TOKEN})
        by_header = await get_status(running.http, headers={"Authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 401
    assert wrong.status_code == 401
    assert "projects" not in missing.json()
    assert by_query.status_code == 200
    assert by_header.status_code == 200
    assert by_header.json()["projects"] == []
