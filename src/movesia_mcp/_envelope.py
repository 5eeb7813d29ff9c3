"""The wire envelope (PROTOCOL.md §2), close codes (§9) and the ACK set (§5).

Parsing is plain code, not a pydantic model: it sits on the hot path of every frame and
each broken rule maps to its own ``code`` for the ``error`` envelope sent back.

Frames are decoded with msgspec and encoded with orjson (``loads``/``dumps``), with the
standard library's ``json`` as the reference wherever they disagree, so what goes on the
wire and what is accepted from it is what ``json`` did before (at the recursion limit,
msgspec reads a few levels deeper than ``json``; deeper still, both refuse):

- decoding: msgspec refuses ``NaN``/``Infinity``, numbers beyond a double, integers of
  more digits than it holds and lone surrogate escapes, which ``json`` accepts (all but
  the longest integers); those frames are decoded again by ``json``. Integers of any size
  msgspec does decode, it keeps exact, as ``json`` does (releases before 0.19 got some
  wrong; 0.21, the lowest one required, is the oldest the codec tests were run on);
- encoding: orjson refuses integers beyond 64 bits, non-string keys and lone surrogates,
  and writes ``NaN`` as ``null``; such values are encoded by ``json`` (compact, ASCII
  escapes, ``NaN`` as ``json`` writes it). Non-ASCII text goes out as UTF-8, not as
  escapes: the same JSON value. Key order is irrelevant to the protocol.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import msgspec
import orjson

from ._exceptions import EnvelopeError

PROTOCOL_VERSION = 1
# The reference encoder for what orjson refuses (see the module doc): compact, ASCII
# escapes (a lone surrogate can only travel escaped).
_ENCODER = json.JSONEncoder(separators=(",", ":"))
_DECODER = msgspec.json.Decoder()


def dumps(value: Any) -> str:
    """``value`` as compact JSON text, for one frame.

    The same JSON value as ``json.dumps(value, separators=(",", ":"))``, and the same
    ``TypeError`` for what JSON cannot hold.
    """
    try:
        out = orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _ENCODER.encode(value)  # big ints, non-str keys, lone surrogates (or raises)
    text = out.decode("utf-8")
    # orjson writes NaN and the infinities as null. (The search is on the text: ``in`` on
    # a str is about twice as fast as on bytes, and the text is needed anyway.)
    if "null" in text and _has_non_finite(value):
        return _ENCODER.encode(value)
    return text


def loads(raw: str | bytes) -> Any:
    """The JSON value of one frame's text, as ``json.loads`` gives it.

    Raises ``ValueError`` (``json.JSONDecodeError``) for text that is not JSON, and
    ``RecursionError`` for nesting deeper than ``json`` goes.
    """
    try:
        return _DECODER.decode(raw)
    except (msgspec.DecodeError, ValueError, RecursionError):  # ValueError: lone surrogates
        return json.loads(raw)  # NaN, Infinity, 1e400, lone surrogate escapes (or raises)


class ConnectionSource(StrEnum):
    UNITY = "unity"
    VSCODE = "vscode"
    ELECTRON = "electron"
    MCP = "mcp"


class CloseCode(IntEnum):
    GOING_AWAY = 1001
    POLICY_VIOLATION = 1008  # the editor stopped reading (slow consumer)
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013  # too many connections
    HANDSHAKE_FAILED = 4000
    SUPERSEDED = 4001
    DUPLICATE_SESSION = 4002
    AUTHENTICATION_FAILED = 4003
    SESSION_EXPIRED = 4004
    PROJECT_MISMATCH = 4006  # 1.1: the session id belongs to another project


ACK_REQUIRED_TYPES: frozenset[str] = frozenset(
    {
        "hello",
        "assets_imported",
        "assets_deleted",
        "assets_moved",
        "scene_saved",
        "project_changed",
        "compile_started",
        "compile_finished",
        "will_save_assets",
        "hierarchy_changed",
        "selection_changed",
    }
)

# Envelope types that are part of the link itself, never domain events.
CONTROL_TYPES: frozenset[str] = frozenset({"hb", "pong", "ack", "error"})


def close_reason(text: str) -> str:
    """``text`` cut to the 123 UTF-8 bytes a WebSocket close frame can carry."""
    return text.encode("utf-8", "replace")[:123].decode("utf-8", "ignore")


def new_id() -> str:
    """A fresh id: 32 lowercase hex digits (the shape of ``uuid4().hex``).

    Unique across processes as well as within one, without a system call per id: 64
    random bits drawn once per process (again in a forked child), then a counter. An
    editor's ``dedup`` ledger outlives a server restart, so a new process must never
    repeat an id of the old one (PROTOCOL.md 1.1 §6.1).
    """
    return (_id_base + next(_id_counter)).to_bytes(16, "big").hex()


def _seed_ids() -> None:
    global _id_base, _id_counter
    _id_base = int.from_bytes(os.urandom(8), "big") << 64
    _id_counter = itertools.count(int.from_bytes(os.urandom(4), "big"))  # < 2**64 ever


_id_base = 0
_id_counter = itertools.count()
_seed_ids()
os.register_at_fork(after_in_child=_seed_ids)


_MCP = ConnectionSource.MCP.value
_UNITY = ConnectionSource.UNITY.value


@dataclass(slots=True)
class MovesiaMessage:
    type: str
    id: str
    body: dict[str, Any] = field(default_factory=dict)
    source: str = ConnectionSource.MCP.value
    ts: int = 0
    session: str | None = None
    v: int = PROTOCOL_VERSION
    # The frame said ``"id": null`` and this id was assigned here: never echo it as a
    # reference to something the editor sent.
    id_assigned: bool = field(default=False, compare=False, repr=False)

    @classmethod
    def create(
        cls,
        msg_type: str,
        body: dict[str, Any] | None = None,
        source: ConnectionSource | str = ConnectionSource.MCP,
        session: str | None = None,
        msg_id: str | None = None,
    ) -> MovesiaMessage:
        return cls(
            type=msg_type,
            id=msg_id or new_id(),
            body=body if body is not None else {},
            source=str(source),
            ts=int(time.time()),
            session=session,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": self.v,
            "source": self.source,
            "type": self.type,
            "ts": self.ts,
            "id": self.id,
            "body": self.body,
            "session": self.session,
        }

    def to_json(self) -> str:
        return dumps(self.to_dict())

    @property
    def request_id(self) -> str | None:
        rid = self.body.get("request_id")
        return rid if isinstance(rid, str) else None


def frame_text(msg_type: str, msg_id: str, body: dict[str, Any], session: str | None) -> str:
    """``MovesiaMessage.create(msg_type, body, session=session, msg_id=msg_id).to_json()``,
    the same text without the message object (the command path sends one per command)."""
    return dumps(
        {
            "v": PROTOCOL_VERSION,
            "source": _MCP,
            "type": msg_type,
            "ts": int(time.time()),
            "id": msg_id,
            "body": body,
            "session": session,
        }
    )


def decode_frame(raw: str | bytes) -> Any:
    """Turn one text or binary frame into JSON. Binary frames must be UTF-8 JSON (§1)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EnvelopeError("invalid_utf8", "binary frame is not UTF-8 text") from exc
    try:
        return loads(raw)
    except ValueError as exc:
        raise EnvelopeError("invalid_json", f"frame is not valid JSON: {exc}") from exc
    except RecursionError:
        raise EnvelopeError("invalid_json", "frame is nested too deeply") from None


