"""The simulated Unity editor: every catalog command, called as the peer calls it.

Handlers are called directly, with parameters in the form the server sends them
(``model_dump(mode="json", exclude_none=True)`` of the tool's parameter model). The two
socket tests at the end run the editor behind a real server.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from conftest import RunningServer
from movesia_mcp._simulator import (
    AnswerThenCompile,
    CompileThenAnswer,
    ReloadThenAnswer,
    SimulatedEditor,
    run_simulated_editor,
)
from movesia_mcp._simulator.compiler import check_source
from movesia_mcp._simulator.editor import CommandError
from movesia_mcp._simulator.peer import HandlerResult
from movesia_mcp._simulator.project import PLAYER_CONTROLLER
from movesia_mcp._simulator.scripts import sha256_hex
from movesia_mcp.catalog import TOOLS_BY_COMMAND, UNITY_TOOLS

Body = dict[str, Any]

VALID_SCRIPT = """\
using UnityEngine;

public class Spinner : MonoBehaviour
{
    public float speed = 90f;

    void Update()
    {
        transform.Rotate(0f, speed * Time.deltaTime, 0f);
    }
}
"""
# The class body's closing brace is missing: detected at the end, after line 10's '}'.
MISSING_BRACE = "\n".join(VALID_SCRIPT.splitlines()[:-1]) + "\n"


class RecordingPeer:
    """Stands in for ``SimulatedUnity``: records the events the editor sends."""

    compiling = False

    def __init__(self) -> None:
        self.events: list[tuple[str, Body]] = []

    async def send_event(
        self, msg_type: str, body: Body | None = None, *, wait_ack: bool = False
    ) -> Body:
        self.events.append((msg_type, body or {}))
        return {}

    def types(self) -> list[str]:
        return [msg_type for msg_type, _ in self.events]

    def of(self, msg_type: str) -> list[Body]:
        return [body for kind, body in self.events if kind == msg_type]


def wire(command: str, **arguments: Any) -> Body:
    """Arguments as the server sends them: validated and dumped by the tool's model."""
    model = TOOLS_BY_COMMAND[command].params.model_validate(arguments)
    return model.model_dump(mode="json", exclude_none=True)


def body_of(result: HandlerResult) -> Body:
    if isinstance(result, ReloadThenAnswer | CompileThenAnswer | AnswerThenCompile):
        return result.body
    assert isinstance(result, dict), result
    return result


async def run(editor: SimulatedEditor, command: str, **arguments: Any) -> HandlerResult:
    return await editor.handlers()[command](wire(command, **arguments))


async def ok(editor: SimulatedEditor, command: str, **arguments: Any) -> Body:
    """Run a command that must succeed; its answer must fit the catalog's result model."""
    body = body_of(await run(editor, command, **arguments))
    assert "error" not in body, body["error"]
    TOOLS_BY_COMMAND[command].result.model_validate(body)
    return body


async def fails(editor: SimulatedEditor, command: str, **arguments: Any) -> str:
    body = body_of(await run(editor, command, **arguments))
    assert "error" in body, body
    return str(body["error"])


@pytest.fixture
def editor() -> SimulatedEditor:
    return SimulatedEditor()


@pytest.fixture
def peer(editor: SimulatedEditor) -> RecordingPeer:
    recording = RecordingPeer()
    editor.attach(recording)
    return recording


def find(editor: SimulatedEditor, path: str) -> Any:
    obj = editor.graph.find(path)
    assert obj is not None, path
    return obj


# ── the catalog as a whole ──────────────────────────────────────────────────────────

EXAMPLES: dict[str, Body] = {
    "get_hierarchy": {},
    "find_objects": {"name": "player"},
    "inspect_object": {"path": "Player"},
    "create_gameobject": {"name": "Box", "primitive": "Cube"},
    "duplicate_gameobject": {"path": "Player"},
    "destroy_gameobject": {"path": "Canvas"},
    "rename_gameobject": {"path": "Canvas", "new_name": "HUD"},
    "set_parent": {"path": "Canvas", "new_parent": "Environment"},
    "move_to_scene": {"path": "Canvas", "scene": "SampleScene"},
    "add_component": {"path": "Canvas", "component": "AudioSource"},
    "remove_component": {"path": "Player", "component": "Rigidbody"},
    "set_component_properties": {
        "path": "Directional Light",
        "component": "Light",
        "properties": {"intensity": 2},
    },
    "instantiate_prefab": {"prefab_path": "Assets/Prefabs/Enemy.prefab"},
    "create_prefab": {"path": "Player", "prefab_path": "Assets/Prefabs/Player.prefab"},
    "apply_prefab": {"path": "Enemy"},
    "revert_prefab": {"path": "Enemy"},
    "open_scene": {"path": "Assets/Scenes/Level2.unity"},
    "save_scene": {},
    "create_scene": {"path": "Assets/Scenes/New.unity"},
    "set_active_scene": {"scene": "SampleScene"},
    "search_assets": {"query": "t:Material"},
    "refresh_assets": {},
    "delete_asset": {"path": "Assets/Materials/Ground.mat"},
    "create_material": {"path": "Assets/Materials/Red.mat", "color": [1, 0, 0]},
    "modify_material": {"path": "Assets/Materials/Ground.mat", "color": [0, 1, 0, 1]},
    "assign_material": {"path": "Player", "material_path": "Assets/Materials/Ground.mat"},
    "write_script": {"path": "Assets/Scripts/Spinner.cs", "contents": VALID_SCRIPT},
    "read_console": {},
    "clear_console": {},
    "get_editor_state": {},
    "set_play_mode": {"action": "play"},
    "get_selection": {},
    "set_selection": {"paths": ["Player"]},
    "execute_menu_item": {"menu_path": "GameObject/3D Object/Cube"},
    "get_project_settings": {"category": "physics"},
    "batch": {"steps": [{"tool": "create_gameobject", "arguments": {"name": "A"}}]},
    "read_script": {"path": "Assets/Scripts/PlayerController.cs", "limit": 5},
    "edit_script": {
        "path": "Assets/Scripts/PlayerController.cs",
        "sha256": sha256_hex(PLAYER_CONTROLLER),
        "edits": [
            {"start_line": 1, "start_column": 1, "end_line": 1, "end_column": 1, "text": "// x\n"}
        ],
    },
    "undo": {"steps": 2},
    "redo": {},
    # catalog v2: pictures and tests
    "capture_view": {"view": "scene", "width": 32, "height": 24},
    "list_tests": {},
    "run_tests": {"mode": "EditMode"},
    # packages (catalog v2)
    "list_packages": {},
    "add_package": {"package": "com.unity.inputsystem"},
    "remove_package": {"name": "com.unity.timeline"},
}


