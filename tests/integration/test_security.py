"""PROTOCOL.md §8: shared token, browser Origin refusal, loopback-only default."""

from __future__ import annotations

import pytest
from websockets.exceptions import InvalidStatus

from conftest import RunningServer, serve
from movesia_mcp import CloseCode, Config, ConfigError, UnityManager, UnityManagerConfig

from .conftest import close_of, hello, of_type, raw_client, receive

TOKEN = "s3cret"


def guarded(**kwargs: object) -> UnityManager:
    return UnityManager(UnityManagerConfig(), token=TOKEN, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("query", ["", "?token=wrong", "?token=", "?token=s3cret-and-more"])
async def test_missing_or_wrong_token_is_closed_with_4003(query: str) -> None:
    async with serve(guarded()) as running:
        async with raw_client(running.url + query) as ws:
            code, _ = await close_of(ws)  # before any handshake is read
        assert code == CloseCode.AUTHENTICATION_FAILED
        assert running.manager.sessions == {}


async def test_wrong_bearer_token_is_closed_with_4003() -> None:
    async with serve(guarded()) as running:
        headers = {"Authorization": "Bearer wrong"}
        async with raw_client(running.url, additional_headers=headers) as ws:
            code, _ = await close_of(ws)
        assert code == CloseCode.AUTHENTICATION_FAILED


async def test_token_in_query_string_is_accepted() -> None:
    async with serve(guarded()) as running, running.peer(token=TOKEN) as peer:
        assert peer.welcome is not None
        assert running.manager.table.live(peer.session_id) is not None


async def test_token_in_authorization_bearer_header_is_accepted() -> None:
    async with serve(guarded()) as running:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with raw_client(running.url, additional_headers=headers) as ws:
            await ws.send(hello("bearer-sess"))
            welcome = await receive(ws, of_type("welcome"))
        assert welcome["body"]["session"] == "bearer-sess"


async def test_browser_origin_is_refused_with_http_403(server: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with raw_client(server.url, origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    assert server.manager.sessions == {}


async def test_browser_origin_is_refused_even_with_the_token() -> None:
    async with serve(guarded()) as running:
        with pytest.raises(InvalidStatus) as refused:
            async with raw_client(running.url + f"?token={TOKEN}", origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403


async def test_allowed_origin_is_accepted() -> None:
    manager = UnityManager(UnityManagerConfig(), allowed_origins=["http://tools.example"])
    async with serve(manager) as running:
        async with raw_client(running.url, origin="http://tools.example") as ws:
            await ws.send(hello("origin-sess"))
            welcome = await receive(ws, of_type("welcome"))
        assert welcome["body"]["session"] == "origin-sess"
        with pytest.raises(InvalidStatus):
            async with raw_client(running.url, origin="http://evil.example"):
                pass


async def test_unity_client_without_origin_is_accepted(server: RunningServer) -> None:
    async with server.peer() as peer:
        assert peer.welcome is not None


def test_default_bind_is_loopback() -> None:
    assert Config().server_host == "127.0.0.1"
    assert Config.from_env({}).server_host == "127.0.0.1"


def test_non_loopback_bind_requires_a_token() -> None:
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"SERVER_HOST": "0.0.0.0"})
    assert "MOVESIA_TOKEN" in str(refused.value)
    assert Config.from_env({"SERVER_HOST": "0.0.0.0", "MOVESIA_TOKEN": TOKEN}).token == TOKEN
