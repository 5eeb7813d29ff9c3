"""Heartbeat verdicts with compile suspension (PROTOCOL.md §4), on a fake clock."""

from __future__ import annotations

from movesia_mcp._config import HeartbeatConfig
from movesia_mcp._heartbeat import HeartbeatManager, Verdict

CONFIG = HeartbeatConfig()
PING_AFTER = CONFIG.ping_after_idle_ms / 1000
MAX_IDLE = CONFIG.max_idle_ms / 1000
SUSPEND = CONFIG.compile_suspend_ms / 1000
GRACE = CONFIG.compile_grace_ms / 1000


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def tracked(
    config: HeartbeatConfig = CONFIG,
) -> tuple[HeartbeatManager[str], FakeClock]:
    clock = FakeClock()
    heartbeat: HeartbeatManager[str] = HeartbeatManager(config, clock=clock)
    heartbeat.track("conn", "s")
    return heartbeat, clock


def test_no_verdict_before_ping_threshold() -> None:
    heartbeat, clock = tracked()

    clock.advance(PING_AFTER - 0.001)

    assert heartbeat.sweep() == []


def test_idle_at_ping_threshold_is_pinged() -> None:
    heartbeat, clock = tracked()

    clock.advance(PING_AFTER)

    assert heartbeat.sweep() == [("conn", Verdict.PING)]


def test_idle_connection_is_pinged_on_every_sweep_until_it_speaks() -> None:
    heartbeat, clock = tracked()
    clock.advance(PING_AFTER)
    heartbeat.sweep()

    clock.advance(CONFIG.sweep_interval_ms / 1000)

    assert heartbeat.sweep() == [("conn", Verdict.PING)]


def test_idle_just_below_max_idle_is_still_only_pinged() -> None:
    heartbeat, clock = tracked()

    clock.advance(MAX_IDLE - 0.001)

    assert heartbeat.sweep() == [("conn", Verdict.PING)]


def test_idle_at_max_idle_is_expired() -> None:
    heartbeat, clock = tracked()

    clock.advance(MAX_IDLE)

    assert heartbeat.sweep() == [("conn", Verdict.EXPIRE)]


def test_touch_resets_idle_time() -> None:
    heartbeat, clock = tracked()
    clock.advance(MAX_IDLE - 1)

    heartbeat.touch("conn")
    clock.advance(PING_AFTER - 1)

    assert heartbeat.sweep() == []
    assert heartbeat.idle_seconds("conn") == PING_AFTER - 1


def test_touch_after_ping_stops_the_pings() -> None:
    heartbeat, clock = tracked()
    clock.advance(PING_AFTER)
    heartbeat.sweep()

    heartbeat.touch("conn")

    assert heartbeat.sweep() == []


def test_forgotten_connection_gets_no_verdict() -> None:
    heartbeat, clock = tracked()
    heartbeat.forget("conn")

    clock.advance(MAX_IDLE)

    assert heartbeat.sweep() == []
    assert heartbeat.idle_seconds("conn") is None


def test_compile_started_suspends_ping() -> None:
    heartbeat, clock = tracked()
    clock.advance(PING_AFTER)

    heartbeat.compile_started("s")

    assert heartbeat.sweep() == []


def test_compile_started_suspends_expiry() -> None:
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")

    clock.advance(SUSPEND - 0.001)

    assert heartbeat.sweep() == []


def test_compile_suspension_lasts_compile_suspend_ms() -> None:
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")

    clock.advance(SUSPEND - 0.001)
    during = heartbeat.is_suspended("s")
    clock.advance(0.002)

    assert (during, heartbeat.is_suspended("s")) == (True, False)


def test_compile_finished_leaves_compile_grace_ms_of_grace() -> None:
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")
    clock.advance(10)

    heartbeat.compile_finished("s")
    clock.advance(GRACE - 0.001)
    during = heartbeat.is_suspended("s")
    clock.advance(0.002)

    assert (during, heartbeat.is_suspended("s")) == (True, False)


def test_compile_finished_grace_suspends_checks_of_an_idle_connection() -> None:
    heartbeat, clock = tracked()
    clock.advance(MAX_IDLE + 60)

    heartbeat.compile_finished("s")
    clock.advance(GRACE - 0.001)

    assert heartbeat.sweep() == []


def test_idle_counts_from_the_end_of_suspension() -> None:
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")

    clock.advance(SUSPEND + PING_AFTER - 0.001)
    before_ping = heartbeat.sweep()
    clock.advance(0.001)

    assert (before_ping, heartbeat.sweep()) == ([], [("conn", Verdict.PING)])


def test_long_compile_is_not_expired_the_instant_suspension_ends() -> None:
    # A suspension longer than max idle: the editor said nothing while it compiled.
    config = HeartbeatConfig(compile_suspend_ms=CONFIG.max_idle_ms * 2)
    heartbeat, clock = tracked(config)
    heartbeat.compile_started("s")

    clock.advance(config.compile_suspend_ms / 1000 + 1)

    assert heartbeat.sweep() == []
    assert heartbeat.idle_seconds("conn") == 1


def test_expiry_after_suspension_needs_a_full_max_idle() -> None:
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")

    clock.advance(SUSPEND + MAX_IDLE)

    assert heartbeat.sweep() == [("conn", Verdict.EXPIRE)]


def test_suspension_covers_a_new_connection_of_the_same_session() -> None:
    # A domain reload: the socket is replaced while the session is still compiling.
    heartbeat, clock = tracked()
    heartbeat.compile_started("s")
    heartbeat.forget("conn")
    heartbeat.track("reconnected", "s")

    clock.advance(SUSPEND - 0.001)

    assert heartbeat.sweep() == []


def test_suspension_of_one_session_does_not_shield_another() -> None:
    heartbeat, clock = tracked()
    heartbeat.track("other", "t")
    heartbeat.compile_started("s")

    clock.advance(PING_AFTER)

    assert heartbeat.sweep() == [("other", Verdict.PING)]


def test_suspend_without_a_session_suspends_every_tracked_session() -> None:
    clock = FakeClock()
    hb: HeartbeatManager[str] = HeartbeatManager(
        HeartbeatConfig(ping_after_idle_ms=1_000, max_idle_ms=2_000), clock=clock
    )
    hb.track("a", "session-a")
    hb.track("b", "session-b")
    hb.suspend(120_000)  # the original design's call
    clock.advance(60)
    assert hb.sweep() == []
    assert hb.is_suspended("session-a")
    assert hb.is_suspended("session-b")