def test_every_catalog_command_has_a_handler(editor: SimulatedEditor) -> None:
    assert set(editor.handlers()) == {spec.command for spec in UNITY_TOOLS}


def test_every_catalog_command_has_an_example_here() -> None:
    assert set(EXAMPLES) == {spec.command for spec in UNITY_TOOLS}


@pytest.mark.parametrize("command", sorted(EXAMPLES))
async def test_every_command_answers_with_its_result_model(command: str) -> None:
    editor = SimulatedEditor()
    if command == "batch":  # the server sends batch steps as tool, command, params
        params: Body = {
            "steps": [
                {
                    "tool": "create_gameobject",
                    "command": "create_gameobject",
                    "params": {"name": "A"},
                }
            ]
        }
    else:
        params = wire(command, **EXAMPLES[command])
    body = body_of(await editor.handlers()[command](params))
    assert "error" not in body, body
    TOOLS_BY_COMMAND[command].result.model_validate(body)


async def test_unknown_arguments_are_an_error(editor: SimulatedEditor) -> None:
    body = body_of(await editor.handlers()["get_hierarchy"]({"dpeth": 3}))
    assert "invalid parameters for get_hierarchy" in body["error"]
    assert "dpeth" in body["error"]


# ── get_hierarchy ───────────────────────────────────────────────────────────────────


async def test_get_hierarchy_lists_scene_roots_with_children_down_to_depth(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "get_hierarchy", depth=2)
    names = [node["name"] for node in body["nodes"]]
    assert names[:4] == ["Main Camera", "Directional Light", "Ground", "Player"]
    player = body["nodes"][3]
    model = player["children"][0]
    assert model["path"] == "Player/Model"
    assert [c["path"] for c in model["children"]] == ["Player/Model/Head", "Player/Model/Weapon"]
    assert body["total"] == len(editor.graph.active.roots)  # type: ignore[union-attr]
    assert body["total_objects"] == 17
    assert body["next_offset"] is None


async def test_get_hierarchy_depth_zero_marks_children_truncated(editor: SimulatedEditor) -> None:
    body = await ok(editor, "get_hierarchy", depth=0)
    player = next(node for node in body["nodes"] if node["name"] == "Player")
    assert player["children"] == []
    assert player["children_truncated"] is True
    assert player["child_count"] == 2


async def test_get_hierarchy_root_lists_the_children_of_that_path(editor: SimulatedEditor) -> None:
    body = await ok(editor, "get_hierarchy", root="Environment/Trees", depth=0)
    assert [node["path"] for node in body["nodes"]] == [
        "Environment/Trees/Oak",
        "Environment/Trees/Pine",
    ]
    assert body["total"] == 2


async def test_get_hierarchy_pages_by_offset_and_limit(editor: SimulatedEditor) -> None:
    first = await ok(editor, "get_hierarchy", limit=3, depth=0)
    second = await ok(editor, "get_hierarchy", offset=first["next_offset"], limit=3, depth=0)
    assert first["next_offset"] == 3
    assert [n["name"] for n in second["nodes"]] == ["Player", "Environment", "Enemy"]


async def test_get_hierarchy_unknown_root_is_an_error(editor: SimulatedEditor) -> None:
    assert "'Nowhere/Thing' not found" in await fails(editor, "get_hierarchy", root="Nowhere/Thing")


async def test_get_hierarchy_of_an_unloaded_scene_is_an_error(editor: SimulatedEditor) -> None:
    assert "scene 'Level2' is not loaded" in await fails(editor, "get_hierarchy", scene="Level2")


# ── the 100,000-object scene ────────────────────────────────────────────────────────


# How fast the big scene builds and answers is measured in bench/, not asserted here.
@pytest.fixture(scope="module")
def big() -> tuple[SimulatedEditor, float]:
    return SimulatedEditor(objects=100_000), 0.0


def test_100k_object_scene_holds_exactly_100k_objects(big: tuple[SimulatedEditor, float]) -> None:
    editor, _ = big
    assert editor.graph.active is not None
    assert editor.graph.active.object_count == 100_000


async def test_100k_object_hierarchy_pages_through_every_root(
    big: tuple[SimulatedEditor, float],
) -> None:
    editor, _ = big
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        body = await ok(editor, "get_hierarchy", offset=offset, limit=25, depth=1)
        assert len(body["nodes"]) <= 25
        assert body["total_objects"] == 100_000
        seen += [node["name"] for node in body["nodes"]]
        offset = body["next_offset"]
    assert len(seen) == body["total"] == 7 + 100  # the sample's roots, then 100 groups
    assert seen[-1] == "Group_099"


async def test_100k_object_hierarchy_caps_the_nodes_of_one_answer(
    big: tuple[SimulatedEditor, float],
) -> None:
    editor, _ = big
    body = await ok(editor, "get_hierarchy", depth=10, limit=500, max_nodes=2000)

    def count(nodes: list[Body]) -> int:
        return sum(1 + count(node["children"]) for node in nodes)

    def truncated(nodes: list[Body]) -> bool:
        return any(n["children_truncated"] or truncated(n["children"]) for n in nodes)

    assert count(body["nodes"]) <= 2000
    assert truncated(body["nodes"])


@pytest.mark.parametrize("max_nodes", [1, 3, 10, 50, 120, 500, 1000])
async def test_get_hierarchy_never_holds_more_than_max_nodes(
    big: tuple[SimulatedEditor, float], max_nodes: int
) -> None:
    editor, _ = big
    body = await ok(editor, "get_hierarchy", depth=10, limit=500, max_nodes=max_nodes)

    def count(nodes: list[Body]) -> int:
        return sum(1 + count(node["children"]) for node in nodes)

    assert count(body["nodes"]) <= max(max_nodes, len(body["nodes"]))


