"""Security over real sockets: the MCP HTTP endpoint, the token, bind rules, limits."""

from __future__ import annotations

import asyncio
import hmac
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from mcp import Client
from websockets.asyncio.client import connect
from websockets.typing import Origin

from conftest import serve
from movesia_mcp import Config, UnityManager, UnityManagerConfig
from movesia_mcp import _security as security
from movesia_mcp._server.runtime import Runtime, bind_listener, serving
from movesia_mcp._simulator import SimulatedUnity

MCP_HEADERS = {
    "accept": "application/json, text/event-stream",
    "content-type": "application/json",
}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}


@asynccontextmanager
async def http_runtime() -> AsyncIterator[int]:
    """The real HTTP runtime (MCP at /mcp + Unity listener) on an ephemeral port."""
    runtime = Runtime.create(Config(server_port=0), "http")
    sock = bind_listener("127.0.0.1", 0)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(runtime.app(), sock, runtime.manager, max_message_bytes=1 << 20):
            up.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait_for(up.wait(), 10)
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        sock.close()


async def test_mcp_endpoint_refuses_a_foreign_host_header() -> None:
    async with http_runtime() as port, httpx.AsyncClient() as http:
        response = await http.post(
            f"http://127.0.0.1:{port}/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "host": f"evil.example:{port}"},
        )
    assert response.status_code == 421


async def test_mcp_endpoint_refuses_a_foreign_origin() -> None:
    async with http_runtime() as port, httpx.AsyncClient() as http:
        response = await http.post(
            f"http://127.0.0.1:{port}/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "origin": "http://evil.example"},
        )
    assert response.status_code == 403


async def test_mcp_endpoint_serves_loopback_clients_of_both_eras() -> None:
    async with http_runtime() as port:
        for mode in ("legacy", "auto"):
            async with Client(f"http://127.0.0.1:{port}/mcp", mode=mode) as client:
                result = await client.call_tool("get_connection_status", {})
                assert result.is_error is False
                assert result.structured_content is not None
                assert result.structured_content["connected"] is False


async def test_unity_socket_refuses_a_browser_origin_even_on_the_http_transport() -> None:
    async with http_runtime() as port:
        with pytest.raises(Exception, match="403"):
            await connect(f"ws://127.0.0.1:{port}/ws/unity", origin=Origin("http://evil.example"))


def test_token_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("movesia_mcp._security.hmac.compare_digest", recording)

    class Request:
        query_params = {"token": "guess"}
        headers: dict[str, str] = {}

    assert security.token_ok(Request(), "s3cret") is False  # type: ignore[arg-type]
    assert calls == [(b"guess", b"s3cret")]


def test_non_loopback_bind_without_token_refuses_to_start() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "movesia_mcp", "--transport", "http"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "SERVER_HOST": "0.0.0.0", "MOVESIA_TOKEN": ""},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "SERVER_HOST=0.0.0.0" in result.stderr
    assert "MOVESIA_TOKEN" in result.stderr


async def test_connection_flood_is_capped_with_1013_and_existing_editors_keep_working() -> None:
    manager = UnityManager(UnityManagerConfig(max_connections=5, handshake_timeout=5))
    async with serve(manager) as server:

        async def echo(params: dict[str, object]) -> dict[str, object]:
            return {"ok": True}

        async with SimulatedUnity(server.url, heartbeat_interval=None, handlers={"echo": echo}):
            # Four more sockets fill the cap while they sit in the handshake.
            idle = [await connect(server.url) for _ in range(4)]
            refused = await connect(server.url)
            await refused.wait_closed()
            assert refused.close_code == 1013
            assert refused.close_reason is not None
            assert "5 connections already open" in refused.close_reason
            assert await manager.send_and_wait("echo") == {"ok": True}
            for ws in idle:
                await ws.close()


async def test_status_route_refuses_a_rebound_host_when_no_token_is_set() -> None:
    async with serve(UnityManager()) as server, httpx.AsyncClient() as http:
        rebound = await http.get(
            f"{server.http}/unity/status", headers={"host": f"evil.example:{server.port}"}
        )
        direct = await http.get(f"{server.http}/unity/status")
    assert rebound.status_code == 421
    assert direct.status_code == 200
    assert direct.json()["server"] == "movesia-mcp"
