"""Fuzzing the handshake (PROTOCOL.md §3.2): who is connecting.

``identify(query, first)`` returns an ``Identity`` that follows the precedence rules —
session: query ``session`` > handshake ``session_id`` > envelope ``session`` > derived
from the project path; conn_seq: query ``conn``/``conn_seq`` > handshake ``conn_seq`` >
0; project path: ``project_path`` > ``dataPath`` minus ``/Assets`` > query
``projectPath`` — or raises ``HandshakeError``, and nothing else.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import assume, event, example, given
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from movesia_mcp import HandshakeError
from movesia_mcp._handshake import Identity, derive_session_id, identify

from .conftest import count, fuzz_settings
from .harness import LoopThread, RawEditor, eventually, fuzz_manager
from .spec import (
    Rejected,
    attempt,
    capabilities_rule,
    conn_seq_rule,
    decode_verdict,
    non_empty_str,
    project_path_options,
    secret_rule,
    seed_of,
    session_candidates,
)
from .strategies import encoded, frames, hello_fields, ids, json_objects, json_values, texts

QUERY_KEYS = ["session", "conn", "conn_seq", "projectPath", "token", "secret"]
query_values = st.one_of(
    texts,
    st.integers().map(str),
    st.integers(min_value=4290, max_value=4310).map(lambda n: "7" * n),
    st.sampled_from(["", " 7", "7 ", "+7", "-7", "0x10", "1_000", "\u0667", "1.0", "1e3", "00"]),
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(QUERY_KEYS), st.text(max_size=8)), query_values, max_size=5
)
seeds = st.one_of(
    hello_fields,
    st.builds(lambda a, b: {**b, **a}, hello_fields, json_objects),
)
hello_envelopes = st.fixed_dictionaries(
    {"type": st.sampled_from(["hello", "scene_saved", "", 0, None])},
    optional={
        "id": ids,
        "v": st.just(1),
        "session": st.one_of(texts, json_values),
        "body": st.one_of(seeds, json_values),
    },
)
first_messages = st.one_of(st.none(), seeds, hello_envelopes)


@fuzz_settings("handshake_identify")
@given(query=queries, first=first_messages)
@example(query={}, first={"dataPath": "/Assets"})
@example(query={}, first={"dataPath": "/p/Proj/Assets/"})
@example(query={"conn": "x", "conn_seq": "3"}, first={"session_id": "s"})
@example(query={"conn": "7" * 4301}, first={"session_id": "s"})
@example(query={}, first={"session_id": "s", "conn_seq": True})
@example(query={}, first={"session_id": "s", "conn_seq": None})
@example(query={"session": ""}, first={"type": "hello", "session": "env", "body": []})
def test_identify_follows_the_precedence_rules(
    query: dict[str, str], first: dict[str, Any] | None
) -> None:
    count("handshake_identify")
    seed, envelope_session = seed_of(first)
    conn = conn_seq_rule(query, seed)
    paths = project_path_options(query, seed)
    session = session_candidates(query, seed, envelope_session)
    no_session = session is None and not any(paths)
    # Lone surrogates are valid JSON but not Unicode text: the server may refuse them.
    bad_text = any(
        isinstance(v, str) and has_surrogate(v)
        for v in [*query.values(), *seed.values(), envelope_session]
    )

    identity, error = attempt(identify, query, first, catch=HandshakeError)
    if error is not None:
        assert str(error)
        assert conn.must_fail or conn.may_fail or no_session or bad_text, (
            f"refused a valid handshake {query!r} {first!r}: {error}"
        )
        return

    assert isinstance(identity, Identity)
    assert not conn.must_fail, f"accepted a bad conn_seq: {query!r} {first!r}"
    assert not no_session, f"accepted a handshake that names no session: {first!r}"
    assert type(identity.conn_seq) is int
    assert identity.conn_seq == conn.value
    assert identity.project_path in paths
    assert non_empty_str(identity.session_id)
    if session is not None:
        assert identity.session_id == session
    else:
        assert identity.project_path
        assert identity.session_id == derive_session_id(identity.project_path)
    versions = [seed[k] for k in ("unity_version", "unityVersion") if non_empty_str(seed.get(k))]
    version = versions[0] if versions else None
    assert identity.unity_version == version
    guid = seed.get("productGUID")
    assert identity.product_guid == (guid if non_empty_str(guid) else None)
    name = identity.project_name
    assert name is None or (non_empty_str(name) and "/" not in name and "\\" not in name)
    # 1.1: capabilities (known names only) and the presented secret (never in repr).
    assert identity.capabilities == capabilities_rule(seed)
    assert identity.session_secret == secret_rule(query, seed)
    assert "session_secret" not in repr(identity)


def has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


@fuzz_settings("derived_session_id")
@given(path=st.text(min_size=1), slash=st.sampled_from(["", "/"]))
def test_derived_session_id_is_stable(path: str, slash: str) -> None:
    count("derived_session_id")
    once = derive_session_id(path)
    assert once == derive_session_id(path + slash)
    assert once == derive_session_id(path.replace("/", "\\"))
    assert once.startswith("p-")
    identity, error = attempt(identify, {}, {"project_path": path}, catch=HandshakeError)
    if has_surrogate(path):
        assert error is not None  # not Unicode text: refused with 4000
    else:
        assert identity is not None
        assert identity.session_id == once


# Regression: a project path with a lone surrogate (valid JSON ``"\\ud800"``, what a
# Windows path with an unpaired UTF-16 half decodes to) once made ``derive_session_id``
# raise ``UnicodeEncodeError`` and the editor was dropped without a close frame. Such
# identity text is now refused with HandshakeError (close 4000).
@fuzz_settings("surrogate_project_path")
@given(
    path=st.builds(
        lambda a, s, b: a + s + b, st.text(max_size=10), st.characters(categories=["Cs"]),
        st.text(max_size=10),
    ),
    key=st.sampled_from(["project_path", "dataPath"]),
)  # fmt: skip
@example(path="\ud800", key="project_path")
def test_project_path_with_a_lone_surrogate_is_identified_or_refused(path: str, key: str) -> None:
    count("surrogate_project_path")
    identity, error = attempt(identify, {}, {key: path}, catch=HandshakeError)
    assert error is not None or (identity is not None and identity.session_id)


# ── the same rules over a real socket ────────────────────────────────────────────────


@pytest.fixture(scope="module")
def handshake_server() -> Iterator[LoopThread]:
    live = LoopThread(fuzz_manager()).start()
    try:
        yield live
    finally:
        live.stop()


url_queries = st.dictionaries(
    st.sampled_from(["session", "conn", "conn_seq", "projectPath", "other"]),
    st.one_of(st.text(max_size=12), st.integers(-5, 5).map(str), st.sampled_from(["", "x"])),
    max_size=3,
)
first_frames = st.one_of(encoded(seeds), encoded(hello_envelopes), frames)


IDENTITY_TEXT_KEYS = (
    "project_path",
    "dataPath",
    "unity_version",
    "unityVersion",
    "productGUID",
    "session_id",
)


def expected_outcome(query: dict[str, str], frame: str | bytes) -> tuple[str, Any] | None:
    """("welcome", (session, conn_seq)) or ("refused", None); None: either is right."""
    conn = conn_seq_rule(query, {})
    if ("conn" in query or "conn_seq" in query) and (conn.must_fail or conn.may_fail):
        return None if conn.may_fail else ("refused", None)
    if query.get("session") and ("conn" in query or "conn_seq" in query):
        return ("welcome", (query["session"], conn.value))  # accepted at once
    data = decode_verdict(frame)
    if isinstance(data, Rejected) or not isinstance(data, dict):
        return ("refused", None)
    if "type" in data and data["type"] != "hello":
        return ("refused", None)
    seed, envelope_session = seed_of(data)
    # Identity text with lone surrogates may be refused (4000), as identify's test says.
    texts_in = [seed.get(k) for k in IDENTITY_TEXT_KEYS] + [envelope_session]
    if any(isinstance(v, str) and has_surrogate(v) for v in texts_in):
        return None
    rule = conn_seq_rule(query, seed)
    paths = project_path_options(query, seed)
    session = session_candidates(query, seed, envelope_session)
    if rule.must_fail or (session is None and not any(paths)):
        return ("refused", None)
    if rule.may_fail:
        return None
    if session is None:
        assume(not any(has_surrogate(p) for p in paths if p))  # refused; tested above
        return ("welcome", (None, rule.value))  # derived id: any non-empty one
    return ("welcome", (session, rule.value))


async def _handshake(live: LoopThread, query: dict[str, str], frame: str | bytes) -> Any:
    url = live.url + ("?" + urlencode(query) if query else "")
    editor = await RawEditor.open(url)
    try:
        with contextlib.suppress(ConnectionClosed):  # a bad ?conn= is refused at once
            await editor.send(frame)
        try:
            welcome = await editor.wait_for(lambda m: m.get("type") == "welcome", timeout=5)
        except AssertionError:
            if not editor.closed:
                raise
            return ("closed", editor.closed_by_server)
        return ("welcome", welcome)
    finally:
        await editor.close()
        await eventually(lambda: len(live.manager.table) == 0)


@fuzz_settings("handshake_over_socket")
@given(query=url_queries, frame=first_frames)
@example(query={}, frame=json.dumps({"project_path": "/p/Proj", "conn_seq": 3}))
@example(query={"conn": "x"}, frame=json.dumps({"session_id": "s"}))
@example(query={"session": "q"}, frame="{not json")
def test_first_message_is_welcomed_or_refused_with_4000(
    handshake_server: LoopThread, query: dict[str, str], frame: str | bytes
) -> None:
    count("handshake_over_socket")
    expected = expected_outcome(query, frame)
    kind, detail = handshake_server.call(_handshake(handshake_server, query, frame))
    event(f"outcome: {kind}")
    if kind == "closed":
        assert detail is not None, f"dropped without a close frame: {query!r} {frame!r}"
        assert detail[0] == 4000, f"closed with {detail}, not 4000: {query!r} {frame!r}"
        assert detail[1].startswith("handshake_failed")
        assert expected is None or expected[0] == "refused", f"refused: {query!r} {frame!r}"
        return
    body = detail["body"]
    assert expected is None or expected[0] == "welcome", f"welcomed: {query!r} {frame!r}"
    assert body["server"] == "movesia-mcp"
    assert body["protocol"] == 1
    assert isinstance(body["session"], str)
    assert body["session"]
    assert type(body["conn_seq"]) is int
    if expected is not None:
        session, conn_seq = expected[1]
        assert body["conn_seq"] == conn_seq
        if session is not None:
            assert body["session"] == session
    assert detail["session"] == body["session"]
    # 1.1: an editor that declares a capability gets the honoured ones (sorted) and, on
    # its session's first 1.1 welcome, a secret; one that declares none, neither.
    caps = body.get("capabilities")
    if caps is not None:
        assert caps == sorted(set(caps))
        assert set(caps) <= {"command_ack", "dedup", "cancel"}
        assert caps
    if "session_secret" in body:
        assert caps is not None
        assert isinstance(body["session_secret"], str)
        assert len(body["session_secret"]) >= 22


def test_lone_surrogate_project_path_over_socket_is_welcomed_or_refused(
    handshake_server: LoopThread,
) -> None:
    """Regression (see above), over the wire: welcomed or refused with 4000, never dropped."""
    frame = json.dumps({"project_path": "/p/\ud800/Proj", "unity_version": "6000.0"})
    kind, detail = handshake_server.call(_handshake(handshake_server, {}, frame))
    if kind == "closed":
        assert detail is not None, "dropped without a close frame"
        assert detail[0] == 4000