async def test_100k_object_find_objects_counts_every_match_and_truncates(
    big: tuple[SimulatedEditor, float],
) -> None:
    editor, _ = big
    body = await ok(editor, "find_objects", tag="Enemy", limit=10)
    assert len(body["objects"]) == 10
    assert body["truncated"] is True
    assert body["total"] == 1 + 100 * 10  # the sample's Enemy, and 10 per generated group


# ── find_objects / inspect_object ───────────────────────────────────────────────────


async def test_find_objects_matches_a_name_substring_case_insensitively(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "find_objects", name="CAMERA")
    assert [o["path"] for o in body["objects"]] == ["Main Camera", "Player/CameraTarget"]


async def test_find_objects_by_tag(editor: SimulatedEditor) -> None:
    body = await ok(editor, "find_objects", tag="Player")
    assert [o["name"] for o in body["objects"]] == ["Player"]


async def test_find_objects_by_layer_name(editor: SimulatedEditor) -> None:
    body = await ok(editor, "find_objects", layer="Ground")
    assert [o["name"] for o in body["objects"]] == ["Ground"]


async def test_find_objects_by_base_component_type(editor: SimulatedEditor) -> None:
    body = await ok(editor, "find_objects", component="Collider", limit=500)
    names = {o["name"] for o in body["objects"]}
    assert {"Ground", "Player", "Head", "Oak", "Enemy"} <= names
    assert "Main Camera" not in names


async def test_find_objects_limit_truncates_but_counts_all(editor: SimulatedEditor) -> None:
    body = await ok(editor, "find_objects", component="MeshRenderer", limit=2)
    assert len(body["objects"]) == 2
    assert body["total"] > 2
    assert body["truncated"] is True


async def test_find_objects_undefined_tag_is_an_error(editor: SimulatedEditor) -> None:
    assert "Tag: Boss is not defined" in await fails(editor, "find_objects", tag="Boss")


async def test_inspect_object_shows_transform_first_and_component_properties(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "inspect_object", path="Player")
    types = [c["type"] for c in body["components"]]
    assert types[0] == "Transform"
    assert {"MeshFilter", "MeshRenderer", "CapsuleCollider", "Rigidbody"} <= set(types)
    assert body["components"][0]["properties"]["localPosition"] == [0.0, 1.0, 0.0]
    script = next(c for c in body["components"] if c["type"] == "PlayerController")
    assert script["properties"] == {"speed": 5.0, "canJump": True}
    assert body["children"] == ["Model", "CameraTarget"]


async def test_inspect_object_by_instance_id(editor: SimulatedEditor) -> None:
    oak = find(editor, "Environment/Trees/Oak")
    body = await ok(editor, "inspect_object", instance_id=oak.instance_id)
    assert body["object"]["path"] == "Environment/Trees/Oak"


async def test_inspect_object_unknown_instance_id_is_an_error(editor: SimulatedEditor) -> None:
    assert "no GameObject with instance id 42" in await fails(
        editor, "inspect_object", instance_id=42
    )


# ── GameObjects ─────────────────────────────────────────────────────────────────────


async def test_create_gameobject_primitive_gets_mesh_renderer_and_collider(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "create_gameobject", name="Ball", primitive="Sphere")
    assert body["object"]["components"] == [
        "Transform",
        "MeshFilter",
        "MeshRenderer",
        "SphereCollider",
    ]


async def test_create_gameobject_under_a_parent_at_a_position(editor: SimulatedEditor) -> None:
    body = await ok(
        editor, "create_gameobject", name="Birch", parent="Environment/Trees", position=[1, 2, 3]
    )
    assert body["object"]["path"] == "Environment/Trees/Birch"
    assert find(editor, "Environment/Trees/Birch").position == (1.0, 2.0, 3.0)


async def test_create_gameobject_marks_the_scene_dirty(editor: SimulatedEditor) -> None:
    await ok(editor, "create_gameobject", name="Empty")
    assert editor.graph.active is not None
    assert editor.graph.active.dirty


async def test_create_gameobject_with_unknown_parent_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "create_gameobject", name="X", parent="Missing")
    assert "parent GameObject 'Missing' not found" in error


async def test_duplicate_gameobject_copies_children_with_new_ids_and_numbered_names(
    editor: SimulatedEditor,
) -> None:
    first = await ok(editor, "duplicate_gameobject", path="Player")
    second = await ok(editor, "duplicate_gameobject", path="Player")
    assert (first["object"]["name"], second["object"]["name"]) == ("Player (1)", "Player (2)")
    original, copy_ = find(editor, "Player/Model/Head"), find(editor, "Player (1)/Model/Head")
    assert copy_.instance_id != original.instance_id


async def test_destroy_gameobject_removes_the_subtree_and_its_selection(
    editor: SimulatedEditor,
) -> None:
    head = find(editor, "Player/Model/Head")
    await ok(editor, "set_selection", instance_ids=[head.instance_id])
    body = await ok(editor, "destroy_gameobject", path="Player")
    assert body["message"] == "destroyed 'Player' and 4 descendant(s)"
    assert editor.graph.find("Player/Model/Head") is None
    assert editor.selection == []
    assert (await ok(editor, "get_hierarchy"))["total_objects"] == 12


async def test_rename_gameobject_changes_its_path(editor: SimulatedEditor) -> None:
    body = await ok(editor, "rename_gameobject", path="Environment/Rocks", new_name="Stones")
    assert body["object"]["path"] == "Environment/Stones"
    assert editor.graph.find("Environment/Stones/Rock") is not None


async def test_set_parent_keeps_the_world_position(editor: SimulatedEditor) -> None:
    await ok(editor, "set_parent", path="Player/Model/Head", new_parent="Environment")
    head = find(editor, "Environment/Head")
    assert head.world_position() == (0.0, 1.8, 0.0)


async def test_set_parent_null_moves_to_the_scene_root(editor: SimulatedEditor) -> None:
    body = await ok(editor, "set_parent", path="Player/CameraTarget", new_parent=None)
    assert body["object"]["path"] == "CameraTarget"


async def test_set_parent_under_its_own_child_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "set_parent", path="Player", new_parent="Player/Model/Head")
    assert "cannot move 'Player' under 'Player/Model/Head'" in error


