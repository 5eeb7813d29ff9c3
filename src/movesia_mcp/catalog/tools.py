"""The tool catalog, declared once as data.

Each ``ToolSpec`` names a Unity command, its parameter and result models, its MCP
annotations and whether it survives a domain reload. MCP tool registration, the
``tool_schemas/`` contract and the simulated editor all derive from this list.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from .models import (
    AssetFolder,
    AssetPath,
    GameObjectSummary,
    LogType,
    ObjectResult,
    ObjectTarget,
    OkResult,
    Params,
    PrimitiveType,
    Result,
    ScenePath,
    ScriptPath,
    Vec3,
)

Kind = Literal["read", "write", "destructive"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    command: str
    title: str
    description: str
    params: type[Params]
    result: type[BaseModel]
    kind: Kind = "write"
    idempotent: bool = False
    survives_reload: bool = False
    timeout: float | None = None

    @property
    def read_only(self) -> bool:
        return self.kind == "read"

    @property
    def destructive(self) -> bool:
        return self.kind == "destructive"


# ── scene graph ─────────────────────────────────────────────────────────────────────


class HierarchyParams(Params):
    root: str | None = Field(
        None, description="Start below this hierarchy path; omit for the scene roots"
    )
    depth: int = Field(2, ge=0, le=10, description="How many levels below the start to include")
    offset: int = Field(0, ge=0, description="Skip this many top-level entries (paging)")
    limit: int = Field(100, ge=1, le=500, description="At most this many top-level entries")
    scene: str | None = Field(None, description="Scene name; omit for all loaded scenes")
    max_nodes: int = Field(
        500,
        ge=1,
        le=5000,
        description="Stop expanding children once the answer holds this many nodes; cut "
        "subtrees are marked children_truncated (drill in with 'root')",
    )


class HierarchyNode(Result):
    instance_id: int
    name: str
    path: str
    active: bool = True
    child_count: int = 0
    children: list[HierarchyNode] = Field(default_factory=list)
    children_truncated: bool = Field(
        False, description="True when the depth or the node budget cut children off"
    )


class HierarchyResult(Result):
    nodes: list[HierarchyNode]
    total: int = Field(description="Top-level entries available at this start")
    offset: int
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")
    total_objects: int = Field(0, description="Objects in the loaded scenes")


class FindParams(Params):
    name: str | None = Field(None, description="Name or substring (case-insensitive)")
    tag: str | None = Field(None, description="Exact tag, e.g. 'Player'")
    layer: str | int | None = Field(None, description="Layer name or number")
    component: str | None = Field(None, description="Component type, e.g. 'Rigidbody'")
    limit: int = Field(50, ge=1, le=500, description="At most this many objects")

    @model_validator(mode="after")
    def _some_filter(self) -> FindParams:
        if all(v is None for v in (self.name, self.tag, self.layer, self.component)):
            raise ValueError("give at least one of name, tag, layer or component")
        return self


class FindResult(Result):
    objects: list[GameObjectSummary]
    total: int
    truncated: bool = False


class ComponentInfo(Result):
    type: str
    enabled: bool = True
    properties: dict[str, Any] = Field(default_factory=dict)


class InspectResult(Result):
    object: GameObjectSummary
    components: list[ComponentInfo]
    children: list[str] = Field(default_factory=list)


# ── GameObjects ─────────────────────────────────────────────────────────────────────


class CreateParams(Params):
    name: str = Field(min_length=1, description="Name of the new GameObject")
    primitive: PrimitiveType = Field("Empty", description="Empty object or a primitive mesh")
    parent: str | None = Field(None, description="Parent hierarchy path; omit for scene root")
    position: Vec3 | None = Field(None, description="Local position, [x, y, z]")
    rotation: Vec3 | None = Field(None, description="Euler angles in degrees, [x, y, z]")
    scale: Vec3 | None = Field(None, description="Local scale, [x, y, z]")


class DuplicateParams(ObjectTarget):
    new_name: str | None = Field(None, description="Name of the copy; default adds ' (1)'")


class RenameParams(ObjectTarget):
    new_name: str = Field(min_length=1, description="The new name")


class ReparentParams(ObjectTarget):
    new_parent: str | None = Field(None, description="New parent path; null moves it to the root")
    keep_world_position: bool = Field(
        True, description="Keep the world position (True) or the local one (False)"
    )


class MoveToSceneParams(ObjectTarget):
    scene: str = Field(description="Name of a loaded scene")


# ── components ──────────────────────────────────────────────────────────────────────


class AddComponentParams(ObjectTarget):
    component: str = Field(description="Component type, e.g. 'Rigidbody' or 'BoxCollider'")


class RemoveComponentParams(ObjectTarget):
    component: str = Field(description="Component type to remove, e.g. 'BoxCollider'")


class SetPropertiesParams(ObjectTarget):
    component: str = Field(description="Component type, e.g. 'Transform' or 'Light'")
    properties: dict[str, Any] = Field(
        description="Serialized property names to new values; vectors and colors as arrays, "
        "e.g. {'localPosition': [0, 1, 0], 'intensity': 2}"
    )


class ComponentResult(Result):
    object: GameObjectSummary
    component: ComponentInfo


# ── prefabs ─────────────────────────────────────────────────────────────────────────


class InstantiatePrefabParams(Params):
    prefab_path: AssetPath
    parent: str | None = Field(None, description="Parent hierarchy path; omit for scene root")
    position: Vec3 | None = Field(None, description="World position, [x, y, z]")


class CreatePrefabParams(ObjectTarget):
    prefab_path: AssetPath


class PrefabInstanceParams(ObjectTarget):
    pass


class PrefabResult(Result):
    prefab_path: str
    object: GameObjectSummary | None = None


# ── scenes ──────────────────────────────────────────────────────────────────────────


class OpenSceneParams(Params):
    path: ScenePath
    additive: bool = Field(False, description="Keep the open scenes and add this one")


class SaveSceneParams(Params):
    scene: str | None = Field(None, description="Scene name; omit for the active scene")
    path: ScenePath | None = Field(None, description="Save as this path instead")


class CreateSceneParams(Params):
    path: ScenePath
    additive: bool = Field(False, description="Keep the open scenes and add the new one")


class SetActiveSceneParams(Params):
    scene: str = Field(description="Name of a loaded scene")


class SceneInfo(Result):
    name: str
    path: str
    is_active: bool = False
    is_dirty: bool = False
    root_count: int = 0


class SceneResult(Result):
    scene: SceneInfo
    loaded_scenes: list[SceneInfo] = Field(default_factory=list)


# ── assets ──────────────────────────────────────────────────────────────────────────


class SearchAssetsParams(Params):
    query: str = Field("", description="Name filter; Unity search syntax like 't:Material' works")
    folder: AssetFolder | None = Field(
        None, description="Search only in this folder ('Assets' or inside it); omit for all"
    )
    limit: int = Field(50, ge=1, le=500, description="At most this many assets")
    offset: int = Field(0, ge=0, description="Skip this many assets (paging)")


class AssetInfo(Result):
    path: str
    type: str
    guid: str = ""


class AssetListResult(Result):
    assets: list[AssetInfo]
    total: int
    next_offset: int | None = None


class RefreshParams(Params):
    pass


class RefreshResult(Result):
    success: bool = True
    compiled: bool = False
    errors: list[CompilerMessage] = Field(default_factory=list)


class DeleteAssetParams(Params):
    path: AssetPath


class CreateMaterialParams(Params):
    path: AssetPath
    shader: str = Field("Standard", description="Shader name, e.g. 'Standard' or 'Unlit/Color'")
    color: list[float] | None = Field(
        None, min_length=3, max_length=4, description="[r, g, b, a] 0..1"
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Shader property names to values, e.g. {'_Glossiness': 0.8}",
    )


class ModifyMaterialParams(Params):
    path: AssetPath
    shader: str | None = Field(None, description="New shader name; omit to keep it")
    color: list[float] | None = Field(
        None, min_length=3, max_length=4, description="New color, [r, g, b, a] 0..1"
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description="Shader property names to new values, e.g. {'_Glossiness': 0.8}",
    )


class AssignMaterialParams(ObjectTarget):
    material_path: AssetPath
    slot: int = Field(0, ge=0, description="Material slot of the Renderer")


class MaterialResult(Result):
    path: str
    shader: str
    properties: dict[str, Any] = Field(default_factory=dict)


# ── scripts ─────────────────────────────────────────────────────────────────────────


class CompilerMessage(Result):
    file: str
    line: int
    column: int = 0
    message: str
    severity: Literal["error", "warning"] = "error"


class WriteScriptParams(Params):
    path: ScriptPath
    contents: str = Field(description="Full C# source of the file")


class WriteScriptResult(Result):
    path: str
    created: bool = Field(description="True for a new file, False when it replaced one")
    compiled: bool = Field(description="True when the project compiled without errors")
    errors: list[CompilerMessage] = Field(default_factory=list)


# ── scripts: reading and range edits (catalog v2) ───────────────────────────────────

SHA256_HEX = r"^[0-9a-fA-F]{64}$"
MAX_SCRIPT_EDITS = 100


class ReadScriptParams(Params):
    path: ScriptPath
    offset: int = Field(0, ge=0, description="Skip this many lines from the top (paging)")
    limit: int = Field(1000, ge=1, le=5000, description="At most this many lines in 'contents'")


class ReadScriptResult(Result):
    path: str
    contents: str = Field(
        description="The lines of this page, with their line breaks as in the file"
    )
    sha256: str = Field(
        description="SHA-256 (hex) of the whole file's bytes; pass it to edit_script"
    )
    line_count: int = Field(
        description="Lines in the file (a final line break does not start another line)"
    )
    offset: int = Field(description="Lines skipped before this page")
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")


class ScriptEdit(Params):
    """One range replacement; positions are 1-based, the end is exclusive."""

    start_line: int = Field(ge=1, description="Line of the first character replaced (1-based)")
    start_column: int = Field(
        ge=1, description="Column of the first character replaced (1-based, in characters)"
    )
    end_line: int = Field(ge=1, description="Line of the end position (1-based)")
    end_column: int = Field(
        ge=1,
        description="Column just after the last character replaced (exclusive); equal to "
        "the start for a pure insertion; line length + 1 is the end of the line",
    )
    text: str = Field(description="Replacement text ('' deletes the range)")

    @model_validator(mode="after")
    def _ordered(self) -> ScriptEdit:
        if (self.end_line, self.end_column) < (self.start_line, self.start_column):
            raise ValueError(
                f"the end {self.end_line}:{self.end_column} comes before the start "
                f"{self.start_line}:{self.start_column}"
            )
        return self


class EditScriptParams(Params):
    path: ScriptPath
    sha256: str = Field(
        pattern=SHA256_HEX,
        description="The file's SHA-256 from read_script; the edit is refused if the file "
        "changed since",
    )
    edits: list[ScriptEdit] = Field(
        min_length=1,
        max_length=MAX_SCRIPT_EDITS,
        description="Range replacements, all in the coordinates of the file as read "
        f"(1 to {MAX_SCRIPT_EDITS}, in any order, not overlapping)",
    )

    @model_validator(mode="after")
    def _no_overlap(self) -> EditScriptParams:
        order = sorted(
            range(len(self.edits)),
            key=lambda i: (self.edits[i].start_line, self.edits[i].start_column),
        )
        for before, after in itertools.pairwise(order):
            a, b = self.edits[before], self.edits[after]
            a_start, a_end = (a.start_line, a.start_column), (a.end_line, a.end_column)
            b_start = (b.start_line, b.start_column)
            if a_end > b_start or a_start == b_start:
                raise ValueError(
                    f"edits {before + 1} and {after + 1} overlap (or start at the same "
                    "position); merge them into one edit"
                )
        return self


class EditScriptResult(WriteScriptResult):
    sha256: str = Field(description="SHA-256 (hex) of the file after the edit")
    line_count: int = Field(description="Lines in the file after the edit")


# ── undo and redo (catalog v2) ──────────────────────────────────────────────────────

MAX_UNDO_STEPS = 50
# The commands the Unity handlers record in an undo group (Undo.RecordObject, ...): what
# undo takes back, and the only changes an atomic batch may hold.
UNDOABLE_COMMANDS: frozenset[str] = frozenset(
    {
        "create_gameobject",
        "duplicate_gameobject",
        "destroy_gameobject",
        "rename_gameobject",
        "set_parent",
        "move_to_scene",
        "add_component",
        "remove_component",
        "set_component_properties",
        "instantiate_prefab",
        "modify_material",
        "assign_material",
    }
)


def atomic_step_refusal(spec: ToolSpec) -> str | None:
    """Why ``spec`` cannot be a step of an atomic batch, or None when it can."""
    if spec.survives_reload:
        return (
            "cannot be in an atomic batch: it survives a domain reload (a compile or play "
            "mode), which Unity cannot roll back; run it on its own or in a batch without "
            "'atomic'"
        )
    if not spec.read_only and spec.command not in UNDOABLE_COMMANDS:
        return (
            "cannot be in an atomic batch: Unity's undo does not take it back, so a failed "
            "batch could not be rolled back; run it on its own or in a batch without 'atomic'"
        )
    return None


class UndoParams(Params):
    steps: int = Field(
        1, ge=1, le=MAX_UNDO_STEPS, description=f"How many undo groups (1 to {MAX_UNDO_STEPS})"
    )


class UndoResult(Result):
    steps: int = Field(description="Undo groups undone (or redone) by this call")
    names: list[str] = Field(
        default_factory=list,
        description="Their group names, most recent first ('' where Unity names none)",
    )


# ── console ─────────────────────────────────────────────────────────────────────────


class ReadConsoleParams(Params):
    types: list[LogType] | None = Field(None, description="Only these log types")
    offset: int = Field(0, ge=0, description="Skip this many entries, newest first")
    limit: int = Field(50, ge=1, le=500, description="At most this many entries")
    include_stacktrace: bool = Field(False, description="Include each entry's stack trace")


class LogEntry(Result):
    type: LogType
    message: str
    stacktrace: str | None = None
    timestamp: float | None = None


class ConsoleResult(Result):
    entries: list[LogEntry]
    total: int
    next_offset: int | None = None


class NoParams(Params):
    pass


# ── editor ──────────────────────────────────────────────────────────────────────────


class EditorState(Result):
    unity_version: str
    project_path: str
    is_playing: bool
    is_paused: bool
    is_compiling: bool
    active_scene: str
    loaded_scenes: list[str] = Field(default_factory=list)
    selection: list[int] = Field(default_factory=list)


class PlayModeParams(Params):
    action: Literal["play", "pause", "unpause", "stop", "step"] = Field(
        description="play, pause, unpause, stop, or step one frame"
    )


class PlayModeResult(Result):
    is_playing: bool
    is_paused: bool


class SelectionResult(Result):
    objects: list[GameObjectSummary]


class SetSelectionParams(Params):
    paths: list[str] = Field(default_factory=list, description="Hierarchy paths to select")
    instance_ids: list[int] = Field(
        default_factory=list, description="Instance ids to select, from previous results"
    )


class MenuItemParams(Params):
    menu_path: str = Field(description="Menu path, e.g. 'GameObject/3D Object/Cube'")


class ProjectSettingsParams(Params):
    category: Literal[
        "player", "quality", "physics", "time", "tags_and_layers", "editor", "graphics"
    ] = Field(description="Which settings to read")


class ProjectSettingsResult(Result):
    category: str
    settings: dict[str, Any]


# ── batch ───────────────────────────────────────────────────────────────────────────


class BatchStep(Params):
    tool: str = Field(description="Name of a Unity tool from this server, e.g. 'create_gameobject'")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="That tool's arguments, as for a direct call"
    )


class BatchParams(Params):
    steps: list[BatchStep] = Field(
        min_length=1, max_length=50, description="The steps, run in order (1 to 50)"
    )
    atomic: bool = Field(
        False,
        description="All steps in one undo group, rolled back if one fails. Only scene and "
        "material changes (what undo takes back) and reads may be steps then",
    )


class BatchStepResult(Result):
    tool: str
    success: bool
    result: dict[str, Any] | None = None
    error: str | None = None


class BatchResult(Result):
    results: list[BatchStepResult]
    completed: int = Field(description="Steps that succeeded before the first error, if any")
    stopped_on_error: bool
    rolled_back: bool = Field(
        False, description="True when an atomic batch failed and its completed steps were undone"
    )


# ── pictures (catalog v2) ───────────────────────────────────────────────────────────

CAPTURE_MIN_SIZE = 16
CAPTURE_MAX_SIZE = 2048


class CaptureViewParams(Params):
    view: Literal["game", "scene", "camera"] = Field(
        "game",
        description="'game': the main camera's view; 'scene': the Scene view's camera; "
        "'camera': the camera named by 'camera'",
    )
    camera: str | None = Field(
        None,
        min_length=1,
        description="Hierarchy path or name of a GameObject with a Camera; only with "
        "view='camera', where it is required",
    )
    width: int = Field(
        640,
        ge=CAPTURE_MIN_SIZE,
        le=CAPTURE_MAX_SIZE,
        description=f"Picture width in pixels ({CAPTURE_MIN_SIZE} to {CAPTURE_MAX_SIZE})",
    )
    height: int = Field(
        360,
        ge=CAPTURE_MIN_SIZE,
        le=CAPTURE_MAX_SIZE,
        description=f"Picture height in pixels ({CAPTURE_MIN_SIZE} to {CAPTURE_MAX_SIZE})",
    )

    @model_validator(mode="after")
    def _camera_with_camera_view(self) -> CaptureViewParams:
        if self.view == "camera" and self.camera is None:
            raise ValueError("view 'camera' needs 'camera': the camera's hierarchy path or name")
        if self.view != "camera" and self.camera is not None:
            raise ValueError(f"'camera' is only for view 'camera', not view {self.view!r}")
        return self


class CaptureViewResult(Result):
    """The description beside the picture. Unity's answer also carries the PNG itself as
    ``png_base64``; the server sends that as MCP image content, not in this object."""

    view: Literal["game", "scene", "camera"]
    camera: str | None = Field(None, description="Hierarchy path of the camera rendered")
    width: int
    height: int
    objects_drawn: int = Field(description="Rendered objects in the picture")
    mime_type: Literal["image/png"] = "image/png"
    png_bytes: int = Field(0, description="Size of the PNG file in bytes")


# ── tests (catalog v2) ──────────────────────────────────────────────────────────────

TestMode = Literal["EditMode", "PlayMode"]


class ListTestsParams(Params):
    mode: TestMode | None = Field(
        None, description="Only EditMode or PlayMode tests; omit for both"
    )
    offset: int = Field(0, ge=0, description="Skip this many tests (paging)")
    limit: int = Field(100, ge=1, le=500, description="At most this many tests")


class TestInfo(Result):
    name: str = Field(description="Full name, e.g. 'Game.Tests.PlayerTests.MovesForward'")
    mode: TestMode
    assembly: str = Field(description="Test assembly, e.g. 'Game.Tests.EditMode'")
    categories: list[str] = Field(default_factory=list)


class ListTestsResult(Result):
    tests: list[TestInfo]
    total: int = Field(description="Tests matching 'mode'")
    offset: int
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")


class RunTestsParams(Params):
    mode: TestMode = Field(description="Run the EditMode or the PlayMode tests")
    test_names: list[str] = Field(
        default_factory=list, description="Only tests with these full names (from list_tests)"
    )
    group_names: list[str] = Field(
        default_factory=list,
        description="Only tests whose full name matches one of these regular expressions, "
        "e.g. '^Game[.]Tests[.]PlayerTests[.]'",
    )
    categories: list[str] = Field(
        default_factory=list, description="Only tests in one of these NUnit categories"
    )
    assemblies: list[str] = Field(
        default_factory=list, description="Only tests in these test assemblies (no '.dll')"
    )
    offset: int = Field(0, ge=0, description="Skip this many failures of the answer (paging)")
    limit: int = Field(
        50, ge=1, le=200, description="At most this many failures, with message and stack"
    )


class TestFailure(Result):
    name: str
    message: str
    stack: str = ""
    duration: float = Field(0.0, description="Seconds")


class RunTestsResult(Result):
    mode: TestMode
    passed: int
    failed: int
    skipped: int
    total: int = Field(description="Tests run: passed + failed + skipped")
    duration: float = Field(0.0, description="Seconds the run took")
    failures: list[TestFailure] = Field(description="This page of the failed tests")
    offset: int
    next_offset: int | None = Field(None, description="Run again with this 'offset' for more")
    complete: bool = Field(
        True,
        description="False when Unity answered before a PlayMode run finished (the counts "
        "are then partial); run again or read the Test Runner window",
    )


# ── packages (catalog v2) ───────────────────────────────────────────────────────────

# A registry package name: reverse-domain, lower case, at least three parts.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*){2,}")
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
# https://host/path.git, optionally ?path=sub/folder and #revision; git+https:// too.
_GIT_URL = re.compile(
    r"(?:git\+)?https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%@+-]+)+\.git"
    r"(?:\?path=[A-Za-z0-9._~%/-]+)?(?:#[A-Za-z0-9._/+-]+)?"
)
_PACKAGE_FORMS = (
    "a registry name like 'com.unity.textmeshpro', optionally with '@3.0.6', or a git "
    "URL like 'https://github.com/owner/repo.git' (also 'git+https://...', with "
    "'?path=' and '#revision')"
)


def package_name(value: str) -> str:
    """A registry package name, or a ValueError naming the rule."""
    if len(value) > 214 or not _PACKAGE_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a package name: use lower case reverse-domain form like "
            "'com.unity.textmeshpro' (letters, digits, '-', '_', at least three parts)"
        )
    return value


def package_id(value: str) -> str:
    """``name``, ``name@semver`` or a git URL, or a ValueError listing the forms."""
    if value.startswith(("https://", "git+https://")):
        if len(value) > 2048 or not _GIT_URL.fullmatch(value):
            raise ValueError(f"{value!r} is not a usable git URL; give {_PACKAGE_FORMS}")
        return value
    if "://" in value or value.startswith(("git@", "file:", "http:")):
        raise ValueError(f"{value!r}: only https git URLs are accepted; give {_PACKAGE_FORMS}")
    name, at, version = value.partition("@")
    if not _PACKAGE_NAME.fullmatch(name) or len(name) > 214:
        raise ValueError(f"{value!r} is not a package; give {_PACKAGE_FORMS}")
    if at and not _SEMVER.fullmatch(version):
        raise ValueError(
            f"{value!r}: the version after '@' must be semantic, like '3.0.6' or '1.2.0-pre.1'"
        )
    return value


PackageName = Annotated[
    str,
    AfterValidator(package_name),
    Field(description="Registry package name, e.g. 'com.unity.textmeshpro'"),
]
PackageId = Annotated[
    str,
    AfterValidator(package_id),
    Field(
        description="'com.company.name', 'com.company.name@1.2.3', or a git URL "
        "'https://host/owner/repo.git' (optionally '?path=sub/folder' and '#revision')"
    ),
]


class ListPackagesParams(Params):
    include_builtin: bool = Field(
        False, description="Also list Unity's built-in modules (com.unity.modules.*)"
    )


class PackageInfo(Result):
    name: str
    version: str
    source: str = Field(description="registry, git, embedded, local, builtin, ...")
    display_name: str = ""


class ListPackagesResult(Result):
    packages: list[PackageInfo]
    total: int


class AddPackageParams(Params):
    package: PackageId


class RemovePackageParams(Params):
    name: PackageName


class PackageChangeResult(Result):
    package: str = Field(description="What was asked for")
    name: str = Field(description="The package's name (known once resolved)")
    version: str | None = Field(None, description="The version now installed; null after removal")
    compiled: bool = Field(description="True when the project compiled without errors after it")
    errors: list[CompilerMessage] = Field(default_factory=list)


RefreshResult.model_rebuild()

_TARGET = "Identify the object with 'path' or 'instance_id'."

UNITY_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "get_hierarchy",
        "get_hierarchy",
        "Scene hierarchy",
        "List GameObjects of the loaded scenes as a tree, bounded by depth and paged by "
        "top-level entries. Use 'root' to drill into a subtree.",
        HierarchyParams,
        HierarchyResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "find_objects",
        "find_objects",
        "Find GameObjects",
        "Find GameObjects by name substring, tag, layer or component type.",
        FindParams,
        FindResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "inspect_object",
        "inspect_object",
        "Inspect a GameObject",
        f"One GameObject with its components and their serialized properties. {_TARGET}",
        ObjectTarget,
        InspectResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "create_gameobject",
        "create_gameobject",
        "Create a GameObject",
        "Create an empty GameObject or a primitive (Cube, Sphere, ...), optionally under "
        "a parent and at a position.",
        CreateParams,
        ObjectResult,
    ),
    ToolSpec(
        "duplicate_gameobject",
        "duplicate_gameobject",
        "Duplicate a GameObject",
        f"Duplicate a GameObject with its children and components. {_TARGET}",
        DuplicateParams,
        ObjectResult,
    ),
    ToolSpec(
        "destroy_gameobject",
        "destroy_gameobject",
        "Destroy a GameObject",
        f"Delete a GameObject and all its children (undoable in Unity). {_TARGET}",
        ObjectTarget,
        OkResult,
        kind="destructive",
        idempotent=True,
    ),
    ToolSpec(
        "rename_gameobject",
        "rename_gameobject",
        "Rename a GameObject",
        f"Rename a GameObject. {_TARGET}",
        RenameParams,
        ObjectResult,
        idempotent=True,
    ),
    ToolSpec(
        "set_parent",
        "set_parent",
        "Reparent a GameObject",
        f"Move a GameObject under a new parent, or to the scene root. {_TARGET}",
        ReparentParams,
        ObjectResult,
        idempotent=True,
    ),
    ToolSpec(
        "move_to_scene",
        "move_to_scene",
        "Move a GameObject to a scene",
        f"Move a root GameObject to another loaded scene. {_TARGET}",
        MoveToSceneParams,
        ObjectResult,
        idempotent=True,
    ),
    ToolSpec(
        "add_component",
        "add_component",
        "Add a component",
        f"Add a component by type name. {_TARGET}",
        AddComponentParams,
        ComponentResult,
    ),
    ToolSpec(
        "remove_component",
        "remove_component",
        "Remove a component",
        f"Remove a component by type name. {_TARGET}",
        RemoveComponentParams,
        OkResult,
        kind="destructive",
        idempotent=True,
    ),
    ToolSpec(
        "set_component_properties",
        "set_component_properties",
        "Modify a component",
        f"Set serialized properties of a component; vectors and colors as arrays. {_TARGET}",
        SetPropertiesParams,
        ComponentResult,
        idempotent=True,
    ),
    ToolSpec(
        "instantiate_prefab",
        "instantiate_prefab",
        "Instantiate a prefab",
        "Place an instance of a prefab asset in the active scene.",
        InstantiatePrefabParams,
        ObjectResult,
    ),
    ToolSpec(
        "create_prefab",
        "create_prefab",
        "Create a prefab",
        f"Save a GameObject as a prefab asset and link it. {_TARGET}",
        CreatePrefabParams,
        PrefabResult,
    ),
    ToolSpec(
        "apply_prefab",
        "apply_prefab",
        "Apply prefab overrides",
        f"Write a prefab instance's overrides back to its prefab asset. {_TARGET}",
        PrefabInstanceParams,
        PrefabResult,
        idempotent=True,
    ),
    ToolSpec(
        "revert_prefab",
        "revert_prefab",
        "Revert prefab overrides",
        f"Discard a prefab instance's overrides. {_TARGET}",
        PrefabInstanceParams,
        PrefabResult,
        kind="destructive",
        idempotent=True,
    ),
    ToolSpec(
        "open_scene",
        "open_scene",
        "Open a scene",
        "Open a scene asset, replacing the open scenes or additively.",
        OpenSceneParams,
        SceneResult,
        idempotent=True,
    ),
    ToolSpec(
        "save_scene",
        "save_scene",
        "Save a scene",
        "Save the active scene (or the named one), optionally to a new path.",
        SaveSceneParams,
        SceneResult,
        idempotent=True,
    ),
    ToolSpec(
        "create_scene",
        "create_scene",
        "Create a scene",
        "Create a new empty scene asset and open it.",
        CreateSceneParams,
        SceneResult,
    ),
    ToolSpec(
        "set_active_scene",
        "set_active_scene",
        "Set the active scene",
        "Make a loaded scene the active one.",
        SetActiveSceneParams,
        SceneResult,
        idempotent=True,
    ),
    ToolSpec(
        "search_assets",
        "search_assets",
        "Search assets",
        "Search project assets by name or Unity search syntax ('t:Prefab').",
        SearchAssetsParams,
        AssetListResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "refresh_assets",
        "refresh_assets",
        "Refresh assets",
        "Import changed files (AssetDatabase.Refresh). Waits for any compile and domain "
        "reload it starts.",
        RefreshParams,
        RefreshResult,
        idempotent=True,
        survives_reload=True,
        timeout=120.0,
    ),
    ToolSpec(
        "delete_asset",
        "delete_asset",
        "Delete an asset",
        "Delete an asset file inside Assets/.",
        DeleteAssetParams,
        OkResult,
        kind="destructive",
        idempotent=True,
        survives_reload=True,
        timeout=120.0,
    ),
    ToolSpec(
        "create_material",
        "create_material",
        "Create a material",
        "Create a material asset with a shader and color.",
        CreateMaterialParams,
        MaterialResult,
    ),
    ToolSpec(
        "modify_material",
        "modify_material",
        "Modify a material",
        "Change a material's shader, color or properties.",
        ModifyMaterialParams,
        MaterialResult,
        idempotent=True,
    ),
    ToolSpec(
        "assign_material",
        "assign_material",
        "Assign a material",
        f"Set a material on a GameObject's Renderer. {_TARGET}",
        AssignMaterialParams,
        ComponentResult,
        idempotent=True,
    ),
    ToolSpec(
        "write_script",
        "write_script",
        "Create or update a C# script",
        "Write a C# file under Assets/, wait for Unity to compile it (and for the domain "
        "reload), and return the compiler errors with file and line, if any.",
        WriteScriptParams,
        WriteScriptResult,
        kind="destructive",  # it replaces a file of that name, whatever it held
        idempotent=True,
        survives_reload=True,
        timeout=180.0,
    ),
    ToolSpec(
        "read_console",
        "read_console",
        "Read the console",
        "Read Unity console entries, newest first, filtered by type and paged.",
        ReadConsoleParams,
        ConsoleResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "clear_console",
        "clear_console",
        "Clear the console",
        "Clear the Unity console.",
        NoParams,
        OkResult,
        kind="destructive",
        idempotent=True,
    ),
    ToolSpec(
        "get_editor_state",
        "get_editor_state",
        "Editor state",
        "Unity version, project, play mode, compile state, scenes and selection.",
        NoParams,
        EditorState,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "set_play_mode",
        "set_play_mode",
        "Play, pause or stop",
        "Enter or leave play mode, pause, unpause, or step one frame.",
        PlayModeParams,
        PlayModeResult,
        # Entering play mode with domain reload enabled reloads the domain: Unity answers
        # on the next connection, as after a compile.
        survives_reload=True,
    ),
    ToolSpec(
        "get_selection",
        "get_selection",
        "Get the selection",
        "The GameObjects selected in the editor.",
        NoParams,
        SelectionResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "set_selection",
        "set_selection",
        "Set the selection",
        "Select GameObjects in the editor (empty lists clear the selection).",
        SetSelectionParams,
        SelectionResult,
        idempotent=True,
    ),
    ToolSpec(
        "execute_menu_item",
        "execute_menu_item",
        "Run a menu item",
        "Run an editor menu item by its path.",
        MenuItemParams,
        OkResult,
        kind="destructive",  # a menu item can do anything, deleting included
    ),
    ToolSpec(
        "get_project_settings",
        "get_project_settings",
        "Project settings",
        "Read project settings of one category.",
        ProjectSettingsParams,
        ProjectSettingsResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "batch",
        "batch",
        "Run several commands",
        "Run several Unity tools in order in one round trip; stops at the first error "
        "(reported as a tool error with the results so far; earlier steps stay done, "
        "unless 'atomic': then all steps are one undo group, rolled back on an error). "
        "Each step names a tool of this server and its arguments. Annotated destructive: "
        "a step may be any tool, destructive ones included.",
        BatchParams,
        BatchResult,
        kind="destructive",
    ),
    # ── scripts: reading and range edits (catalog v2)
    ToolSpec(
        "read_script",
        "read_script",
        "Read a C# script",
        "Read a C# file under Assets/, paged by lines ('offset', 'limit'), with the "
        "SHA-256 of the whole file (edit_script's precondition) and its line count.",
        ReadScriptParams,
        ReadScriptResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "edit_script",
        "edit_script",
        "Edit a C# script by ranges",
        "Replace line/column ranges of a C# file (1-based; start inclusive, end "
        "exclusive; positions of the file as read, not overlapping), refused when the "
        "file's SHA-256 is no longer the one given. Waits for the compile (and the domain "
        "reload) and returns the compiler errors, as write_script does.",
        EditScriptParams,
        EditScriptResult,
        survives_reload=True,
        timeout=180.0,
    ),
    # ── undo and redo (catalog v2)
    ToolSpec(
        "undo",
        "undo",
        "Undo",
        "Undo the last n undo groups of the editor (Edit > Undo), scene changes of this "
        "server's tools included; returns the names of the groups undone. File changes "
        "(scripts, new assets) are not in Unity's undo history.",
        UndoParams,
        UndoResult,
    ),
    ToolSpec(
        "redo",
        "redo",
        "Redo",
        "Redo the last n undone groups (Edit > Redo); returns their names.",
        UndoParams,
        UndoResult,
    ),
    # ── pictures (catalog v2)
    ToolSpec(
        "capture_view",
        "capture_view",
        "Capture a view",
        "A PNG picture of the Game view (main camera), the Scene view, or a named camera, "
        "of exactly width x height pixels, returned as image content beside a short "
        "description (view, camera, size, objects drawn). Use it to look at the scene "
        "after changing it.",
        CaptureViewParams,
        CaptureViewResult,
        kind="read",
        idempotent=True,
        timeout=60.0,
    ),
    # ── tests (catalog v2)
    ToolSpec(
        "list_tests",
        "list_tests",
        "List tests",
        "The project's Unity Test Framework tests (EditMode, PlayMode or both), with their "
        "assembly and categories, paged.",
        ListTestsParams,
        ListTestsResult,
        kind="read",
        idempotent=True,
        timeout=60.0,
    ),
    ToolSpec(
        "run_tests",
        "run_tests",
        "Run tests",
        "Run the project's EditMode or PlayMode tests through the Unity Test Framework, "
        "optionally filtered by full name, name pattern, category or assembly, and return "
        "the passed, failed and skipped counts with each failure's message and stack "
        "(paged). PlayMode runs reload the domain; the answer still arrives.",
        RunTestsParams,
        RunTestsResult,
        # Tests may do anything to the project (write files, change scenes).
        kind="destructive",
        survives_reload=True,
        timeout=600.0,
    ),
    # ── packages (catalog v2)
    ToolSpec(
        "list_packages",
        "list_packages",
        "List packages",
        "The packages of the project (Package Manager), with version and source.",
        ListPackagesParams,
        ListPackagesResult,
        kind="read",
        idempotent=True,
    ),
    ToolSpec(
        "add_package",
        "add_package",
        "Add a package",
        "Add or update a package through the Package Manager (registry name, name@version "
        "or git URL); waits for the resolve, the compile and the domain reload, and returns "
        "compiler errors, if any.",
        AddPackageParams,
        PackageChangeResult,
        idempotent=True,
        survives_reload=True,
        timeout=300.0,
    ),
    ToolSpec(
        "remove_package",
        "remove_package",
        "Remove a package",
        "Remove a package from the project's manifest; waits for the compile and the "
        "domain reload, and returns compiler errors, if any (code using it stops compiling).",
        RemovePackageParams,
        PackageChangeResult,
        kind="destructive",
        idempotent=True,
        survives_reload=True,
        timeout=300.0,
    ),
)

TOOLS_BY_NAME: dict[str, ToolSpec] = {spec.name: spec for spec in UNITY_TOOLS}
TOOLS_BY_COMMAND: dict[str, ToolSpec] = {spec.command: spec for spec in UNITY_TOOLS}
RELOAD_SURVIVING: frozenset[str] = frozenset(s.command for s in UNITY_TOOLS if s.survives_reload)
