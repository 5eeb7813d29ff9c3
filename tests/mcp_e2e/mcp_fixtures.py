"""Fixtures of the end-to-end MCP tests (loaded with ``pytest_plugins``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp_harness import MODES, World, open_world


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with open_world() as opened:
        yield opened


@pytest.fixture
async def empty_world() -> AsyncIterator[World]:
    """The server with no editor connected."""
    async with open_world(connect=False) as opened:
        yield opened