async def test_move_to_scene_moves_a_root_to_another_loaded_scene(
    editor: SimulatedEditor,
) -> None:
    await ok(editor, "open_scene", path="Assets/Scenes/Level2.unity", additive=True)
    await ok(editor, "move_to_scene", path="Canvas", scene="Level2")
    level2 = editor.graph.loaded_scene("Level2")
    assert level2 is not None
    assert [r.name for r in level2.roots][-1] == "Canvas"
    assert level2.object_count == 5


async def test_move_to_scene_of_a_child_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "move_to_scene", path="Player/Model", scene="SampleScene")
    assert "only root GameObjects" in error


# ── components ──────────────────────────────────────────────────────────────────────


async def test_add_component_builtin_comes_with_default_properties(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "add_component", path="Canvas", component="Rigidbody")
    assert body["component"]["properties"]["mass"] == 1.0
    assert "Rigidbody" in body["object"]["components"]


async def test_add_component_twice_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "add_component", path="Player", component="Rigidbody")
    assert "already has a Rigidbody" in error


async def test_add_component_unknown_type_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "add_component", path="Player", component="Jetpack")
    assert "unknown component type 'Jetpack'" in error


async def test_add_component_of_a_compiled_script_shows_its_public_fields(
    editor: SimulatedEditor,
) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT)
    body = await ok(editor, "add_component", path="Enemy", component="Spinner")
    assert body["component"]["properties"] == {"speed": 90.0}


async def test_add_component_of_a_script_that_did_not_compile_is_an_error(
    editor: SimulatedEditor,
) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
    error = await fails(editor, "add_component", path="Enemy", component="Spinner")
    assert "has not compiled" in error


async def test_remove_component_removes_it(editor: SimulatedEditor) -> None:
    await ok(editor, "remove_component", path="Player", component="Rigidbody")
    assert "Rigidbody" not in find(editor, "Player").components


async def test_remove_component_transform_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "remove_component", path="Player", component="Transform")
    assert "Transform cannot be removed" in error


async def test_set_component_properties_changes_serialized_values(
    editor: SimulatedEditor,
) -> None:
    body = await ok(
        editor,
        "set_component_properties",
        path="Directional Light",
        component="Light",
        properties={"intensity": 2.5, "color": [1, 0, 0], "enabled": False},
    )
    assert body["component"]["properties"]["intensity"] == 2.5
    assert body["component"]["properties"]["color"] == [1.0, 0.0, 0.0, 1.0]
    assert body["component"]["enabled"] is False


async def test_set_component_properties_on_transform_moves_the_object(
    editor: SimulatedEditor,
) -> None:
    body = await ok(
        editor,
        "set_component_properties",
        path="Player",
        component="Transform",
        properties={"localPosition": [0, 1, 0], "localScale": [2, 2, 2]},
    )
    assert body["component"]["properties"]["localScale"] == [2.0, 2.0, 2.0]


async def test_set_component_properties_on_gameobject_sets_tag_and_active(
    editor: SimulatedEditor,
) -> None:
    await ok(
        editor,
        "set_component_properties",
        path="Canvas",
        component="GameObject",
        properties={"tag": "Finish", "active": False},
    )
    canvas = find(editor, "Canvas")
    assert (canvas.tag, canvas.active) == ("Finish", False)


async def test_set_component_properties_wrong_type_is_an_error_and_changes_nothing(
    editor: SimulatedEditor,
) -> None:
    error = await fails(
        editor,
        "set_component_properties",
        path="Directional Light",
        component="Light",
        properties={"range": 20.0, "intensity": "bright"},
    )
    assert "Light.intensity expects a number" in error
    assert find(editor, "Directional Light").components["Light"].properties["range"] == 10.0


async def test_set_component_properties_unknown_property_is_an_error(
    editor: SimulatedEditor,
) -> None:
    error = await fails(
        editor,
        "set_component_properties",
        path="Directional Light",
        component="Light",
        properties={"brightness": 2},
    )
    assert "Light has no property 'brightness'" in error


# ── prefabs ─────────────────────────────────────────────────────────────────────────


async def test_instantiate_prefab_builds_a_linked_copy_in_the_active_scene(
    editor: SimulatedEditor,
) -> None:
    body = await ok(
        editor, "instantiate_prefab", prefab_path="Assets/Prefabs/Enemy.prefab", position=[9, 0, 9]
    )
    assert body["object"]["child_count"] == 1
    enemies = [r for r in editor.graph.active.roots if r.name == "Enemy"]  # type: ignore[union-attr]
    assert len(enemies) == 2
    assert enemies[1].prefab_path == "Assets/Prefabs/Enemy.prefab"
    assert enemies[1].position == (9.0, 0.0, 9.0)


async def test_instantiate_prefab_of_a_material_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "instantiate_prefab", prefab_path="Assets/Materials/Ground.mat")
    assert "is a Material, not a prefab" in error


