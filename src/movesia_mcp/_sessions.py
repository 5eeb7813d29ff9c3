"""Monotonic takeover: which connection of a session is the live one (PROTOCOL.md §3.4).

| live connection         | new conn_seq vs live | decision                                   |
|-------------------------|----------------------|--------------------------------------------|
| none                    | any                  | accept                                     |
| yes, seq >= new         | not newer            | reject the NEW one with 4002               |
| yes, seq <  new         | newer                | accept, supersede the old one with 4001    |

``accept`` does no I/O and never awaits, so on one event loop it is atomic: however two
connections of a session interleave, the table ends with exactly one live connection,
the one with the highest ``conn_seq``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class TakeoverDecision(Generic[C]):
    accepted: bool
    supersede: C | None = None
    reason: str | None = None


@dataclass(slots=True)
class _Live(Generic[C]):
    conn_seq: int
    connection: C


class SessionTable(Generic[C]):
    def __init__(self) -> None:
        self._live: dict[str, _Live[C]] = {}

    def accept(self, session_id: str, conn_seq: int, connection: C) -> TakeoverDecision[C]:
        current = self._live.get(session_id)
        if current is not None and current.conn_seq >= conn_seq:
            return TakeoverDecision(
                accepted=False,
                reason=(
                    f"duplicate_session: conn_seq {conn_seq} is not newer than "
                    f"live conn_seq {current.conn_seq}"
                ),
            )
        self._live[session_id] = _Live(conn_seq, connection)
        if current is None:
            return TakeoverDecision(accepted=True)
        return TakeoverDecision(
            accepted=True,
            supersede=current.connection,
            reason=f"superseded by conn_seq {conn_seq} (was {current.conn_seq})",
        )

    def release(self, session_id: str, connection: C) -> bool:
        """Forget ``connection`` if it is still the live one. True when it was."""
        current = self._live.get(session_id)
        if current is None or current.connection is not connection:
            return False
        del self._live[session_id]
        return True

    def live(self, session_id: str) -> C | None:
        current = self._live.get(session_id)
        return current.connection if current else None

    def live_conn_seq(self, session_id: str) -> int | None:
        current = self._live.get(session_id)
        return current.conn_seq if current else None

    def is_live(self, session_id: str, connection: C) -> bool:
        current = self._live.get(session_id)
        return current is not None and current.connection is connection

    def __len__(self) -> int:
        return len(self._live)

    def items(self) -> list[tuple[str, C]]:
        return [(sid, live.connection) for sid, live in self._live.items()]
