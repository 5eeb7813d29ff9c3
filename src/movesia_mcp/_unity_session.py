"""A Unity project as the server knows it across reconnects, and the small types the
manager hands to its callers (state changes, command progress)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ._connection import UnityConnection
from ._envelope import MovesiaMessage
from ._handshake import Identity

DomainEventHandler = Callable[[MovesiaMessage], Awaitable[None]]
StateKind = Literal["connected", "disconnected", "compile", "selection", "event"]


@dataclass(frozen=True, slots=True)
class StateChange:
    kind: StateKind
    session_id: str
    message: MovesiaMessage | None = None


StateListener = Callable[[StateChange], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandProgress:
    """What a waiting command is waiting for; handed to ``on_progress`` callbacks."""

    command_type: str
    phase: Literal["waiting_for_compile", "waiting_for_reconnect", "waiting_for_answer"]
    elapsed: float
    message: str


ProgressCallback = Callable[[CommandProgress], Awaitable[None]]


class StateSignal:
    """Wakes every waiter on each ``notify``; waiters re-check their condition."""

    __slots__ = ("_next",)

    def __init__(self) -> None:
        self._next: asyncio.Future[None] | None = None

    def notify(self) -> None:
        waiter, self._next = self._next, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def next(self) -> asyncio.Future[None]:
        """The future the next ``notify`` resolves, shared by every waiter: await it
        with ``asyncio.wait`` (which never cancels it), not directly."""
        if self._next is None or self._next.done():
            self._next = asyncio.get_running_loop().create_future()
        return self._next

    async def wait(self, timeout: float) -> None:
        """Until the next ``notify``, or ``timeout`` seconds of the loop's clock."""
        await asyncio.wait((self.next(),), timeout=max(0.0, timeout))


@dataclass(eq=False, slots=True)
class UnitySession:
    """One Unity project, across its reconnects."""

    identity: Identity
    connection: UnityConnection | None = None
    compiling: bool = False
    compile_started_mono: float | None = None
    last_compile: dict[str, Any] | None = None
    selection: dict[str, Any] | None = None
    connected_at: float | None = None
    # Loop time until which a dropped session is expected to come back (reload).
    expected_back_until: float = 0.0
    reconnects: int = 0
    changed: StateSignal = field(default_factory=StateSignal)
    # 1.1 (PROTOCOL.md §3.7, §3.8): the secret issued in the session's first welcome,
    # never shown; whether a takeover must present it (once an editor of the session
    # declared a capability or presented the secret: a version 1 editor cannot); the
    # normalised project path the session is bound to.
    secret: str | None = field(default=None, repr=False)
    requires_secret: bool = False
    bound_path: str | None = None
    # Commands cancelled while the session was reconnecting: told to the next connection
    # if it declares ``cancel``.
    cancel_on_reconnect: deque[str] = field(default_factory=lambda: deque(maxlen=256))

    _keys: tuple[Identity | None, frozenset[str]] = (None, frozenset())

    @property
    def session_id(self) -> str:
        return self.identity.session_id

    @property
    def name(self) -> str:
        return self.identity.project_name or self.session_id

    def target_names(self) -> frozenset[str]:
        """The case-folded names a command may target this project by (cached per identity)."""
        identity, keys = self._keys
        if identity is not self.identity:
            names = (self.session_id, self.name, self.identity.project_path or "")
            keys = frozenset(k.casefold() for k in names if k)
            self._keys = (self.identity, keys)
        return keys

    def status(self, now: float) -> Literal["connected", "reconnecting", "offline"]:
        if self.connection is not None:
            return "connected"
        return "reconnecting" if now < self.expected_back_until else "offline"

    def to_dict(self, now: float) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "project": self.name,
            "project_path": self.identity.project_path,
            "unity_version": self.identity.unity_version,
            "status": self.status(now),
            "conn_seq": self.identity.conn_seq,
            "compiling": self.compiling,
            "last_compile": self.last_compile,
            "reconnects": self.reconnects,
            "connected_at": self.connected_at,
            # 1.1: what the live connection declared and the server honours.
            "capabilities": sorted(self.connection.capabilities) if self.connection else [],
        }


def merge_identity(old: Identity, new: Identity, conn_seq: int) -> Identity:
    """``old`` refined by what ``new`` knows; session id and ``conn_seq`` stay fixed.

    Capabilities and the presented secret belong to one connection: ``new``'s, unless
    ``new`` (a ``hello`` after a seed handshake) declares none."""
    return replace(
        old,
        conn_seq=conn_seq,
        project_path=new.project_path or old.project_path,
        unity_version=new.unity_version or old.unity_version,
        product_guid=new.product_guid or old.product_guid,
        capabilities=new.capabilities or old.capabilities,
        session_secret=new.session_secret or old.session_secret,
    )


def describe(sessions: Iterable[UnitySession]) -> str:
    """``name [session] at path`` for each: two projects may share a name."""
    return ", ".join(
        f"{s.name} [{s.session_id}] at {s.identity.project_path}"
        if s.identity.project_path
        else f"{s.name} [{s.session_id}]"
        for s in sessions
    )