async def test_create_prefab_saves_the_asset_and_links_the_object(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    body = await ok(editor, "create_prefab", path="Player", prefab_path="Assets/Prefabs/P.prefab")
    assert body["created"] is True
    assert editor.assets["Assets/Prefabs/P.prefab"].type == "Prefab"
    assert find(editor, "Player").prefab_path == "Assets/Prefabs/P.prefab"
    assert ("assets_imported", {"paths": ["Assets/Prefabs/P.prefab"]}) in peer.events


async def test_create_prefab_needs_a_prefab_extension(editor: SimulatedEditor) -> None:
    error = await fails(editor, "create_prefab", path="Player", prefab_path="Assets/Player.asset")
    assert "must end with .prefab" in error


async def test_apply_prefab_writes_overrides_to_the_asset(editor: SimulatedEditor) -> None:
    await ok(editor, "add_component", path="Enemy", component="AudioSource")
    await ok(editor, "apply_prefab", path="Enemy/Eye")  # any object of the instance
    body = await ok(editor, "instantiate_prefab", prefab_path="Assets/Prefabs/Enemy.prefab")
    assert "AudioSource" in body["object"]["components"]


async def test_revert_prefab_discards_overrides(editor: SimulatedEditor) -> None:
    await ok(editor, "rename_gameobject", path="Enemy/Eye", new_name="Visor")
    await ok(editor, "remove_component", path="Enemy", component="Rigidbody")
    body = await ok(editor, "revert_prefab", path="Enemy")
    assert "Rigidbody" in body["object"]["components"]
    assert editor.graph.find("Enemy/Eye") is not None


async def test_revert_prefab_of_a_plain_object_is_an_error(editor: SimulatedEditor) -> None:
    assert "not part of a prefab instance" in await fails(editor, "revert_prefab", path="Ground")


# ── scenes ──────────────────────────────────────────────────────────────────────────


async def test_open_scene_replaces_the_loaded_scenes(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    body = await ok(editor, "open_scene", path="Assets/Scenes/Level2.unity")
    assert [s["name"] for s in body["loaded_scenes"]] == ["Level2"]
    assert body["scene"]["is_active"] is True
    assert editor.graph.find("Player") is None
    assert peer.of("scene_opened") == [
        {"name": "Level2", "path": "Assets/Scenes/Level2.unity", "additive": False}
    ]


async def test_open_scene_additive_keeps_the_open_scenes(editor: SimulatedEditor) -> None:
    body = await ok(editor, "open_scene", path="Assets/Scenes/Level2.unity", additive=True)
    assert [s["name"] for s in body["loaded_scenes"]] == ["SampleScene", "Level2"]
    assert editor.graph.find("Level Geometry/Wall") is not None


async def test_open_scene_that_does_not_exist_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "open_scene", path="Assets/Scenes/Nope.unity")
    assert "no scene asset at 'Assets/Scenes/Nope.unity'" in error


async def test_save_scene_clears_dirty_and_announces_it(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    await ok(editor, "create_gameobject", name="Thing")
    body = await ok(editor, "save_scene")
    assert body["scene"]["is_dirty"] is False
    assert peer.of("scene_saved") == [
        {"name": "SampleScene", "path": "Assets/Scenes/SampleScene.unity"}
    ]


async def test_save_scene_to_a_new_path_creates_the_asset(editor: SimulatedEditor) -> None:
    body = await ok(editor, "save_scene", path="Assets/Scenes/Copy.unity")
    assert body["scene"]["name"] == "Copy"
    assert editor.assets["Assets/Scenes/Copy.unity"].type == "Scene"


async def test_save_scene_in_play_mode_is_an_error(editor: SimulatedEditor) -> None:
    await ok(editor, "set_play_mode", action="play")
    assert "in play mode" in await fails(editor, "save_scene")


async def test_create_scene_opens_a_new_empty_scene(editor: SimulatedEditor) -> None:
    body = await ok(editor, "create_scene", path="Assets/Scenes/Arena.unity")
    assert body["scene"] == {
        "name": "Arena",
        "path": "Assets/Scenes/Arena.unity",
        "is_active": True,
        "is_dirty": False,
        "root_count": 0,
        "is_loaded": True,
    }
    assert "Assets/Scenes/Arena.unity" in editor.assets


async def test_create_scene_over_an_existing_asset_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "create_scene", path="Assets/Scenes/Level2.unity")
    assert "already exists" in error


async def test_set_active_scene_switches_the_active_scene(editor: SimulatedEditor) -> None:
    await ok(editor, "open_scene", path="Assets/Scenes/Level2.unity", additive=True)
    await ok(editor, "set_active_scene", scene="Level2")
    state = await ok(editor, "get_editor_state")
    assert state["active_scene"] == "Level2"


async def test_set_active_scene_not_loaded_is_an_error(editor: SimulatedEditor) -> None:
    assert "not loaded" in await fails(editor, "set_active_scene", scene="Level2")


# ── assets ──────────────────────────────────────────────────────────────────────────


async def test_search_assets_by_type_filter(editor: SimulatedEditor) -> None:
    body = await ok(editor, "search_assets", query="t:Material")
    assert [a["path"] for a in body["assets"]] == [
        "Assets/Materials/Ground.mat",
        "Assets/Materials/PlayerBlue.mat",
    ]


async def test_search_assets_by_name_inside_a_folder(editor: SimulatedEditor) -> None:
    body = await ok(editor, "search_assets", query="player", folder="Assets/Scripts")
    assert [a["path"] for a in body["assets"]] == ["Assets/Scripts/PlayerController.cs"]
    assert body["assets"][0]["type"] == "Script"


async def test_search_assets_pages_with_next_offset(editor: SimulatedEditor) -> None:
    first = await ok(editor, "search_assets", limit=3)
    second = await ok(editor, "search_assets", limit=3, offset=first["next_offset"])
    assert first["total"] == len(editor.assets)
    assert {a["path"] for a in first["assets"]}.isdisjoint(a["path"] for a in second["assets"])


async def test_refresh_assets_without_changes_does_not_compile(editor: SimulatedEditor) -> None:
    result = await run(editor, "refresh_assets")
    assert result == {"success": True, "compiled": False, "errors": [], "imported": []}


async def test_refresh_assets_imports_an_edited_script_and_compiles(
    editor: SimulatedEditor,
) -> None:
    editor.edit_on_disk("Assets/Scripts/Spinner.cs", VALID_SCRIPT)
    result = await run(editor, "refresh_assets")
    assert isinstance(result, ReloadThenAnswer)
    assert result.body["compiled"] is True
    assert result.body["imported"] == ["Assets/Scripts/Spinner.cs"]
    assert "Spinner" in editor.script_classes


async def test_delete_asset_removes_it_and_announces_it(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    await ok(editor, "delete_asset", path="Assets/Materials/Ground.mat")
    assert "Assets/Materials/Ground.mat" not in editor.assets
    assert peer.of("assets_deleted") == [{"paths": ["Assets/Materials/Ground.mat"]}]


async def test_delete_asset_of_a_script_recompiles(editor: SimulatedEditor) -> None:
    result = await run(editor, "delete_asset", path="Assets/Scripts/PlayerController.cs")
    assert isinstance(result, ReloadThenAnswer)
    assert "PlayerController" not in editor.script_classes


async def test_delete_asset_that_does_not_exist_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "delete_asset", path="Assets/Nothing.mat")
    assert "no asset at 'Assets/Nothing.mat'" in error


async def test_delete_asset_of_the_open_scene_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "delete_asset", path="Assets/Scenes/SampleScene.unity")
    assert "is open" in error


async def test_create_material_puts_the_color_in_the_shaders_color_property(
    editor: SimulatedEditor,
) -> None:
    body = await ok(
        editor,
        "create_material",
        path="Assets/Materials/Red.mat",
        shader="Universal Render Pipeline/Lit",
        color=[1, 0, 0],
        properties={"_Smoothness": 0.9},
    )
    assert body["properties"]["_BaseColor"] == [1.0, 0.0, 0.0, 1.0]
    assert body["properties"]["_Smoothness"] == 0.9


