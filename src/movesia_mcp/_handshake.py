"""Who is connecting: identity from the query string and the first message (PROTOCOL.md §3).

Pure functions, no I/O. ``HandshakeError`` becomes close code 4000 at the edge.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._exceptions import HandshakeError

# The capabilities this server honours (PROTOCOL.md §3.6); other names are ignored.
COMMAND_ACK = "command_ack"
DEDUP = "dedup"
CANCEL = "cancel"
KNOWN_CAPABILITIES: frozenset[str] = frozenset({COMMAND_ACK, DEDUP, CANCEL})
# Paths on these platforms (and Windows drive paths anywhere) compare case-insensitively.
CASE_INSENSITIVE_PLATFORM = sys.platform in ("win32", "darwin")
_DRIVE = re.compile(r"^[A-Za-z]:/")


@dataclass(frozen=True, slots=True)
class Identity:
    session_id: str
    conn_seq: int
    project_path: str | None = None
    unity_version: str | None = None
    product_guid: str | None = None
    # The capabilities declared and honoured (§3.6): a subset of KNOWN_CAPABILITIES.
    capabilities: frozenset[str] = frozenset()
    # The session secret the editor presented (§3.7). Never shown: not in repr or logs.
    session_secret: str | None = field(default=None, repr=False)

    @property
    def project_name(self) -> str | None:
        if not self.project_path:
            return None
        return self.project_path.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or None


def query_conn_seq(query: Mapping[str, str]) -> int | None:
    """``conn`` or ``conn_seq`` from the query string, if present."""
    raw = query.get("conn", query.get("conn_seq"))
    if raw is None:
        return None
    try:
        return int(raw, 10)
    except ValueError:
        raise HandshakeError(f"conn_seq must be an integer, got {raw[:20]!r}") from None


def is_handshake_message(data: Any) -> bool:
    """A seed handshake (no envelope) or a ``hello`` envelope."""
    if not isinstance(data, dict):
        return False
    if "type" not in data:
        return True
    return data.get("type") == "hello"


def identify(query: Mapping[str, str], first: dict[str, Any] | None) -> Identity:
    """Resolve session id, conn_seq and project details by the precedence rules of §3."""
    seed: dict[str, Any] = {}
    envelope_session: str | None = None
    if first is not None:
        if "type" in first:  # a hello envelope
            body = first.get("body")
            seed = body if isinstance(body, dict) else {}
            session = first.get("session")
            envelope_session = session if isinstance(session, str) and session else None
        else:
            seed = first

    project_path = _text(seed, "project_path")
    if project_path is None and (data_path := _text(seed, "dataPath")):
        project_path = data_path.removesuffix("/").removesuffix("/Assets") or data_path
    if project_path is None:
        project_path = query.get("projectPath") or None

    conn_seq = query_conn_seq(query)
    if conn_seq is None:
        raw = seed.get("conn_seq", 0)
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise HandshakeError(f"conn_seq must be an integer, got {str(raw)[:20]!r}")
        conn_seq = raw

    session_id = (
        query.get("session")
        or _text(seed, "session_id")
        or envelope_session
        or (derive_session_id(project_path) if project_path else None)
    )
    if not session_id:
        raise HandshakeError(
            "handshake names no session: send session_id or project_path, "
            "or connect with ?session=<id>"
        )
    return Identity(
        session_id=_valid_unicode("session", session_id),
        conn_seq=conn_seq,
        project_path=project_path and _valid_unicode("project path", project_path),
        unity_version=_text(seed, "unity_version") or _text(seed, "unityVersion"),
        product_guid=_text(seed, "productGUID"),
        capabilities=capabilities_of(seed.get("capabilities")),
        session_secret=_secret(seed.get("session_secret")) or _secret(query.get("secret")),
    )


def capabilities_of(raw: Any) -> frozenset[str]:
    """The known names in a ``capabilities`` list; anything else (unknown names, other
    types, a non-list) is ignored, as §3.6 asks."""
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(name for name in raw if isinstance(name, str) and name in KNOWN_CAPABILITIES)


def new_session_secret() -> str:
    """A session secret (§3.7): 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def normalise_project_path(path: str | None) -> str | None:
    """A project path as §3.8 compares it: ``/`` separators, no trailing separator or
    ``/Assets``, and case-folded on case-insensitive platforms (and for Windows drive
    paths, whichever platform the server runs on)."""
    if not path:
        return None
    normal = re.sub(r"/+", "/", path.replace("\\", "/"))
    normal = normal.rstrip("/")
    if normal.endswith("/Assets"):
        normal = normal.removesuffix("/Assets")
    if not normal:
        return "/"
    if CASE_INSENSITIVE_PLATFORM or _DRIVE.match(normal):
        normal = normal.casefold()
    return normal


def _secret(value: Any) -> str | None:
    """A presented secret: a non-empty string of sane length, else none at all."""
    if not isinstance(value, str) or not value or len(value) > 512:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def derive_session_id(project_path: str) -> str:
    """A stable session id for a project that did not send one."""
    normal = project_path.replace("\\", "/").rstrip("/").lower()
    return "p-" + hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        return None
    return _valid_unicode(key, value)


def _valid_unicode(key: str, value: str) -> str:
    """JSON can carry lone surrogates; they cannot be logged, hashed or sent back."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise HandshakeError(f"{key} is not valid Unicode text") from None
    return value
