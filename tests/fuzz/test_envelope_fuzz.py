"""Fuzzing the envelope parser (PROTOCOL.md §1, §2).

For any frame, ``parse_envelope(decode_frame(frame))`` either returns a message that
keeps every inbound rule of §2 or raises ``EnvelopeError`` with a documented code (the
one the spec model in ``spec.py`` expects); nothing else ever escapes.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from movesia_mcp._envelope import MovesiaMessage, decode_frame, error_message, parse_envelope
from movesia_mcp._exceptions import EnvelopeError

from .conftest import count, fuzz_settings
from .spec import (
    DOCUMENTED_CODES,
    ENVELOPE_FIELDS,
    Rejected,
    attempt,
    canonical,
    envelope_violations,
    expected_ts,
    frame_verdict,
    is_json_int,
    non_empty_str,
)
from .strategies import (
    bodies,
    encoded,
    frames,
    ids,
    ints,
    json_values,
    near_valid_envelopes,
    sources,
    texts,
    types,
    valid_envelopes,
)


def assert_keeps_the_rules(message: Any, data: dict[str, Any]) -> None:
    """``message`` is what §2 says the valid envelope ``data`` must become."""
    assert isinstance(message, MovesiaMessage)
    assert non_empty_str(message.type)
    assert message.type == data["type"]
    assert non_empty_str(message.id)
    if data["id"] is not None:  # a null id is given a fresh one (1.1)
        assert message.id == data["id"]
    assert isinstance(message.body, dict)
    assert canonical(message.body) == canonical(data.get("body") or {})
    assert type(message.v) is int
    assert message.v == 1
    assert isinstance(message.source, str)
    assert message.source == data.get("source", "unity")
    assert message.session == data.get("session")
    assert message.session is None or isinstance(message.session, str)
    assert is_json_int(message.ts)
    if is_json_int(data.get("ts")):
        assert message.ts == expected_ts(data["ts"])
    else:
        assert abs(message.ts - time.time()) < 300  # "default now"


def assert_rejected_as_documented(exc: EnvelopeError, expected: Rejected, what: Any) -> None:
    assert exc.code in DOCUMENTED_CODES, f"undocumented code {exc.code!r} for {what!r}"
    assert exc.code in expected.codes, f"{what!r}: got {exc.code!r}, expected {expected.codes}"
    assert exc.ref_id == expected.ref_id
    assert isinstance(exc.message, str)
    assert exc.message
    # The ``error`` envelope that answers it is itself a well-formed envelope.
    reply = json.loads(error_message(exc, "s").to_json())
    assert set(reply) == set(ENVELOPE_FIELDS)
    assert reply["type"] == "error"
    assert reply["source"] == "mcp"
    assert reply["body"]["code"] == exc.code
    assert reply["body"]["ref_id"] == exc.ref_id
    assert envelope_violations(reply) is None


def parse_frame(frame: str | bytes) -> MovesiaMessage:
    return parse_envelope(decode_frame(frame))


def check_frame(frame: str | bytes) -> None:
    expected = frame_verdict(frame)
    message, error = attempt(parse_frame, frame, catch=EnvelopeError)
    if error is not None:
        assert isinstance(expected, Rejected), f"{frame!r} keeps §2, rejected as {error.code!r}"
        assert_rejected_as_documented(error, expected, frame)
    else:
        assert not isinstance(expected, Rejected), f"{frame!r} accepted; expected {expected}"
        assert_keeps_the_rules(message, expected)


@fuzz_settings("decode_arbitrary_frames")
@given(frame=frames)
@example(frame=b"\xff\xfe\x00")
@example(frame="")
@example(frame='{"type":"hb","id":"x","v":1.0}')
@example(frame='{"type":"hb","id":"x","v":true}')
@example(frame='{"type":"hb","id":"x","body":null}')
@example(frame='{"type":"hb","id":"x","ts":' + "9" * 5000 + "}")
@example(frame="\ufeff{}")
def test_any_frame_is_parsed_or_rejected_with_a_documented_code(frame: str | bytes) -> None:
    count("decode_arbitrary_frames")
    check_frame(frame)


@fuzz_settings("parse_json_values")
@given(data=st.one_of(json_values, valid_envelopes(), near_valid_envelopes()))
def test_any_json_value_is_parsed_or_rejected_with_a_documented_code(data: Any) -> None:
    count("parse_json_values")
    expected = envelope_violations(data)
    message, error = attempt(parse_envelope, data, catch=EnvelopeError)
    if error is not None:
        assert expected is not None, f"{data!r} keeps §2, rejected as {error.code!r}"
        assert_rejected_as_documented(error, expected, data)
    else:
        assert expected is None, f"{data!r} accepted; expected one of {expected}"
        assert_keeps_the_rules(message, data)


@fuzz_settings("parse_near_valid_envelopes")
@given(frame=st.one_of(encoded(near_valid_envelopes()), encoded(valid_envelopes())))
def test_near_valid_envelopes_are_parsed_or_rejected_with_a_documented_code(
    frame: str | bytes,
) -> None:
    count("parse_near_valid_envelopes")
    check_frame(frame)


messages = st.builds(
    MovesiaMessage,
    type=types,
    id=ids,
    body=bodies,
    source=sources.filter(lambda s: isinstance(s, str)),
    ts=ints,
    session=st.one_of(st.none(), texts),
)


@fuzz_settings("envelope_round_trip")
@given(message=messages, binary=st.booleans())
def test_valid_envelope_survives_a_round_trip(message: MovesiaMessage, binary: bool) -> None:
    count("envelope_round_trip")
    text = message.to_json()
    assert set(json.loads(text)) == set(ENVELOPE_FIELDS)
    again = parse_envelope(decode_frame(text.encode("utf-8") if binary else text))
    assert again.type == message.type
    assert again.id == message.id
    assert canonical(again.body) == canonical(message.body)
    assert again.session == message.session
    assert again.source == message.source
    assert again.ts == expected_ts(message.ts)
    assert again.v == message.v == 1
    assert again.request_id == message.request_id


@fuzz_settings("decode_round_trip")
@given(value=json_values, binary=st.booleans())
def test_decode_frame_returns_the_json_it_was_given(value: Any, binary: bool) -> None:
    count("decode_round_trip")
    text = json.dumps(value)
    assert canonical(decode_frame(text.encode("utf-8") if binary else text)) == canonical(value)


# ── deeply nested JSON ───────────────────────────────────────────────────────────────
#
# Kept out of the strategies above on purpose, so that they keep testing everything
# else: nesting past the interpreter's recursion limit makes ``json.loads`` raise
# ``RecursionError``. Regression: ``decode_frame`` once let it escape; it now answers
# ``invalid_json``.

NESTING_PLACES = {
    "top": "{}",
    "body": '{{"type":"scene_saved","id":"deep","body":{{"a":{}}}}}',
    "v": '{{"type":"scene_saved","id":"deep","v":{}}}',
}


@fuzz_settings("deep_nesting")
@given(
    depth=st.integers(min_value=1, max_value=200_000),
    opener=st.sampled_from(["[", '{"a":']),
    place=st.sampled_from(sorted(NESTING_PLACES)),
    binary=st.booleans(),
)
def test_deeply_nested_frame_is_parsed_or_rejected_never_crashes(
    depth: int, opener: str, place: str, binary: bool
) -> None:
    count("deep_nesting")
    closer = "]" if opener == "[" else "}"
    text = NESTING_PLACES[place].format(opener * depth + "1" + closer * depth)
    frame: str | bytes = text.encode("utf-8") if binary else text
    message, error = attempt(parse_frame, frame, catch=EnvelopeError)
    if error is not None:
        assert error.code in DOCUMENTED_CODES
    else:
        assert message is not None
        assert isinstance(message.body, dict)