async def test_create_material_unknown_shader_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "create_material", path="Assets/M.mat", shader="Toon/Fancy")
    assert "shader 'Toon/Fancy' not found" in error


async def test_create_material_needs_a_mat_extension(editor: SimulatedEditor) -> None:
    assert "must end with .mat" in await fails(editor, "create_material", path="Assets/M.png")


async def test_modify_material_shader_switch_keeps_shared_properties(
    editor: SimulatedEditor,
) -> None:
    body = await ok(
        editor, "modify_material", path="Assets/Materials/Ground.mat", shader="Unlit/Color"
    )
    assert body["properties"] == {"_Color": [0.3, 0.6, 0.25, 1.0]}


async def test_assign_material_sets_the_renderer_slot(editor: SimulatedEditor) -> None:
    body = await ok(
        editor, "assign_material", path="Player", material_path="Assets/Materials/Ground.mat"
    )
    assert body["component"]["properties"]["materials"] == ["Assets/Materials/Ground.mat"]


async def test_assign_material_without_a_renderer_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(
        editor, "assign_material", path="Canvas", material_path="Assets/Materials/Ground.mat"
    )
    assert "has no Renderer" in error


async def test_assign_material_slot_past_the_end_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(
        editor,
        "assign_material",
        path="Player",
        material_path="Assets/Materials/Ground.mat",
        slot=3,
    )
    assert "material slot 3 is out of range" in error


# ── path safety ─────────────────────────────────────────────────────────────────────

ESCAPES = ["Assets/../ProjectSettings/x", "/etc/passwd", "C:/Windows/x", "..\\x", "Library/x"]


@pytest.mark.parametrize("path", ESCAPES)
@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("write_script", {"contents": ""}),
        ("delete_asset", {}),
        ("create_material", {}),
        ("open_scene", {}),
    ],
)
async def test_paths_outside_assets_are_refused(
    editor: SimulatedEditor, command: str, arguments: Body, path: str
) -> None:
    before = dict(editor.assets)
    params = {
        "path": path + {"write_script": ".cs", "open_scene": ".unity"}.get(command, ""),
        **arguments,
    }
    body = body_of(await editor.handlers()[command](params))
    assert "error" in body
    assert editor.assets == before


def test_the_simulator_double_checks_paths_itself(editor: SimulatedEditor) -> None:
    with pytest.raises(CommandError, match="must stay inside"):
        editor.edit_on_disk("Assets/../../outside.cs", "")


# ── scripts and the compiler ────────────────────────────────────────────────────────


async def test_write_script_that_compiles_answers_after_a_domain_reload(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    result = await run(
        editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT
    )
    assert isinstance(result, ReloadThenAnswer)
    assert result.body == {
        "path": "Assets/Scripts/Spinner.cs",
        "created": True,
        "compiled": True,
        "errors": [],
    }
    assert peer.of("assets_imported") == [{"paths": ["Assets/Scripts/Spinner.cs"]}]


async def test_write_script_with_errors_answers_with_them_and_no_reload(
    editor: SimulatedEditor,
) -> None:
    result = await run(
        editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE
    )
    assert isinstance(result, CompileThenAnswer)
    assert result.body["compiled"] is False
    assert (
        result.errors
        == result.body["errors"]
        == [
            {
                "file": "Assets/Scripts/Spinner.cs",
                "line": 10,
                "column": 6,
                "message": "error CS1513: } expected",
                "severity": "error",
            }
        ]
    )


async def test_write_script_compile_errors_are_logged_to_the_console(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
    body = await ok(editor, "read_console", types=["Error"])
    message = "Assets/Scripts/Spinner.cs(10,6): error CS1513: } expected"
    assert [e["message"] for e in body["entries"]] == [message]
    assert {"type": "Error", "message": message, "stacktrace": ""} in peer.of("log_message")


async def test_write_script_fixing_the_error_clears_it_from_the_console(
    editor: SimulatedEditor,
) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT)
    assert (await ok(editor, "read_console", types=["Error"]))["total"] == 0


async def test_write_script_writes_the_file_once_per_command(editor: SimulatedEditor) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT)
    assert editor.script_writes["Assets/Scripts/Spinner.cs"] == 1
    assert editor.compiles == 1


async def test_write_script_with_unchanged_contents_does_not_compile(
    editor: SimulatedEditor,
) -> None:
    path = "Assets/Scripts/PlayerController.cs"
    contents = editor.assets[path].data["contents"]
    result = await run(editor, "write_script", path=path, contents=contents)
    assert result == {"path": path, "created": False, "compiled": True, "errors": []}
    assert editor.compiles == 0


async def test_write_script_duplicate_class_is_a_compile_error(editor: SimulatedEditor) -> None:
    source = "using UnityEngine;\npublic class PlayerController : MonoBehaviour { }\n"
    result = await run(editor, "write_script", path="Assets/Scripts/Rival.cs", contents=source)
    assert isinstance(result, CompileThenAnswer)
    [error] = result.errors
    assert error["message"] == (
        "error CS0101: The namespace '<global namespace>' already contains a definition "
        "for 'PlayerController'"
    )
    assert (error["file"], error["line"], error["column"]) == ("Assets/Scripts/Rival.cs", 2, 14)


def test_compiler_reports_a_missing_closing_brace_after_the_last_token() -> None:
    [error] = check_source("A.cs", "class A\n{\n    void F() { }\n")
    assert (error.line, error.column, error.message) == (3, 17, "error CS1513: } expected")


def test_compiler_reports_an_extra_closing_brace_where_it_is() -> None:
    source = "class A\n{\n}\n}\n"
    [error] = check_source("A.cs", source)
    assert (error.line, error.column) == (4, 1)
    assert error.message == ("error CS1022: Type or namespace definition, or end-of-file expected")


def test_compiler_reports_an_unclosed_parenthesis_at_the_mismatched_closer() -> None:
    source = "class A\n{\n    void F()\n    {\n        G(1, 2;\n    }\n}\n"
    [error] = check_source("A.cs", source)
    assert (error.line, error.column, error.message) == (6, 5, "error CS1026: ) expected")


