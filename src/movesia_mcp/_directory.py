"""The project directory: which Unity projects the server knows and what a command
targets (PROTOCOL.md §3.7, §3.8, §6). Pure: no I/O and nothing awaited; the decisions
that depend on time take ``now``.

- targeting: a project by session id, path or name; else the selected default; else the
  only one that is not offline. Two matches are ambiguous (``AmbiguousProjectError``);
- arrival and attach: may a handshake take its session (the secret, one project per
  session, the takeover table), and what the session becomes once it has (a new record or
  a reconnect, the secret issued, the welcome, the cancels to tell): plans the links
  carry out;
- reconnect grace: how long a dropped project is still expected back (a reload);
- stale compile: a ``compile_started`` whose ``compile_finished`` never came expires.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._config import UnityManagerConfig
from ._envelope import PROTOCOL_VERSION, CloseCode
from ._exceptions import AmbiguousProjectError, NotConnectedError
from ._handshake import CANCEL, COMMAND_ACK, Identity, new_session_secret, normalise_project_path
from ._security import secret_matches
from ._sessions import SessionTable
from ._unity_session import UnitySession, describe, merge_identity
from ._version import __version__

if TYPE_CHECKING:
    from ._connection import UnityConnection

logger = logging.getLogger("movesia_mcp.unity")


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a handshake may take its session (PROTOCOL.md §3.7, §3.8); decided with
    no await, right before the takeover table, so that nothing changes in between."""

    refused: tuple[int, str] | None = None
    fresh: bool = False  # start a new session record (new id, or another project)
    secret_ok: bool = False  # presented the session's secret


@dataclass(frozen=True, slots=True)
class Arrival:
    """A handshake's fate (``ProjectDirectory.arrive``): admission, then the takeover
    table, in one step with no await (PROTOCOL.md §3.4, §3.7, §3.8)."""

    admission: Admission
    refused: tuple[int, str] | None = None  # close the NEW connection with (code, reason)
    supersede: UnityConnection | None = None  # the live one it takes over: close with 4001
    reason: str | None = None  # the takeover table's reason (4001, 4002)


@dataclass(frozen=True, slots=True)
class Attachment:
    """What a connection the takeover table made live means (``ProjectDirectory.attach``),
    for the links to carry out in this order: forget, acking, track and adopt (before any
    await), then the welcome, the first frame, the cancels, the resends."""

    session: UnitySession  # the record the connection serves from now on
    identity: Identity  # the connection's identity from now on
    forget_previous: bool  # the id was another project's: forget its acking and heartbeat
    acks_commands: bool  # the editor declared ``command_ack`` (§3.6)
    # The welcome's body (§3.5, §3.6, §3.7); it may hold the new session secret.
    welcome: dict[str, Any] = field(repr=False)
    cancels: tuple[str, ...]  # requests cancelled while the session was away (§6.2)


