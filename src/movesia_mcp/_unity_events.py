"""What one Unity event means (PROTOCOL.md §3.8, §7): ``interpret``. Pure: it updates
the session's record (identity, binding, compile state, selection) with no I/O and no
await, and returns what the links do about it (``Effects``).

| event               | the session's record                  | effects                       |
|---------------------|---------------------------------------|-------------------------------|
| hello               | identity refined; bound to its project| the connection's identity and |
|                     | unless that would move pending        | acking; else project_mismatch |
|                     | commands to another project (§3.8)    | to a 1.1 editor               |
| compile_started     | compiling, since ``now``              | heartbeat suspended; wake     |
| compile_finished    | not compiling; the last result        | heartbeat resumed; wake       |
| selection_changed   | the current selection                 |                               |
| any other           |                                       |                               |

Every event is then kept in the recent events and published as a ``StateChange`` of its
kind (``connected``, ``compile``, ``selection``, ``event``); ``catalog._resources.triggers``
turns that into the MCP resources to refresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from ._envelope import MovesiaMessage, error_message
from ._exceptions import EnvelopeError, HandshakeError
from ._handshake import COMMAND_ACK, Identity, identify, normalise_project_path
from ._unity_session import StateKind, UnitySession, merge_identity

logger = logging.getLogger("movesia_mcp.unity")


@dataclass(frozen=True, slots=True)
class Effects:
    """What the links do about one event, in this order."""

    kind: StateKind = "event"  # the ``StateChange`` published for it
    identity: Identity | None = None  # the sending connection's identity from now on
    acks_commands: bool = False  # the session's editor declared ``command_ack``
    compiling: bool | None = None  # the heartbeat's compile suspension starts / ends
    reply: MovesiaMessage | None = None  # a frame to send back (``project_mismatch``)
    wake: bool = False  # the session's compile state changed: its waiters re-check


def interpret(
    session: UnitySession | None,
    message: MovesiaMessage,
    now: float,
    *,
    sender: Identity,
    pending: bool,
) -> Effects:
    """``message``, an event from the connection that presented ``sender``, applied to
    ``session`` (None: a session the directory no longer knows). ``pending``: the
    session has commands pending (a hello then cannot rebind it)."""
    kind = message.type
    if kind == "hello":
        if session is None:
            return Effects("connected")
        return _hello(session, message, sender, pending)
    if kind == "compile_started":
        if session is None:
            return Effects("compile", compiling=True)
        session.compiling = True
        session.compile_started_mono = now
        return Effects("compile", compiling=True, wake=True)
    if kind == "compile_finished":
        if session is None:
            return Effects("compile", compiling=False)
        session.compiling = False
        session.last_compile = dict(message.body)
        return Effects("compile", compiling=False, wake=True)
    if kind == "selection_changed":
        if session is not None:
            session.selection = dict(message.body)
        return Effects("selection")
    return Effects()


def _hello(
    session: UnitySession, message: MovesiaMessage, sender: Identity, pending: bool
) -> Effects:
    """A ``hello`` refines what the session knows of its project. It binds an unbound
    session, and rebinds one with nothing of another project at stake; it never moves a
    session with pending commands to another project (§3.8)."""
    try:
        refined = identify({"session": session.session_id}, message.to_dict())
    except HandshakeError:
        return Effects("connected")
    wanted = normalise_project_path(refined.project_path)
    reply: MovesiaMessage | None = None
    if session.bound_path is None or (
        wanted is not None and wanted != session.bound_path and not pending
    ):
        session.bound_path = wanted or session.bound_path
    elif wanted is not None and wanted != session.bound_path:
        logger.warning(
            "session=%s conn=%d project=%s: hello names another project; the session stays "
            "bound to its own",
            sender.session_id,
            sender.conn_seq,
            sender.project_name or "?",
        )
        refined = replace(refined, project_path=None)
        if sender.capabilities:  # a version 1 editor knows no such error (§3.6)
            text = "the session belongs to another project; hello ignored"
            error = EnvelopeError("project_mismatch", text, message.id)
            reply = error_message(error, sender.session_id)
    session.identity = merge_identity(session.identity, refined, sender.conn_seq)
    identity = replace(
        session.identity,
        capabilities=refined.capabilities or sender.capabilities,
        session_secret=sender.session_secret,
    )
    return Effects(
        "connected",
        identity=identity,
        acks_commands=COMMAND_ACK in identity.capabilities,
        reply=reply,
    )