def test_compiler_reports_an_error_directive_with_its_text() -> None:
    [error] = check_source("A.cs", "class A\n{\n#error not finished\n}\n")
    assert (error.line, error.column) == (3, 1)
    assert error.message == "error CS1029: #error: 'not finished'"


def test_compiler_ignores_brackets_in_strings_chars_and_comments() -> None:
    source = (
        "class A\n{\n"
        '    string s = "{(";\n'
        "    char c = '}';\n"
        "    // }\n"
        "    /* ) */\n"
        '    string v = @"}""{";\n'
        '    string i = $"{s}}}";\n'
        "}\n"
    )
    assert check_source("A.cs", source) == []


def test_compiler_reports_an_unterminated_string_on_its_line() -> None:
    errors = check_source("A.cs", 'class A\n{\n    string s = "oops;\n}\n')
    assert (errors[0].line, errors[0].message) == (3, "error CS1010: Newline in constant")


def test_compiler_warning_directive_does_not_fail_the_compile() -> None:
    [warning] = check_source("A.cs", "#warning later\nclass A { }\n")
    assert warning.severity == "warning"


# ── console ─────────────────────────────────────────────────────────────────────────


async def test_read_console_lists_newest_first_filtered_by_type(editor: SimulatedEditor) -> None:
    editor.log("Log", "one")
    editor.log("Warning", "two")
    editor.log("Log", "three", "Foo.Bar () (at Assets/Foo.cs:3)")
    body = await ok(editor, "read_console", types=["Log"], include_stacktrace=True)
    assert [(e["message"], e["stacktrace"]) for e in body["entries"]] == [
        ("three", "Foo.Bar () (at Assets/Foo.cs:3)"),
        ("one", ""),
    ]


async def test_read_console_pages_with_next_offset(editor: SimulatedEditor) -> None:
    for n in range(5):
        editor.log("Log", f"message {n}")
    body = await ok(editor, "read_console", offset=1, limit=2)
    assert [e["message"] for e in body["entries"]] == ["message 3", "message 2"]
    assert (body["total"], body["next_offset"]) == (5, 3)