# A ``ts`` above this is in milliseconds (the Movesia package's shape): in seconds it
# would be after the year 5000.
_TS_MILLIS_ABOVE = 10**11


def parse_envelope(data: Any) -> MovesiaMessage:
    """Validate decoded JSON against the inbound rules of §2.

    Tolerated shapes of the Movesia package: ``"id": null`` (an id is assigned, so an
    ``hb`` still gets its ``pong`` and an event its ``ack``) and ``ts`` in milliseconds.
    """
    if not isinstance(data, dict):
        raise EnvelopeError("not_an_object", f"envelope must be a JSON object, got {_kind(data)}")
    raw_id = data.get("id")
    null_id = raw_id is None and "id" in data  # gets an id of its own once valid
    ref_id = raw_id if isinstance(raw_id, str) and raw_id else None
    v = data.get("v", PROTOCOL_VERSION)
    if type(v) is not int or v != PROTOCOL_VERSION:
        raise EnvelopeError(
            "unsupported_version", f"protocol version {v!r} is not supported (expected 1)", ref_id
        )
    msg_type = data.get("type")
    if not isinstance(msg_type, str) or not msg_type:
        raise EnvelopeError("missing_type", "envelope needs a non-empty string 'type'", ref_id)
    if ref_id is None and not null_id:
        raise EnvelopeError("missing_id", "envelope needs a non-empty string 'id'")
    body = data.get("body", {})
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise EnvelopeError("invalid_body", f"'body' must be an object, got {_kind(body)}", ref_id)
    source = data.get("source", _UNITY)
    if not isinstance(source, str):
        raise EnvelopeError("invalid_source", "'source' must be a string", ref_id)
    ts = data.get("ts")
    if not isinstance(ts, int) or isinstance(ts, bool):
        ts = int(time.time())
    elif ts > _TS_MILLIS_ABOVE:
        ts //= 1000
    session = data.get("session")
    if session is not None and not isinstance(session, str):
        raise EnvelopeError("invalid_session", "'session' must be a string", ref_id)
    # Positional (type, id, body, source, ts, session, v, id_assigned): once per frame,
    # half the cost of the keywords.
    return MovesiaMessage(
        msg_type, ref_id or new_id(), body, source, ts, session, v, ref_id is None
    )


def error_message(exc: EnvelopeError, session: str | None = None) -> MovesiaMessage:
    """The ``error`` envelope that answers a rejected frame."""
    return MovesiaMessage.create(
        "error",
        {"code": exc.code, "message": exc.message, "ref_id": exc.ref_id},
        session=session,
    )


def _has_non_finite(value: Any) -> bool:
    """Whether ``value`` holds a NaN or an infinity anywhere (orjson encoded it as null)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if item != item or item in (_INF, -_INF):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


_INF = float("inf")


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )
