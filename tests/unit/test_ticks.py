"""The deadline sweep's timed wake-ups (``_dispatch.Ticks``): a heap on the clock, no
sockets, no sleeps."""

from __future__ import annotations

import asyncio
import math

from movesia_mcp._dispatch import Ticks


def futures(n: int) -> list[asyncio.Future[None]]:
    loop = asyncio.get_running_loop()
    return [loop.create_future() for _ in range(n)]


async def test_ticks_fire_in_clock_order_and_only_when_due() -> None:
    ticks = Ticks()
    late, early, middle = futures(3)
    ticks.add(30.0, late)
    ticks.add(10.0, early)
    ticks.add(20.0, middle)
    assert ticks.next_at() == 10.0
    ticks.fire(9.9)
    assert not early.done()
    ticks.fire(20.0)
    assert early.done()
    assert middle.done()
    assert not late.done()
    assert ticks.next_at() == 30.0
    assert len(ticks) == 1


async def test_ticks_at_the_same_time_all_fire() -> None:
    ticks = Ticks()
    first, second = futures(2)
    ticks.add(5.0, first)
    ticks.add(5.0, second)
    ticks.fire(5.0)
    assert first.done()
    assert second.done()
    assert ticks.next_at() == math.inf


async def test_a_tick_whose_waiter_left_is_skipped() -> None:
    ticks = Ticks()
    left, kept = futures(2)
    ticks.add(1.0, left)
    ticks.add(2.0, kept)
    ticks.leave(left)
    assert left.cancelled()
    assert ticks.next_at() == 2.0  # the stale head is dropped, not waited for
    assert len(ticks) == 1
    ticks.fire(2.0)
    assert kept.result() is None


async def test_a_tick_cancelled_by_its_waiter_is_skipped_without_leave() -> None:
    ticks = Ticks()
    (cancelled,) = futures(1)
    ticks.add(1.0, cancelled)
    cancelled.cancel()
    ticks.fire(1.0)  # no InvalidStateError: a done future is never resolved again
    assert ticks.next_at() == math.inf


async def test_leaving_a_fired_tick_changes_nothing() -> None:
    ticks = Ticks()
    fired, later = futures(2)
    ticks.add(1.0, fired)
    ticks.add(3.0, later)
    ticks.fire(1.0)
    ticks.leave(fired)
    assert fired.result() is None
    assert ticks.next_at() == 3.0


async def test_the_heap_is_rebuilt_when_stale_ticks_outnumber_live_ones() -> None:
    ticks = Ticks()
    (live,) = futures(1)
    ticks.add(10_000.0, live)
    stale = futures(3000)
    for i, tick in enumerate(stale):
        ticks.add(float(i), tick)
    for tick in stale:
        ticks.leave(tick)
    assert len(ticks._heap) < 2000  # rebuilt on the way, not kept until their time
    assert ticks.next_at() == 10_000.0
    ticks.fire(10_000.0)
    assert live.done()