async def test_clear_console_keeps_compiler_errors(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    editor.log("Log", "hello")
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
    await ok(editor, "clear_console")
    body = await ok(editor, "read_console")
    assert [e["type"] for e in body["entries"]] == ["Error"]
    assert "console_cleared" in peer.types()


# ── editor ──────────────────────────────────────────────────────────────────────────


async def test_get_editor_state_reports_project_scenes_and_selection(
    editor: SimulatedEditor,
) -> None:
    await ok(editor, "set_selection", paths=["Ground"])
    body = await ok(editor, "get_editor_state")
    assert body["project_path"] == "/Users/dev/Projects/SimProject"
    assert body["active_scene"] == "SampleScene"
    assert body["loaded_scenes"] == ["SampleScene"]
    assert body["selection"] == [find(editor, "Ground").instance_id]
    assert (body["is_playing"], body["is_compiling"]) == (False, False)


async def test_set_play_mode_play_pause_step_stop(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    assert (await ok(editor, "set_play_mode", action="play"))["is_playing"] is True
    assert (await ok(editor, "set_play_mode", action="pause"))["is_paused"] is True
    assert (await ok(editor, "set_play_mode", action="step"))["frame"] == 1
    assert await ok(editor, "set_play_mode", action="stop") == {
        "is_playing": False,
        "is_paused": False,
        "frame": 1,
    }
    states = [body["state"] for body in peer.of("play_mode_changed")]
    assert states == ["EnteredPlayMode", "Paused", "EnteredEditMode"]


async def test_set_play_mode_play_runs_the_scripts_start_logs(editor: SimulatedEditor) -> None:
    await ok(editor, "set_play_mode", action="play")
    [entry] = (await ok(editor, "read_console", include_stacktrace=True))["entries"]
    assert entry["message"] == "Player ready"
    assert entry["stacktrace"] == (
        "PlayerController:Start () (at Assets/Scripts/PlayerController.cs:10)"
    )


async def test_set_play_mode_play_with_compile_errors_is_an_error(
    editor: SimulatedEditor,
) -> None:
    await run(editor, "write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
    error = await fails(editor, "set_play_mode", action="play")
    assert "compiler errors have to be fixed" in error


async def test_set_play_mode_step_outside_play_mode_is_an_error(editor: SimulatedEditor) -> None:
    assert "only in play mode" in await fails(editor, "set_play_mode", action="step")


async def test_get_selection_lists_the_selected_objects(editor: SimulatedEditor) -> None:
    await ok(editor, "set_selection", paths=["Player", "Ground"])
    body = await ok(editor, "get_selection")
    assert [o["name"] for o in body["objects"]] == ["Player", "Ground"]


async def test_set_selection_announces_ids_and_names(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    ground = find(editor, "Ground")
    await ok(editor, "set_selection", paths=["Player"], instance_ids=[ground.instance_id])
    player = find(editor, "Player")
    assert peer.of("selection_changed") == [
        {"instance_ids": [player.instance_id, ground.instance_id], "names": ["Player", "Ground"]}
    ]


async def test_set_selection_of_an_unknown_object_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "set_selection", paths=["Ghost"], instance_ids=[7])
    assert "'Ghost', 7" in error


async def test_execute_menu_item_creates_and_selects_a_primitive(editor: SimulatedEditor) -> None:
    body = await ok(editor, "execute_menu_item", menu_path="GameObject/3D Object/Cube")
    cube = find(editor, "Cube")
    assert "BoxCollider" in cube.components
    assert editor.selection == [cube.instance_id]
    assert body["object"]["name"] == "Cube"


async def test_execute_menu_item_edit_play_toggles_play_mode(editor: SimulatedEditor) -> None:
    await ok(editor, "execute_menu_item", menu_path="Edit/Play")
    assert editor.is_playing
    await ok(editor, "execute_menu_item", menu_path="Edit/Play")
    assert not editor.is_playing


async def test_execute_menu_item_assets_refresh_answers_before_compiling(
    editor: SimulatedEditor,
) -> None:
    editor.edit_on_disk("Assets/Scripts/Spinner.cs", VALID_SCRIPT)
    result = await run(editor, "execute_menu_item", menu_path="Assets/Refresh")
    assert isinstance(result, AnswerThenCompile)
    assert result.errors == []


async def test_execute_menu_item_unknown_is_an_error(editor: SimulatedEditor) -> None:
    error = await fails(editor, "execute_menu_item", menu_path="Tools/Make Game")
    assert "there is no menu named 'Tools/Make Game'" in error


@pytest.mark.parametrize(
    "category",
    ["player", "quality", "physics", "time", "tags_and_layers", "editor", "graphics"],
)
async def test_get_project_settings_answers_every_category(
    editor: SimulatedEditor, category: str
) -> None:
    body = await ok(editor, "get_project_settings", category=category)
    assert body["category"] == category
    assert body["settings"]


async def test_get_project_settings_tags_and_layers_lists_the_tags(
    editor: SimulatedEditor,
) -> None:
    body = await ok(editor, "get_project_settings", category="tags_and_layers")
    assert "Enemy" in body["settings"]["tags"]
    assert body["settings"]["layers"]["6"] == "Ground"


# ── batch ───────────────────────────────────────────────────────────────────────────


def step(tool: str, **arguments: Any) -> Body:
    """A batch step as the server sends it."""
    return {
        "tool": tool,
        "command": TOOLS_BY_COMMAND[tool].command,
        "params": wire(tool, **arguments),
    }


async def test_batch_runs_the_steps_in_order(editor: SimulatedEditor) -> None:
    result = await editor.handlers()["batch"](
        {
            "steps": [
                step("create_gameobject", name="Crate", primitive="Cube"),
                step("add_component", path="Crate", component="Rigidbody"),
                step("set_parent", path="Crate", new_parent="Environment"),
            ]
        }
    )
    body = body_of(result)
    TOOLS_BY_COMMAND["batch"].result.model_validate(body)
    assert (body["completed"], body["stopped_on_error"]) == (3, False)
    assert body["results"][2]["result"]["object"]["path"] == "Environment/Crate"


async def test_batch_stops_at_the_first_error(editor: SimulatedEditor) -> None:
    body = body_of(
        await editor.handlers()["batch"](
            {
                "steps": [
                    step("create_gameobject", name="First"),
                    step("rename_gameobject", path="Nobody", new_name="X"),
                    step("create_gameobject", name="Never"),
                ]
            }
        )
    )
    assert (body["completed"], body["stopped_on_error"]) == (1, True)
    assert body["results"][1] == {
        "tool": "rename_gameobject",
        "success": False,
        "error": "GameObject 'Nobody' not found in the loaded scenes",
    }
    assert len(body["results"]) == 2
    assert editor.graph.find("Never") is None


async def test_batch_with_a_script_answers_then_compiles(editor: SimulatedEditor) -> None:
    result = await editor.handlers()["batch"](
        {"steps": [step("write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT)]}
    )
    assert isinstance(result, AnswerThenCompile)
    assert result.body["results"][0]["result"]["compiled"] is True


async def test_batch_step_naming_an_unknown_tool_is_an_error(editor: SimulatedEditor) -> None:
    body = body_of(await editor.handlers()["batch"]({"steps": [{"tool": "fly", "params": {}}]}))
    assert body["results"] == [{"tool": "fly", "success": False, "error": "unknown tool 'fly'"}]


# ── events ──────────────────────────────────────────────────────────────────────────


async def test_one_command_sends_one_hierarchy_changed(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    await ok(editor, "set_parent", path="Canvas", new_parent="Environment")
    assert peer.events == [("hierarchy_changed", {"scenes": ["SampleScene"]})]


async def test_menu_created_object_sends_hierarchy_then_selection(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    await ok(editor, "execute_menu_item", menu_path="GameObject/Create Empty")
    assert peer.types() == ["hierarchy_changed", "selection_changed"]


async def test_read_only_commands_send_no_events(
    editor: SimulatedEditor, peer: RecordingPeer
) -> None:
    for command in ("get_hierarchy", "get_editor_state", "get_selection", "read_console"):
        await ok(editor, command)
    assert peer.events == []


# ── over a real socket ──────────────────────────────────────────────────────────────


async def test_write_script_spans_a_domain_reload_over_the_socket(server: RunningServer) -> None:
    editor = SimulatedEditor()
    async with server.peer(handlers=editor.handlers(), reload_delay=0.02) as peer:
        editor.attach(peer)
        params = wire("write_script", path="Assets/Scripts/Spinner.cs", contents=VALID_SCRIPT)
        body = await server.manager.execute("write_script", params, survives_reload=True)
        assert body["compiled"] is True
        assert body["errors"] == []
        assert (peer.conn_seq, peer.reloads) == (2, 1)
        assert editor.script_writes["Assets/Scripts/Spinner.cs"] == 1
        types = [m.type for m in server.manager.recent_events]
        assert types.index("compile_started") < types.index("compile_finished")
        assert server.manager.projects()[0]["conn_seq"] == 2


async def test_write_script_with_errors_answers_without_a_reload_over_the_socket(
    server: RunningServer,
) -> None:
    editor = SimulatedEditor()
    async with server.peer(handlers=editor.handlers(), reload_delay=0.02) as peer:
        editor.attach(peer)
        params = wire("write_script", path="Assets/Scripts/Spinner.cs", contents=MISSING_BRACE)
        body = await server.manager.execute("write_script", params, survives_reload=True)
        assert body["compiled"] is False
        assert body["errors"][0]["line"] == 10
        assert (peer.conn_seq, peer.reloads) == (1, 0)
        finished = [m for m in server.manager.recent_events if m.type == "compile_finished"]
        assert finished[-1].body["success"] is False
        assert finished[-1].body["errors"] == body["errors"]
        assert not server.manager.is_compiling


async def test_run_simulated_editor_reconnects_with_a_higher_conn_seq(
    server: RunningServer,
) -> None:
    editor = SimulatedEditor()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_simulated_editor(server.url, editor=editor, stop=stop, reconnect_delay=0.01)
    )
    try:
        await _until(lambda: server.manager.is_connected)
        [connection] = server.manager.connections
        await connection.close(1011, "server hiccup")
        await _until(lambda: any(c.conn_seq == 2 for c in server.manager.connections))
        body = await server.manager.execute("get_editor_state", {})
        assert body["active_scene"] == "SampleScene"
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:g}s")
        await asyncio.sleep(0.01)