class ProjectDirectory:
    """The sessions (projects) by id, across their reconnects."""

    def __init__(self, config: UnityManagerConfig) -> None:
        self.config = config
        self.sessions: dict[str, UnitySession] = {}
        self.default_project: str | None = None

    # ── targeting ──────────────────────────────────────────────────────────────────

    def find(self, project: str | None, now: float) -> UnitySession:
        """The session a command goes to: ``project`` if named, else the only candidate."""
        if project is not None:
            matches = self.matching(project)
            live = [s for s in matches if s.status(now) != "offline"]
            if len(live) > 1:
                raise AmbiguousProjectError(
                    f"{len(live)} connected Unity projects match {project!r}: "
                    f"{describe(live)}; name one by its path or session id",
                    [s.name for s in live],
                )
            if live:
                return live[0]
            if matches:
                raise NotConnectedError(
                    f"Unity project {matches[0].name!r} is not connected right now"
                )
            raise NotConnectedError(
                f"no connected Unity project matches {project!r}; connected: "
                f"{describe(self.candidates(now)) or 'none'}"
            )
        if self.default_project is not None:
            chosen = self.sessions.get(self.default_project)
            if chosen is not None and chosen.status(now) != "offline":
                return chosen
        elif len(self.sessions) == 1:  # the common case: one project, no list to build
            for only in self.sessions.values():
                if only.connection is not None:
                    return only
        candidates = self.candidates(now)
        if not candidates:
            raise NotConnectedError(
                "no Unity editor is connected; open the project in Unity with the Movesia "
                "plug-in pointed at this server (ws://<host>:<port>/ws/unity)"
            )
        if len(candidates) > 1:
            names = [s.name for s in candidates]
            raise AmbiguousProjectError(
                f"{len(candidates)} Unity projects are connected ({describe(candidates)}); "
                "name one with the 'project' argument or select_project",
                names,
            )
        return candidates[0]

    def select(self, project: str | None, now: float) -> UnitySession | None:
        """Make ``project`` the default target of commands (None clears the choice)."""
        if project is None:
            self.default_project = None
            return None
        session = self.find(project, now)
        self.default_project = session.session_id
        return session

    def candidates(self, now: float) -> list[UnitySession]:
        """The sessions that are not offline (connected, or expected back)."""
        return [s for s in self.sessions.values() if s.status(now) != "offline"]

    def matching(self, project: str) -> list[UnitySession]:
        """The sessions ``project`` names: a session id exactly; else a project path
        (normalised as §3.8 compares them); else a name, path or id case-insensitively,
        which may match several (two folders holding a project of the same name)."""
        exact = self.sessions.get(project)
        if exact is not None:
            return [exact]
        path = normalise_project_path(project)
        if path is not None and ("/" in project or "\\" in project):
            by_path = [s for s in self.sessions.values() if s.bound_path == path]
            if by_path:
                return by_path
        wanted = project.casefold()
        return [s for s in self.sessions.values() if wanted in s.target_names()]

    def projects(self, now: float) -> list[dict[str, Any]]:
        return [s.to_dict(now) for s in self.candidates(now)]

    # ── admission ──────────────────────────────────────────────────────────────────

    def admit(self, identity: Identity, *, claimed: bool) -> Admission:
        """May ``identity`` take its session? (§3.7 secret, §3.8 one project)

        ``claimed``: the session is live or has commands pending. A claimed session is
        taken by the same project only and, once the session is known to keep its
        secret, with the secret. Anyone may take an unclaimed one; for another project
        it starts afresh.
        """
        sid = identity.session_id
        session = self.sessions.get(sid)
        if session is None:
            return Admission(fresh=True)
        secret_ok = secret_matches(identity.session_secret, session.secret)
        wanted = normalise_project_path(identity.project_path)
        other_project = (
            wanted is not None and session.bound_path is not None and wanted != session.bound_path
        )
        if not claimed:  # anyone may take it; another project starts a new record
            return Admission(fresh=other_project, secret_ok=secret_ok and not other_project)
        if other_project:
            return Admission(
                refused=(
                    CloseCode.PROJECT_MISMATCH,
                    f"project_mismatch: session {sid[:40]} belongs to another project",
                )
            )
        if session.requires_secret and not secret_ok:
            return Admission(
                refused=(
                    CloseCode.AUTHENTICATION_FAILED,
                    "authentication_failed: session_secret missing or wrong for a live "
                    "or pending session",
                )
            )
        return Admission(secret_ok=secret_ok)

    def arrive(
        self,
        identity: Identity,
        connection: UnityConnection,
        table: SessionTable[UnityConnection],
        *,
        pending: bool,
    ) -> Arrival:
        """May ``connection`` (presenting ``identity``) take its session, and whom does it
        supersede? Admission (``admit``) first, then the takeover table, which it updates.
        ``pending``: the session has commands pending (they claim it as a live socket does)."""
        sid = identity.session_id
        admission = self.admit(identity, claimed=table.live(sid) is not None or pending)
        if admission.refused is not None:
            return Arrival(admission, refused=admission.refused)
        decision = table.accept(sid, identity.conn_seq, connection)
        if not decision.accepted:
            reason = decision.reason or "duplicate_session"
            return Arrival(admission, refused=(CloseCode.DUPLICATE_SESSION, reason), reason=reason)
        return Arrival(admission, supersede=decision.supersede, reason=decision.reason)

    def learns_project_first(self, identity: Identity, *, claimed: bool) -> bool:
        """Must the server read the first frame (the hello) before any takeover? When the
        query names the session but no project, and the session is bound and claimed:
        another project never takes it, even for a moment (§3.8)."""
        return identity.project_path is None and claimed and self.is_bound(identity.session_id)

    def attach(
        self, connection: UnityConnection, admission: Admission, *, connected_at: float
    ) -> Attachment:
        """``connection`` is its session's live one now: the record it serves (a new one
        for a fresh admission, else the session's own, refined and counted a reconnect),
        the secret (a 1.1 editor that did not present it gets a new one, §3.7), the
        binding (§3.8), and what the links send. ``connected_at``: wall-clock time."""
        sid = connection.session_id
        own = connection.identity  # what this connection declared and presented
        legacy = not own.capabilities  # a version 1 editor (§3.6)
        identity = own
        session = self.sessions.get(sid)
        reused = session is not None and admission.fresh
        if session is None or admission.fresh:
            if reused:
                logger.info("%s: session id reused for another project", connection.label)
            session = UnitySession(own)
            self.sessions[sid] = session
        else:
            session.reconnects += 1
            session.identity = merge_identity(session.identity, own, own.conn_seq)
            identity = replace(
                session.identity, capabilities=own.capabilities, session_secret=own.session_secret
            )
        if session.bound_path is None:
            session.bound_path = normalise_project_path(session.identity.project_path)
        issued: str | None = None
        if not admission.secret_ok and not legacy:
            # The session's first 1.1 welcome, or a claim without the secret.
            issued = session.secret = new_session_secret()
        # A 1.1 editor keeps the secret, and from now on a takeover must present it; a
        # version 1 editor knows none, so its session is served as in version 1.
        session.requires_secret = not legacy or admission.secret_ok
        if not session.requires_secret:
            session.secret = None
        session.connection = connection
        session.connected_at = connected_at
        cancels = tuple(session.cancel_on_reconnect) if CANCEL in own.capabilities else ()
        session.cancel_on_reconnect.clear()
        welcome: dict[str, Any] = {
            "session": sid,
            "conn_seq": own.conn_seq,
            "server": "movesia-mcp",
            "version": __version__,
            "protocol": PROTOCOL_VERSION,
        }
        if not legacy:  # an editor that declares nothing is served as in 1.0
            welcome["capabilities"] = sorted(own.capabilities)
            if issued is not None:
                welcome["session_secret"] = issued
        return Attachment(
            session,
            identity,
            forget_previous=reused,
            acks_commands=COMMAND_ACK in own.capabilities,
            welcome=welcome,
            cancels=cancels,
        )

    def is_bound(self, session_id: str) -> bool:
        session = self.sessions.get(session_id)
        return session is not None and session.bound_path is not None

    # ── time-based rules ───────────────────────────────────────────────────────────

    def dropped(self, session: UnitySession, now: float, *, holds_commands: bool) -> None:
        """``session`` lost its connection: how long it is still expected back. During a
        compile or with reload-surviving commands pending that is a reload
        (``INTERRUPT_TIMEOUT``); otherwise ``UNITY_RECONNECT_GRACE``."""
        session.connection = None
        reload_likely = session.compiling or holds_commands
        grace = self.config.interrupt_timeout if reload_likely else self.config.reconnect_grace
        session.expected_back_until = now + grace

    def expire_stale_compile(self, session: UnitySession, now: float) -> bool:
        """A ``compile_finished`` lost with a crashed editor must not block the project
        forever. True when the compile was just declared over."""
        started = session.compile_started_mono
        if not session.compiling or started is None:
            return False
        horizon = max(
            self.config.heartbeat.compile_suspend_ms / 1000, self.config.interrupt_timeout
        )
        if now - started <= horizon:
            return False
        logger.warning(
            "project %s: no compile_finished %.0fs after compile_started; assuming the "
            "compile is over",
            session.name,
            now - started,
        )
        session.compiling = False
        return True

    def is_compiling(self, now: float) -> bool:
        live = self.candidates(now)
        for session in live:
            self.expire_stale_compile(session, now)
        return any(s.compiling for s in live)

    def offline(self, now: float, busy: Iterable[str]) -> list[str]:
        """Forget the sessions that are offline with nothing pending (``busy`` lists the
        ones with commands), so the directory stays bounded however many projects have
        come and gone. Returns the forgotten ids."""
        keep = set(busy)
        gone = [
            sid
            for sid, session in self.sessions.items()
            if session.status(now) == "offline" and sid not in keep
        ]
        for sid in gone:
            del self.sessions[sid]
        return gone
