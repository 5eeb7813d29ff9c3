"""The frame codec (``envelope.dumps``/``loads``): orjson out, msgspec in, with the
standard library's ``json`` deciding wherever they disagree, so what is sent and accepted
is unchanged."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from movesia_mcp._envelope import MovesiaMessage, decode_frame, dumps, loads, parse_envelope
from movesia_mcp._exceptions import EnvelopeError

# 2**64 + 10**18 + 1 and 19999999999999999999: msgspec before 0.19 decoded them wrongly.
BEYOND_64_BITS = [
    2**64,
    -(2**63) - 1,
    2**64 + 10**18 + 1,
    -(2**64 + 10**18 + 1),
    19999999999999999999,
    10**30,
    -(10**40),
]
WITHIN_64_BITS = [2**64 - 1, 2**63, -(2**63), 10**18, -(10**18)]


def stdlib(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# ── encoding ────────────────────────────────────────────────────────────────────────


def test_dumps_is_compact_json() -> None:
    assert dumps({"a": [1, 2], "b": None}) == '{"a":[1,2],"b":null}'


def test_dumps_sends_non_ascii_text_as_utf8_with_the_same_value() -> None:
    value = {"name": "Cube é 立方体 😀", "path": "Assets/Ünïcode"}

    text = dumps(value)

    assert "é" in text  # not \\u escapes
    assert "😀" in text
    assert json.loads(text) == value


@pytest.mark.parametrize("number", BEYOND_64_BITS)
def test_dumps_falls_back_to_json_for_integers_beyond_64_bits(number: int) -> None:
    text = dumps({"n": number})

    assert text == stdlib({"n": number})
    assert json.loads(text)["n"] == number


@pytest.mark.parametrize("number", WITHIN_64_BITS)
def test_dumps_keeps_64_bit_integers_exact(number: int) -> None:
    assert json.loads(dumps({"id": number}))["id"] == number


@pytest.mark.parametrize("odd", [math.nan, math.inf, -math.inf])
def test_dumps_writes_nan_and_infinities_as_json_does_never_as_null(odd: float) -> None:
    value = {"body": {"values": [1.0, odd]}, "session": "s"}

    text = dumps(value)

    assert text == stdlib(value)
    assert "null" not in text


def test_dumps_keeps_real_nulls_beside_finite_floats() -> None:
    assert dumps({"x": None, "y": 1.5}) == '{"x":null,"y":1.5}'


def test_dumps_sends_a_lone_surrogate_escaped() -> None:
    text = dumps({"path": "bad\ud800name"})

    assert text == stdlib({"path": "bad\ud800name"})
    assert "\\ud800" in text
    text.encode("utf-8")  # sendable as a text frame


def test_dumps_converts_non_string_keys_as_json_does() -> None:
    assert dumps({1: "a", 2.5: "b", None: "c"}) == stdlib({1: "a", 2.5: "b", None: "c"})


def test_dumps_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_to_json_uses_the_codec() -> None:
    message = MovesiaMessage.create("echo", {"text": "é"}, session="s", msg_id="m")

    assert json.loads(message.to_json()) == message.to_dict()
    assert "é" in message.to_json()


def test_to_json_keeps_a_big_integer_exact() -> None:
    message = MovesiaMessage.create("echo", {"text": "é", "big": 2**70}, session="s", msg_id="m")

    assert json.loads(message.to_json())["body"] == {"text": "é", "big": 2**70}


# ── decoding ────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("number", BEYOND_64_BITS + WITHIN_64_BITS)
def test_loads_keeps_every_integer_exact(number: int) -> None:
    """orjson would turn an integer beyond 64 bits into a float (loads once used it)."""
    value = loads(f'{{"n":{number},"s":"x"}}')["n"]

    assert value == number
    assert type(value) is int


def test_loads_keeps_a_long_digit_run_inside_a_string_as_text() -> None:
    assert loads('{"id":"12345678901234567890123"}') == {"id": "12345678901234567890123"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("NaN", math.nan), ("Infinity", math.inf), ("-Infinity", -math.inf), ("1e400", math.inf)],
)
def test_loads_accepts_what_json_accepts_beyond_msgspec(text: str, expected: float) -> None:
    value = loads(f'{{"x":{text}}}')["x"]

    assert (math.isnan(value) and math.isnan(expected)) or value == expected


def test_loads_accepts_a_lone_surrogate_escape_as_json_does() -> None:
    assert loads('{"p":"\\ud800"}') == json.loads('{"p":"\\ud800"}')


def test_loads_accepts_bytes_and_text_alike() -> None:
    text = '{"name":"立方体","n":1}'

    assert loads(text) == loads(text.encode("utf-8")) == {"name": "立方体", "n": 1}


@pytest.mark.parametrize("text", ["{not json", "[1,]", "", "\ufeff{}", '{"a":1}x'])
def test_loads_refuses_what_json_refuses(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is json's own
        json.loads(text)
    with pytest.raises(ValueError):  # noqa: PT011
        loads(text)


@pytest.mark.parametrize(
    "raw",
    [
        "[" + "9" * 4000 + "]",  # within json's 4,300 digits
        "[" + "9" * 5000 + "]",  # beyond them: both refuse
        r'["\ud800"]',  # a lone surrogate escape
        r'["\udc00\ud800"]',
        r'["\ud83d\ude00"]',  # a pair: one character
        '["' + chr(0xD800) + '"]',  # a lone surrogate in the text itself
        '{"a":1,"a":2}',  # duplicate keys: the last wins
        '["a' + chr(9) + 'b"]',  # a raw control character
        r'["a\u0000b"]',
        "[1e400, -1e400, 1e-400, -0.0, 0.1, 2.2250738585072011e-308]",
        "[NaN, Infinity, -Infinity]",
        " [1] \n",
        "[1] [2]",
        b"\xef\xbb\xbf[1]",  # json reads a BOM in bytes, not in text
        "\ufeff[1]",
        b'["\xff"]',  # not UTF-8
        '["café"]'.encode("utf-16"),  # json detects UTF-16 in bytes
        "-0",
        "-" + "1" * 30,
    ],
)
def test_loads_reads_a_hard_text_as_json_does(raw: str | bytes) -> None:
    def read(decode: Any) -> Any:
        try:
            return ("value", canonical(decode(raw)))
        except ValueError:
            return ("refused",)

    assert read(loads) == read(json.loads)


def test_decode_frame_still_maps_deep_nesting_to_invalid_json() -> None:
    with pytest.raises(EnvelopeError) as info:
        decode_frame("[" * 100_000 + "]" * 100_000)

    assert info.value.code == "invalid_json"


def test_a_frame_with_a_big_integer_keeps_it_through_parse_envelope() -> None:
    frame = (
        '{"v":1,"type":"x_response","id":"r","body":{"request_id":"r","eid":18446744073709551616}}'
    )

    assert parse_envelope(decode_frame(frame)).body["eid"] == 2**64


# ── both ways, against the reference ────────────────────────────────────────────────

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values | st.lists(st.floats(), max_size=4))
def test_dumps_gives_the_value_json_gives(value: Any) -> None:
    assert canonical(json.loads(dumps(value))) == canonical(json.loads(stdlib(value)))


@given(json_values | st.lists(st.floats(), max_size=4), st.booleans())
def test_loads_gives_the_value_json_gives(value: Any, escaped: bool) -> None:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=escaped)

    assert canonical(loads(text)) == canonical(json.loads(text))


def canonical(value: Any) -> str:
    """Comparable text (NaN equals NaN, key order ignored, characters as they are)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
