"""An independent model of the inbound rules of PROTOCOL.md §2 and §3.

Written from the protocol text and the README's list of error codes, not from the
implementation, so the fuzz tests compare the code against the contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)

# README "What this project settles": the codes an ``error`` envelope may carry.
FRAME_CODES = frozenset({"invalid_json", "invalid_utf8"})
ENVELOPE_CODES = frozenset(
    {
        "not_an_object",
        "missing_type",
        "missing_id",
        "invalid_body",
        "invalid_source",
        "invalid_session",
        "unsupported_version",
    }
)
STRAY_CODES = frozenset({"unknown_request", "duplicate_response"})
SESSION_CODES = frozenset({"project_mismatch"})  # 1.1: a later hello naming another project
DOCUMENTED_CODES = FRAME_CODES | ENVELOPE_CODES | STRAY_CODES | SESSION_CODES

ENVELOPE_FIELDS = ("v", "source", "type", "ts", "id", "body", "session")


def attempt(fn: Callable[..., T], *args: Any, catch: type[E]) -> tuple[T, None] | tuple[None, E]:
    """``fn(*args)`` as (result, None), or (None, error) when it raised ``catch``."""
    try:
        return fn(*args), None
    except catch as exc:
        return None, exc


def canonical(value: Any) -> str:
    """A comparable text for a JSON value (NaN == NaN, key order ignored)."""
    return json.dumps(value, sort_keys=True)


def non_empty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value != ""


def is_json_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Rejected:
    codes: frozenset[str]  # any of these is a correct answer: the spec gives no order
    ref_id: str | None


def decode_verdict(frame: str | bytes) -> Rejected | Any:
    """§1: a binary frame must be UTF-8; either kind must be JSON."""
    if isinstance(frame, bytes):
        try:
            frame = frame.decode("utf-8")
        except UnicodeDecodeError:
            return Rejected(frozenset({"invalid_utf8"}), None)
    try:
        return json.loads(frame)
    except ValueError:
        return Rejected(frozenset({"invalid_json"}), None)


def envelope_violations(data: Any) -> Rejected | None:
    """§2 inbound rules: which codes a decoded frame earns, or None when it is valid."""
    if not isinstance(data, dict):
        return Rejected(frozenset({"not_an_object"}), None)
    codes: set[str] = set()
    if "v" in data and not (is_json_int(data["v"]) and data["v"] == 1):
        codes.add("unsupported_version")
    if not non_empty_str(data.get("type")):
        codes.add("missing_type")
    # 1.1: ``"id": null`` (the Movesia package's shape) is given an id; absent is not.
    if not non_empty_str(data.get("id")) and not ("id" in data and data["id"] is None):
        codes.add("missing_id")
    if data.get("body") is not None and not isinstance(data["body"], dict):
        codes.add("invalid_body")  # README: a null body counts as {}
    if "source" in data and not isinstance(data["source"], str):
        codes.add("invalid_source")
    if data.get("session") is not None and not isinstance(data["session"], str):
        codes.add("invalid_session")
    if not codes:
        return None
    ref = data["id"] if non_empty_str(data.get("id")) else None
    return Rejected(frozenset(codes), ref)


# 1.1: a ``ts`` above this is in milliseconds and is read as seconds.
TS_MILLIS_ABOVE = 10**11


def expected_ts(raw: int) -> int:
    return raw // 1000 if raw > TS_MILLIS_ABOVE else raw


def frame_verdict(frame: str | bytes) -> Rejected | dict[str, Any]:
    """The whole inbound path: the codes a frame earns, or the valid envelope's JSON."""
    data = decode_verdict(frame)
    if isinstance(data, Rejected):
        return data
    rejected = envelope_violations(data)
    if rejected is not None:
        return rejected
    assert isinstance(data, dict)
    return data


# ── §3 identity ──────────────────────────────────────────────────────────────────────

_STRICT_INT = re.compile(r"[+-]?[0-9]{1,4300}")


@dataclass(frozen=True)
class ConnSeqRule:
    value: int | None  # the expected conn_seq when the input decides it
    must_fail: bool = False
    may_fail: bool = False  # lenient forms (" 7", "\u0667", "1_0"): an int or a refusal


def conn_seq_rule(query: Mapping[str, str], seed: Mapping[str, Any]) -> ConnSeqRule:
    """query ``conn``/``conn_seq`` > handshake ``conn_seq`` > 0."""
    raw = query["conn"] if "conn" in query else query.get("conn_seq")
    if raw is not None:
        if _STRICT_INT.fullmatch(raw):
            return ConnSeqRule(int(raw))
        try:
            lenient = int(raw, 10)
        except ValueError:
            return ConnSeqRule(None, must_fail=True)
        return ConnSeqRule(lenient, may_fail=True)
    if "conn_seq" not in seed:
        return ConnSeqRule(0)
    value = seed["conn_seq"]
    if is_json_int(value):
        return ConnSeqRule(value)
    return ConnSeqRule(None, must_fail=True)


def project_path_options(query: Mapping[str, str], seed: Mapping[str, Any]) -> set[str | None]:
    """handshake ``project_path`` > ``dataPath`` without its ``/Assets`` > query ``projectPath``."""
    if non_empty_str(seed.get("project_path")):
        return {seed["project_path"]}
    data_path = seed.get("dataPath")
    if non_empty_str(data_path):
        for suffix in ("/Assets", "/Assets/"):
            if data_path.endswith(suffix):
                return {data_path[: -len(suffix)] or data_path}
        # No /Assets to strip: the path as given (a trailing slash may be dropped).
        return {data_path, data_path.removesuffix("/") or data_path}
    return {query.get("projectPath") or None}


def session_candidates(
    query: Mapping[str, str], seed: Mapping[str, Any], envelope_session: Any
) -> str | None:
    """query ``session`` > handshake ``session_id`` > envelope ``session``; None: derive."""
    for value in (query.get("session"), seed.get("session_id"), envelope_session):
        if non_empty_str(value):
            return str(value)
    return None


# 1.1: the capabilities the server honours (§3.6); other names are ignored.
KNOWN_CAPABILITIES = frozenset({"command_ack", "dedup", "cancel"})
SECRET_MAX = 512  # README: a longer ``session_secret`` is not a secret, it is ignored


def capabilities_rule(seed: Mapping[str, Any]) -> frozenset[str]:
    raw = seed.get("capabilities")
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(n for n in raw if isinstance(n, str) and n in KNOWN_CAPABILITIES)


def secret_rule(query: Mapping[str, str], seed: Mapping[str, Any]) -> str | None:
    """handshake ``session_secret`` > query ``secret``; only sane, valid text counts."""
    for value in (seed.get("session_secret"), query.get("secret")):
        if non_empty_str(value) and len(value) <= SECRET_MAX and _unicode(value):
            return str(value)
    return None


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def seed_of(first: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], Any]:
    """The handshake fields and the envelope ``session`` of a first message."""
    if first is None:
        return {}, None
    if "type" in first:  # an envelope: the fields are in its body
        body = first.get("body")
        return (body if isinstance(body, dict) else {}), first.get("session")
    return first, None
