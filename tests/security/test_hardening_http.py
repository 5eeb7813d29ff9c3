"""Protocol 1.1 hardening over real sockets: the token on every route, and half-open
(slowloris) HTTP requests closed after a bounded time."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from mcp import Client, StdioServerParameters
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from movesia_mcp import Config
from movesia_mcp._server.runtime import Runtime, bind_listener, serving

from .test_http_and_limits import INITIALIZE, MCP_HEADERS

TOKEN = "s3cret-token"
DISCOVER = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {}}


@asynccontextmanager
async def http_runtime(
    token: str | None = TOKEN, request_timeout: float = 10.0
) -> AsyncIterator[int]:
    """The real HTTP runtime (MCP at /mcp + Unity listener) on an ephemeral port."""
    runtime = Runtime.create(Config(server_port=0, token=token), "http")
    sock = bind_listener("127.0.0.1", 0)
    up, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with serving(
            runtime.app(),
            sock,
            runtime.manager,
            max_message_bytes=1 << 20,
            request_timeout=request_timeout,
        ):
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


# ── the token guards every route ────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("body", "version"), [(INITIALIZE, None), (INITIALIZE, "2025-11-25"), (DISCOVER, "2026-07-28")]
)
@pytest.mark.parametrize("presented", [None, "wrong", "s3cret-toke", "s3cret-token-and-more"])
async def test_mcp_endpoint_refuses_requests_without_the_token_in_both_eras(
    body: dict[str, object], version: str | None, presented: str | None
) -> None:
    headers = dict(MCP_HEADERS)
    if version is not None:
        headers["mcp-protocol-version"] = version
    if presented is not None:
        headers["authorization"] = f"Bearer {presented}"
    async with http_runtime() as port, httpx.AsyncClient() as http:
        response = await http.post(f"http://127.0.0.1:{port}/mcp", json=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
    assert "Authorization: Bearer" in response.json()["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_mcp_get_and_delete_need_the_token_too() -> None:
    async with http_runtime() as port, httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{port}/mcp"
        get = await http.get(url, headers={"accept": "text/event-stream"})
        delete = await http.delete(url, headers={"mcp-session-id": "x"})
        other = await http.get(f"http://127.0.0.1:{port}/anything-else")
    assert (get.status_code, delete.status_code, other.status_code) == (401, 401, 401)


@pytest.mark.parametrize("how", ["bearer", "query"])
async def test_mcp_endpoint_serves_a_client_with_the_token(how: str) -> None:
    async with http_runtime() as port, httpx.AsyncClient() as http:
        url = f"http://127.0.0.1:{port}/mcp"
        if how == "bearer":
            response = await http.post(
                url, json=INITIALIZE, headers={**MCP_HEADERS, "authorization": f"Bearer {TOKEN}"}
            )
        else:
            response = await http.post(f"{url}?token={TOKEN}", json=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 200
    assert "movesia-mcp" in response.text


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_real_mcp_clients_of_both_eras_need_the_token(mode: str) -> None:
    async with http_runtime() as port:
        url = f"http://127.0.0.1:{port}/mcp"
        async with Client(f"{url}?token={TOKEN}", mode=mode) as client:
            result = await client.call_tool("get_connection_status", {})
            assert result.is_error is False
        # The SDK reports the 401 as a generic error response (in a task-group wrapper).
        with pytest.raises(BaseException) as refused:  # noqa: PT011
            async with Client(url, mode=mode) as client:
                await client.call_tool("get_connection_status", {})
        assert "error response" in repr(refused.value) or "401" in repr(refused.value)


async def test_unity_status_and_unity_socket_need_the_token_on_the_http_transport() -> None:
    async with http_runtime() as port, httpx.AsyncClient() as http:
        status = await http.get(f"http://127.0.0.1:{port}/unity/status")
        ok = await http.get(
            f"http://127.0.0.1:{port}/unity/status", headers={"authorization": f"Bearer {TOKEN}"}
        )
        async with connect(f"ws://127.0.0.1:{port}/ws/unity", open_timeout=5) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
    assert status.status_code == 401
    assert status.json()["error"] == "authentication_failed"
    assert ok.status_code == 200
    assert ok.json()["server"] == "movesia-mcp"
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4003


async def test_without_a_token_the_mcp_endpoint_stays_open_to_loopback_clients() -> None:
    async with (
        http_runtime(token=None) as port,
        Client(f"http://127.0.0.1:{port}/mcp", mode="auto") as client,
    ):
        result = await client.call_tool("get_connection_status", {})
    assert result.is_error is False


async def test_stdio_is_unaffected_by_the_token() -> None:
    env = {**os.environ, "MOVESIA_TOKEN": TOKEN, "SERVER_PORT": "0"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "movesia_mcp"], env=env)
    async with asyncio.timeout(60), Client(params) as client:
        result = await client.call_tool("get_connection_status", {})
    assert result.is_error is False
    assert result.structured_content is not None
    assert result.structured_content["connected"] is False


# ── slowloris ───────────────────────────────────────────────────────────────────────


def _closed_by_server(sock: socket.socket, trickle: bytes, limit: float) -> bool:
    """Trickle ``trickle`` one byte at a time (then keep sending spaces) until the
    server closes; True if it did before ``limit`` seconds."""
    deadline = time.monotonic() + limit
    data = list(trickle)
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            sock.send(bytes([data.pop(0)]) if data else b" ")
        except OSError:
            return True  # reset: closed
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return True
        if chunk == b"":
            return True
    return False


@pytest.mark.parametrize(
    "trickle",
    [
        b"GET /unity/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",  # headers never end
        b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{",  # body
        b"GET /ws/unity HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nX: ",  # upgrade
    ],
    ids=["headers", "body", "websocket-upgrade"],
)
async def test_a_trickled_request_is_closed_after_the_request_timeout(trickle: bytes) -> None:
    async with http_runtime(token=None, request_timeout=0.5) as port:
        sock = socket.create_connection(("127.0.0.1", port))
        try:
            closed = await asyncio.to_thread(_closed_by_server, sock, trickle, 20.0)
        finally:
            sock.close()
        async with httpx.AsyncClient() as http:  # and the server still serves everyone else
            status = await http.get(f"http://127.0.0.1:{port}/unity/status")
    assert closed
    assert status.status_code == 200


async def test_a_silent_connection_is_closed_after_the_request_timeout() -> None:
    async with http_runtime(token=None, request_timeout=0.5) as port:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.settimeout(20)
        try:
            data = await asyncio.to_thread(sock.recv, 1)
        finally:
            sock.close()
    assert data == b""


async def test_a_complete_request_is_answered_and_a_websocket_outlives_the_timeout() -> None:
    async with http_runtime(token=None, request_timeout=0.3) as port:
        async with connect(
            f"ws://127.0.0.1:{port}/ws/unity?session=s1&conn=1", open_timeout=5
        ) as ws:
            welcome = await asyncio.wait_for(ws.recv(), 5)
            await asyncio.sleep(1.0)  # well past the request timeout
            await ws.send('{"type": "hb", "id": "hb-1", "session": "s1"}')
            pong = await asyncio.wait_for(ws.recv(), 5)
        async with httpx.AsyncClient() as http:
            first = await http.get(f"http://127.0.0.1:{port}/unity/status")
            await asyncio.sleep(0.6)  # keep-alive reuse after a deadline passed idle
            second = await http.get(f"http://127.0.0.1:{port}/unity/status")
    assert "welcome" in str(welcome)
    assert '"pong"' in str(pong)
    assert (first.status_code, second.status_code) == (200, 200)
