"""Identity from the query string and the first message (PROTOCOL.md §3.2)."""

from __future__ import annotations

from typing import Any

import pytest

from movesia_mcp import HandshakeError
from movesia_mcp._handshake import (
    derive_session_id,
    identify,
    is_handshake_message,
)

PROJECT = "/home/dev/Games/Rocket"


def hello(body: dict[str, Any], session: str | None = None) -> dict[str, Any]:
    envelope: dict[str, Any] = {"v": 1, "type": "hello", "id": "h-1", "body": body}
    if session is not None:
        envelope["session"] = session
    return envelope


# which first messages are handshakes


def test_seed_object_without_type_is_a_handshake() -> None:
    assert is_handshake_message({"project_path": PROJECT, "unity_version": "6000.0.1f1"})


def test_hello_envelope_is_a_handshake() -> None:
    assert is_handshake_message(hello({"dataPath": f"{PROJECT}/Assets"}))


def test_other_envelope_is_not_a_handshake() -> None:
    assert not is_handshake_message({"type": "scene_saved", "id": "1", "body": {}})


def test_non_object_is_not_a_handshake() -> None:
    assert not is_handshake_message(["hello"])


# session id: query session > handshake session_id > envelope session > derived


def test_query_session_beats_handshake_session_id() -> None:
    identity = identify({"session": "from-query"}, {"session_id": "from-seed"})

    assert identity.session_id == "from-query"


def test_query_session_beats_envelope_session() -> None:
    identity = identify({"session": "from-query"}, hello({}, session="from-envelope"))

    assert identity.session_id == "from-query"


def test_handshake_session_id_beats_envelope_session() -> None:
    first = hello({"session_id": "from-body", "project_path": PROJECT}, session="from-envelope")

    assert identify({}, first).session_id == "from-body"


def test_seed_session_id_beats_derived_session() -> None:
    identity = identify({}, {"session_id": "from-seed", "project_path": PROJECT})

    assert identity.session_id == "from-seed"


def test_envelope_session_beats_derived_session() -> None:
    identity = identify({}, hello({"project_path": PROJECT}, session="from-envelope"))

    assert identity.session_id == "from-envelope"


def test_session_is_derived_from_project_path_when_none_is_named() -> None:
    identity = identify({}, {"project_path": PROJECT})

    assert identity.session_id == derive_session_id(PROJECT)


def test_derived_session_is_stable_for_the_same_project() -> None:
    first = identify({}, {"project_path": PROJECT})
    again = identify({}, hello({"dataPath": f"{PROJECT}/Assets"}))

    assert first.session_id == again.session_id


def test_derived_session_ignores_trailing_slash_and_separator_style() -> None:
    assert derive_session_id("C:\\Games\\Rocket\\") == derive_session_id("C:/Games/Rocket")


def test_different_projects_derive_different_sessions() -> None:
    assert derive_session_id("/a/Rocket") != derive_session_id("/b/Rocket")


def test_session_can_be_derived_from_query_project_path() -> None:
    identity = identify({"projectPath": PROJECT}, None)

    assert identity.session_id == derive_session_id(PROJECT)


def test_query_session_alone_identifies_without_first_message() -> None:
    identity = identify({"session": "abc12345"}, None)

    assert (identity.session_id, identity.conn_seq) == ("abc12345", 0)


def test_handshake_naming_no_session_and_no_project_is_rejected() -> None:
    with pytest.raises(HandshakeError):
        identify({}, {"unity_version": "6000.0.1f1"})


# conn_seq: query conn/conn_seq > handshake conn_seq > 0


def test_query_conn_beats_handshake_conn_seq() -> None:
    identity = identify({"session": "s", "conn": "7"}, {"conn_seq": 3})

    assert identity.conn_seq == 7


def test_query_conn_seq_beats_handshake_conn_seq() -> None:
    identity = identify({"session": "s", "conn_seq": "7"}, {"conn_seq": 3})

    assert identity.conn_seq == 7


def test_handshake_conn_seq_is_used_without_query_conn() -> None:
    assert identify({}, {"session_id": "s", "conn_seq": 3}).conn_seq == 3


def test_hello_body_conn_seq_is_used_without_query_conn() -> None:
    assert identify({}, hello({"session_id": "s", "conn_seq": 4})).conn_seq == 4


def test_conn_seq_defaults_to_zero() -> None:
    assert identify({}, {"session_id": "s"}).conn_seq == 0


@pytest.mark.parametrize("key", ["conn", "conn_seq"])
def test_non_integer_query_conn_seq_is_a_handshake_error(key: str) -> None:
    with pytest.raises(HandshakeError):
        identify({"session": "s", key: "two"}, None)


@pytest.mark.parametrize("raw", ["3", 1.5, True, None], ids=repr)
def test_non_integer_handshake_conn_seq_is_a_handshake_error(raw: object) -> None:
    with pytest.raises(HandshakeError):
        identify({}, {"session_id": "s", "conn_seq": raw})


# project path: handshake project_path > dataPath minus /Assets > query projectPath


def test_handshake_project_path_beats_data_path() -> None:
    first = {"project_path": PROJECT, "dataPath": "/elsewhere/Assets"}

    assert identify({}, first).project_path == PROJECT


def test_handshake_project_path_beats_query_project_path() -> None:
    identity = identify({"projectPath": "/from/query"}, {"project_path": PROJECT})

    assert identity.project_path == PROJECT


def test_data_path_without_trailing_assets_is_the_project_path() -> None:
    assert identify({}, hello({"dataPath": f"{PROJECT}/Assets"})).project_path == PROJECT


def test_data_path_with_trailing_slash_after_assets_is_stripped() -> None:
    assert identify({}, hello({"dataPath": f"{PROJECT}/Assets/"})).project_path == PROJECT


def test_data_path_beats_query_project_path() -> None:
    first = hello({"dataPath": f"{PROJECT}/Assets"})

    assert identify({"projectPath": "/from/query"}, first).project_path == PROJECT


def test_query_project_path_is_used_last() -> None:
    identity = identify({"projectPath": PROJECT, "session": "s"}, {"unity_version": "6000"})

    assert identity.project_path == PROJECT


def test_project_path_is_none_when_nobody_names_it() -> None:
    assert identify({"session": "s"}, None).project_path is None


# project details


def test_seed_unity_version_is_kept() -> None:
    identity = identify({}, {"project_path": PROJECT, "unity_version": "2022.3.10f1"})

    assert identity.unity_version == "2022.3.10f1"


def test_movesia_hello_details_are_kept() -> None:
    first = hello(
        {"dataPath": f"{PROJECT}/Assets", "unityVersion": "6000.0.1f1", "productGUID": "g-1"}
    )

    identity = identify({}, first)

    assert (identity.unity_version, identity.product_guid) == ("6000.0.1f1", "g-1")


def test_project_name_is_the_last_path_component() -> None:
    assert identify({}, {"project_path": "C:\\Games\\Rocket\\"}).project_name == "Rocket"
