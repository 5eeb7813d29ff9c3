"""``read_envelope``, the router's fast path: for every frame, the same message or the same
error as the Python parser (``parse_envelope(decode_frame(raw))``, PROTOCOL.md §2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from movesia_mcp import _envelope
from movesia_mcp._envelope import MovesiaMessage, decode_frame, parse_envelope, read_envelope
from movesia_mcp._exceptions import EnvelopeError

FRESH_ID = re.compile(r"[0-9a-f]{32}")


def outcome(read: Any, raw: str | bytes) -> tuple[Any, ...]:
    """What reading ``raw`` gives: the message's fields, or the error's."""
    try:
        message: MovesiaMessage = read(raw)
    except EnvelopeError as exc:
        return ("refused", exc.code, exc.message, exc.ref_id)
    # An assigned id is fresh and a missing ts is "now": both differ between two reads.
    assert not message.id_assigned or FRESH_ID.fullmatch(message.id)
    msg_id = None if message.id_assigned else message.id
    return ("read", message.type, msg_id, message.body, message.source, message.session)


def same_reading(raw: str | bytes) -> None:
    fast = outcome(read_envelope, raw)
    reference = outcome(lambda r: parse_envelope(decode_frame(r)), raw)
    assert fast == reference
    if fast[0] == "read":
        assert abs(read_envelope(raw).ts - parse_envelope(decode_frame(raw)).ts) <= 1


# ── every field's good and bad values, present or absent ─────────────────────────────

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
# Each field: values §2 accepts (drawn most of the time, so that one broken rule at a time
# is tried too), then anything JSON holds.
FIELDS = {
    "v": (st.just(1), st.sampled_from([0, 2, True, 1.0, "1", None]) | json_value),
    "type": (
        st.sampled_from(["response", "ack", "hb", "hello", "é", "x" * 300]),
        st.sampled_from(["", None, 5]) | json_value,
    ),
    "id": (st.sampled_from(["a" * 32, "r", "é", None]), st.sampled_from(["", 7]) | json_value),
    "body": (
        st.none() | st.dictionaries(st.text(max_size=6), json_value, max_size=4),
        json_value,
    ),
    "source": (st.sampled_from(["unity", "mcp", ""]), json_value),
    "ts": (
        st.sampled_from([1764600000, 1764600000123, 10**11, 10**11 + 1, -5, 0])
        | st.integers(min_value=-(2**70), max_value=2**70),
        json_value,
    ),
    "session": (st.sampled_from(["s" * 32, "", None]), json_value),
}


@st.composite
def envelopes(draw: st.DrawFn) -> Any:
    data: dict[str, Any] = {}
    for name, (good, anything) in FIELDS.items():
        if draw(st.integers(0, 7)):  # present seven times in eight
            data[name] = draw(anything if draw(st.integers(0, 5)) == 0 else good)
    data.update(draw(st.dictionaries(st.sampled_from(["extra", "request_id", "x"]), json_value)))
    return draw(st.sampled_from([data, data, data, [data], data.get("body")]))


@given(envelope=envelopes(), as_bytes=st.booleans())
@settings(max_examples=600, deadline=None)
def test_the_fast_path_reads_every_frame_as_the_python_parser_does(
    envelope: Any, as_bytes: bool
) -> None:
    text = json.dumps(envelope)  # NaN and the infinities as json writes them
    same_reading(text.encode() if as_bytes else text)


# ── frames where msgspec and json differ, or the rules are subtle ─────────────────────

GOOD = '"type":"response","id":"r1"'


@pytest.mark.parametrize(
    "raw",
    [
        "{" + GOOD + ',"body":{"n":' + "9" * 40 + "}}",  # beyond 64 bits: kept exact
        "{" + GOOD + ',"body":{"n":' + "9" * 5000 + "}}",  # beyond json's digit limit
        "{" + GOOD + ',"body":{"n":1e400}}',  # json: inf
        "{" + GOOD + ',"body":{"n":NaN,"m":-Infinity}}',
        "{" + GOOD + ',"body":{"s":"\\ud800"}}',  # a lone surrogate escape
        "{" + GOOD + ',"body":{"s":"a\tb"}}',  # a raw control character: not JSON
        "{" + GOOD + ',"body":' + "[" * 5000 + "]" * 5000 + "}",  # too deep
        '{"type":"a","type":"response","id":"r1","id":"r2"}',  # duplicate keys: last wins
        "\ufeff{" + GOOD + "}",  # a byte-order mark
        b"\xef\xbb\xbf{" + GOOD.encode() + b"}",
        b"{" + GOOD.encode() + b',"body":{"s":"\xff"}}',  # not UTF-8
        "{" + GOOD + ',"v":1.0}',
        "{" + GOOD + ',"v":true}',
        "{" + GOOD + ',"ts":1764600000123}',  # milliseconds
        "{" + GOOD + ',"ts":true}',
        "{" + GOOD + ',"ts":"1764600000"}',
        "{" + GOOD + ',"body":null,"session":null}',
        '{"type":"hb","id":null}',  # an id is assigned
        '{"type":"hb"}',  # missing_id
        '{"type":"hb","id":""}',
        '{"type":"","id":"x"}',
        '{"id":"x"}',  # missing_type
        '{"type":"hb","id":"x","source":null}',
        " {" + GOOD + "} \n",
        "{" + GOOD + "} {}",  # trailing data
        "",
        "null",
        "[]",
        '"text"',
    ],
)
def test_the_fast_path_reads_a_hard_frame_as_the_python_parser_does(raw: str | bytes) -> None:
    same_reading(raw)


def test_a_frame_with_a_big_integer_keeps_it_exact_on_the_fast_path() -> None:
    number = 10**30 + 7

    message = read_envelope("{" + GOOD + ',"body":{"n":' + str(number) + "}}")

    assert message.body == {"n": number}


@pytest.mark.parametrize(
    "raw",
    [
        '{"v":1,"source":"unity","type":"response","ts":1764600000,"id":"r1",'
        '"body":{"request_id":"r1","ok":true},"session":"s1"}',
        '{"type":"ack","id":"r1","session":"s1","ts":1764600000123}',
        '{"type":"hb","id":null,"body":null}',
        '{"type":"hierarchy_changed","id":"e1","body":{"nodes":[1,2.5,"x",null,false]}}',
    ],
)
def test_the_frames_the_plugin_sends_never_take_the_python_path(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = outcome(lambda r: parse_envelope(decode_frame(r)), raw)

    def slow_path(data: Any) -> MovesiaMessage:
        raise AssertionError("read on the Python path")

    monkeypatch.setattr(_envelope, "parse_envelope", slow_path)

    assert outcome(read_envelope, raw) == reference
