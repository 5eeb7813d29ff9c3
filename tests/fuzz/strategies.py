"""Hypothesis strategies: JSON values, envelopes (valid and near-valid) and raw frames."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from movesia_mcp._envelope import ACK_REQUIRED_TYPES

from .spec import ENVELOPE_FIELDS

# A token a test replaces, in the encoded frame, with the id of a command that was
# already answered (to provoke ``duplicate_response``). Plain ASCII, so it survives
# every encoding below unchanged.
PREVIOUS_ID = "@@previous-command@@"

# ── scalars ──────────────────────────────────────────────────────────────────────────

surrogates = st.characters(categories=["Cs"])
# Any code point, lone surrogates included (only ever sent JSON-escaped).
any_text = st.text(st.characters(codec=None) | surrogates, max_size=30)
interesting_text = st.sampled_from(
    ["", " ", "hb", "pong", "ack", "error", "hello", "null", "1", "/Assets", "Assets",
     "/p/Proj/Assets", "C:\\Proj\\Assets", "é", "𝄞", "\x00", "\u2028", "\ufeff", "\ud800",
     "a" * 300, PREVIOUS_ID]
)  # fmt: skip
texts = st.one_of(st.text(max_size=30), any_text, interesting_text)
huge_ints = st.builds(
    lambda digits, negative: (-1 if negative else 1) * (10**digits - 1),
    st.integers(min_value=19, max_value=4000),
    st.booleans(),
)
ints = st.one_of(st.integers(), huge_ints, st.sampled_from([0, 1, -1, 2, 2**31, 2**63, -(2**63)]))
floats = st.floats(allow_nan=True, allow_infinity=True)
json_scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)

json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(texts, children, max_size=5),
    ),
    max_leaves=25,
)
json_objects = st.dictionaries(texts, json_values, max_size=6)


def nested(depth: int, leaf: Any = 1) -> Any:
    """``leaf`` inside ``depth`` alternating arrays and objects."""
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


nested_bodies = st.integers(min_value=1, max_value=60).map(lambda d: {"deep": nested(d)})

# ── envelopes ────────────────────────────────────────────────────────────────────────

KNOWN_TYPES = sorted(
    {"hb", "pong", "ack", "error", "hello", "welcome", "compilation_complete", "log_message",
     "console_cleared", "scene_opened", "play_mode_changed", "get_scene_response",
     "create_script_response", *ACK_REQUIRED_TYPES}
)  # fmt: skip
types = st.one_of(
    st.sampled_from(KNOWN_TYPES),
    st.text(min_size=1, max_size=20),
    st.text(min_size=1, max_size=12).map(lambda t: t + "_response"),
)
ids = st.one_of(
    st.uuids().map(lambda u: u.hex),
    st.text(min_size=1, max_size=20),
    any_text.filter(bool),
    st.just(PREVIOUS_ID),
)
sources = st.one_of(st.sampled_from(["unity", "vscode", "electron", "mcp"]), texts)
request_ids = st.one_of(st.uuids().map(lambda u: u.hex), st.just(PREVIOUS_ID), texts, ints)
capability_names = st.one_of(
    st.sampled_from(["command_ack", "dedup", "cancel", "DEDUP", "dedup ", ""]), texts, ints
)
capability_lists = st.lists(capability_names, max_size=6)
hello_fields = st.fixed_dictionaries(
    {},
    optional={
        "project_path": texts,
        "dataPath": st.one_of(texts, texts.map(lambda t: t + "/Assets")),
        "unity_version": texts,
        "unityVersion": st.sampled_from(["6000.0.23f1", "2022.3.10f1", ""]),
        "productGUID": texts,
        "cloudProjectId": texts,
        "session_id": texts,
        "conn_seq": st.one_of(ints, json_values),
        # 1.1 (§3.6, §3.7)
        "capabilities": st.one_of(capability_lists, json_values),
        "session_secret": st.one_of(texts, json_values),
    },
)
bodies = st.one_of(
    json_objects,
    nested_bodies,
    hello_fields,
    st.builds(lambda rid, rest: {"request_id": rid, **rest}, request_ids, json_objects),
)
envelope_extras = st.dictionaries(
    texts.filter(lambda k: k not in ENVELOPE_FIELDS), json_values, max_size=3
)


@st.composite
def valid_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """Envelopes that keep every §2 inbound rule (optional fields drawn or left out)."""
    envelope = draw(
        st.fixed_dictionaries(
            {"type": types, "id": ids},
            optional={
                "v": st.just(1),
                "source": sources,
                "ts": st.one_of(ints, json_values),  # any ts is tolerated (default now)
                "body": st.one_of(bodies, st.none()),
                "session": st.one_of(texts, st.none()),
            },
        )
    )
    envelope.update(draw(envelope_extras))
    return envelope


WRONG_VALUES: dict[str, Any] = {
    "v": st.one_of(
        st.sampled_from([0, 2, -1, True, False, 1.0, "1", None, [], {}, 10**30]), json_values
    ),
    "type": st.one_of(st.sampled_from(["", 0, None, True, [], {}, ["hb"]]), json_values),
    "id": st.one_of(st.sampled_from(["", 0, 1, None, False, [], {"id": "x"}]), json_values),
    "body": st.one_of(st.sampled_from([[], [1], "text", "", 0, 1.5, True, False]), json_values),
    "source": st.one_of(st.sampled_from([None, 0, [], {}, True]), json_values),
    "session": st.one_of(st.sampled_from([0, [], {}, True, 1.5]), json_values),
    "ts": st.one_of(st.sampled_from([None, "now", 1.5, True, -1]), json_values),
}


@st.composite
def near_valid_envelopes(draw: st.DrawFn) -> dict[str, Any]:
    """A valid envelope with one to three fields given a wrong value or taken out."""
    envelope = draw(valid_envelopes())
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        name = draw(st.sampled_from(ENVELOPE_FIELDS))
        if draw(st.booleans()):
            envelope[name] = draw(WRONG_VALUES[name])
        else:
            envelope.pop(name, None)
    return envelope


# ── frames ───────────────────────────────────────────────────────────────────────────


@st.composite
def encoded(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> str | bytes:
    """``values`` as one frame: text or binary, escaped or raw UTF-8, maybe padded."""
    value = draw(values)
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only the escaped form is sendable
        text = json.dumps(value)
    if draw(st.booleans()):
        text = draw(st.sampled_from([" ", "\n", "\t", "\r\n"])) + text + " "
    return text.encode("utf-8") if draw(st.booleans()) else text


def _invalid_utf8(prefix: bytes, bad: bytes, suffix: bytes) -> bytes:
    return prefix + bad + suffix


invalid_utf8 = st.builds(
    _invalid_utf8,
    st.binary(max_size=40),
    st.sampled_from([b"\xff", b"\xfe", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf",
                     b"\xf4\x90\x80\x80", b"\x80"]),
    st.binary(max_size=10).filter(lambda b: not b or b[0] < 0x80),
)  # fmt: skip

garbage_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["", " ", "{", "}", "[", "{}", "[]", "null", "true", "1", '"hb"', "NaN",
                     '{"type":', '{"type":"hb","id":"x"', "\ufeff{}", "{'type': 'hb'}"]),
    st.integers(min_value=4301, max_value=6000).map(lambda n: "9" * n),  # over the digit limit
    st.integers(min_value=4301, max_value=6000).map(
        lambda n: '{"type":"hb","id":"big","ts":' + "9" * n + "}"
    ),
)  # fmt: skip

# Every kind of frame a confused or hostile editor could send. Nesting stays shallow:
# deep nesting is covered by its own tests (see test_envelope_fuzz.py).
frames: st.SearchStrategy[str | bytes] = st.one_of(
    garbage_text,
    st.binary(max_size=200),
    invalid_utf8,
    encoded(json_values),
    encoded(valid_envelopes()),
    encoded(near_valid_envelopes()),
)
