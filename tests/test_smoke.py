from __future__ import annotations

from typing import Any

from conftest import RunningServer


async def test_command_round_trip(server: RunningServer) -> None:
    async def echo(params: dict[str, Any]) -> dict[str, Any]:
        return {"echo": params}

    async with server.peer(handlers={"echo": echo}) as peer:
        result = await server.manager.send_and_wait("echo", x=1)
        assert result == {"echo": {"x": 1}}
        assert peer.welcome is not None
