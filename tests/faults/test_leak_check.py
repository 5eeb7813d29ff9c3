"""The leak check itself: it must catch what it claims to catch."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from movesia_mcp import CommandState, PendingCommand

from .conftest import fast_manager, leak_check


async def test_leak_check_catches_a_leaked_task() -> None:
    """Guarantee: a task started in the block and still running after it fails the check."""
    manager = fast_manager()
    leaked = None
    with pytest.raises(AssertionError, match=r"leak: \d+ tasks"):
        async with leak_check(manager, settle=0.1):
            leaked = asyncio.create_task(asyncio.sleep(10))
    assert leaked is not None
    leaked.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await leaked


async def test_leak_check_catches_a_leaked_pending_command() -> None:
    """Guarantee: a command still in ``manager.commands`` after the block fails the check."""
    manager = fast_manager()
    with pytest.raises(AssertionError, match="1 pending commands"):
        async with leak_check(manager, settle=0.1):
            manager.commands.add(
                PendingCommand(
                    id="leaked",
                    command_type="echo",
                    session_id="s",
                    params={},
                    survives_reload=False,
                    future=asyncio.get_running_loop().create_future(),
                    state=CommandState.SENT,
                )
            )


async def test_leak_check_catches_an_unretrieved_exception() -> None:
    """Guarantee: a future whose exception nobody retrieved fails the check."""
    manager = fast_manager()

    async def lose_an_exception() -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_exception(RuntimeError("lost"))

    with pytest.raises(AssertionError, match="never retrieved"):
        async with leak_check(manager, settle=0.1):
            await lose_an_exception()
