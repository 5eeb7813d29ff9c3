"""Which resources each change refreshes, read from the one declaration.

The expectations are the hand-written maps the server had before the declaration
(per link change, per Unity event): declaring them once changed none of them.
"""

from __future__ import annotations

import pytest

from movesia_mcp.catalog._resources import (
    CONNECTED,
    CONSOLE,
    DISCONNECTED,
    EVENTS,
    HIERARCHY,
    OBJECT_TEMPLATE,
    PROJECTS,
    RESOURCES,
    SCRIPT_TEMPLATE,
    SELECTION,
    STATUS,
    TEMPLATES,
    refreshed_resources,
    refreshed_templates,
    triggers,
)

EVERY_LINK_CHANGE = {STATUS, PROJECTS, SELECTION, HIERARCHY, CONSOLE}


@pytest.mark.parametrize(
    ("link", "event", "expected"),
    [
        (CONNECTED, None, EVERY_LINK_CHANGE),
        (DISCONNECTED, None, {STATUS, PROJECTS}),
        (CONNECTED, "hello", EVERY_LINK_CHANGE | {EVENTS}),  # a hello on a live link
        (None, "compile_started", {STATUS, EVENTS}),
        (None, "compile_finished", {STATUS, EVENTS}),
        (None, "selection_changed", {SELECTION, EVENTS}),
        (None, "hierarchy_changed", {HIERARCHY, EVENTS}),
        (None, "scene_opened", {HIERARCHY, STATUS, EVENTS}),
        (None, "scene_saved", {HIERARCHY, EVENTS}),
        (None, "log_message", {CONSOLE, EVENTS}),
        (None, "console_cleared", {CONSOLE, EVENTS}),
        (None, "play_mode_changed", {STATUS, EVENTS}),
        (None, "assets_imported", {EVENTS}),
        (None, "some_future_event", {EVENTS}),
    ],
)
def test_each_change_refreshes_the_resources_it_always_did(
    link: str | None, event: str | None, expected: set[str]
) -> None:
    assert set(refreshed_resources(triggers(link, event))) == expected


def test_a_state_kind_that_is_no_link_change_fires_only_its_event() -> None:
    # StateChange kinds "compile", "selection", "event" come with a message.
    assert triggers("compile", "compile_started") == triggers(None, "compile_started")
    assert triggers("event", None) == frozenset()


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("hierarchy_changed", [OBJECT_TEMPLATE]),
        ("scene_opened", [OBJECT_TEMPLATE]),
        ("scene_saved", [OBJECT_TEMPLATE]),
        ("assets_imported", [SCRIPT_TEMPLATE]),
        ("assets_deleted", [SCRIPT_TEMPLATE]),
        ("log_message", []),
    ],
)
def test_templates_refreshed_by_an_event(event: str, expected: list[str]) -> None:
    found = refreshed_templates(triggers(None, event))
    assert [spec.uri_template for spec in found] == expected


def test_the_declaration_names_each_resource_once() -> None:
    uris = [spec.uri for spec in RESOURCES] + [spec.uri_template for spec in TEMPLATES]
    assert len(uris) == len(set(uris))
    assert all(spec.refreshed_by for spec in RESOURCES)
    assert all(spec.refreshed_by for spec in TEMPLATES)
    assert [spec.prefix for spec in TEMPLATES] == ["unity://object/", "unity://script/"]
