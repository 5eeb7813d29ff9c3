"""Heartbeat verdicts with compile suspension (PROTOCOL.md §4).

Plain logic on an injectable clock: ``sweep()`` says which connections to ping and which
to close; the caller does the I/O. Idle time counts from the later of the last inbound
frame and the end of the session's suspension, so an editor that compiled for ten
minutes is not closed the moment its suspension ends. A connection idle past the ping
threshold is pinged on every sweep until it speaks again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from ._config import HeartbeatConfig

C = TypeVar("C", bound=Hashable)

Clock = Callable[[], float]


class Verdict(Enum):
    PING = "ping"
    EXPIRE = "expire"


@dataclass(slots=True)
class _Tracked:
    session_id: str
    last_activity: float


class HeartbeatManager(Generic[C]):
    def __init__(self, config: HeartbeatConfig | None = None, clock: Clock = time.monotonic):
        self.config = config or HeartbeatConfig()
        self.clock = clock
        self._tracked: dict[C, _Tracked] = {}
        self._suspended_until: dict[str, float] = {}

    def track(self, connection: C, session_id: str) -> None:
        self._tracked[connection] = _Tracked(session_id, self.clock())

    def forget(self, connection: C) -> None:
        self._tracked.pop(connection, None)

    def touch(self, connection: C) -> None:
        """Any inbound frame counts as activity."""
        tracked = self._tracked.get(connection)
        if tracked is not None:
            tracked.last_activity = self.clock()

    def suspend(self, duration_ms: int, session_id: str | None = None) -> None:
        """Skip idle checks for ``duration_ms`` from now: for ``session_id``, or for every
        tracked session when it is None (the original design's ``suspend(120_000)``)."""
        until = self.clock() + duration_ms / 1000
        sessions = (
            {t.session_id for t in self._tracked.values()} if session_id is None else {session_id}
        )
        for sid in sessions:
            self._suspended_until[sid] = until

    def forget_session(self, session_id: str) -> None:
        self._suspended_until.pop(session_id, None)

    def compile_started(self, session_id: str) -> None:
        self.suspend(self.config.compile_suspend_ms, session_id)

    def compile_finished(self, session_id: str) -> None:
        self.suspend(self.config.compile_grace_ms, session_id)

    def is_suspended(self, session_id: str) -> bool:
        return self._suspended_until.get(session_id, 0.0) > self.clock()

    def idle_seconds(self, connection: C) -> float | None:
        tracked = self._tracked.get(connection)
        if tracked is None:
            return None
        since = max(tracked.last_activity, self._suspended_until.get(tracked.session_id, 0.0))
        return max(0.0, self.clock() - since)

    def sweep(self) -> list[tuple[C, Verdict]]:
        now = self.clock()
        ping_after = self.config.ping_after_idle_ms / 1000
        max_idle = self.config.max_idle_ms / 1000
        verdicts: list[tuple[C, Verdict]] = []
        for connection, tracked in self._tracked.items():
            suspended_until = self._suspended_until.get(tracked.session_id, 0.0)
            if suspended_until > now:
                continue
            idle = now - max(tracked.last_activity, suspended_until)
            if idle >= max_idle:
                verdicts.append((connection, Verdict.EXPIRE))
            elif idle >= ping_after:
                verdicts.append((connection, Verdict.PING))
        return verdicts
