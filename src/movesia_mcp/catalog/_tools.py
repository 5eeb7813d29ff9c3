"""The tool catalog, declared once as data.

Each ``ToolSpec`` names a Unity command, its parameter and result models, its MCP
annotations and whether it survives a domain reload. MCP tool registration, the
``tool_schemas/`` contract and the simulated editor all derive from this list.

The models live beside their domain in ``catalog/domains/`` (one module per group of
tools); every one of them is re-exported here, so ``from movesia_mcp.catalog._tools import
CreateParams`` keeps working.
"""

from __future__ import annotations

from ._domains.assets import (
    AssetInfo,
    AssetListResult,
    DeleteAssetParams,
    RefreshParams,
    RefreshResult,
    SearchAssetsParams,
)
from ._domains.batch import (
    BatchParams,
    BatchResult,
    BatchStep,
    BatchStepResult,
    atomic_step_refusal,
)
from ._domains.capture import (
    CAPTURE_MAX_SIZE,
    CAPTURE_MIN_SIZE,
    CaptureViewParams,
    CaptureViewResult,
)
from ._domains.components import (
    AddComponentParams,
    ComponentInfo,
    ComponentResult,
    RemoveComponentParams,
    SetPropertiesParams,
)
from ._domains.console import ConsoleResult, LogEntry, ReadConsoleParams
from ._domains.editor import (
    EditorState,
    MenuItemParams,
    PlayModeParams,
    PlayModeResult,
    ProjectSettingsParams,
    ProjectSettingsResult,
    SelectionResult,
    SetSelectionParams,
)
from ._domains.gameobjects import (
    CreateParams,
    DuplicateParams,
    MoveToSceneParams,
    RenameParams,
    ReparentParams,
)
from ._domains.materials import (
    AssignMaterialParams,
    CreateMaterialParams,
    MaterialResult,
    ModifyMaterialParams,
)
from ._domains.packages import (
    AddPackageParams,
    ListPackagesParams,
    ListPackagesResult,
    PackageChangeResult,
    PackageId,
    PackageInfo,
    PackageName,
    RemovePackageParams,
    package_id,
    package_name,
)
from ._domains.prefabs import (
    CreatePrefabParams,
    InstantiatePrefabParams,
    PrefabInstanceParams,
    PrefabResult,
)
from ._domains.scene_graph import (
    FindParams,
    FindResult,
    HierarchyNode,
    HierarchyParams,
    HierarchyResult,
    InspectResult,
)
from ._domains.scenes import (
    CreateSceneParams,
    OpenSceneParams,
    SaveSceneParams,
    SceneInfo,
    SceneResult,
    SetActiveSceneParams,
)
from ._domains.scripts import (
    MAX_SCRIPT_EDITS,
    SHA256_HEX,
    CompilerMessage,
    EditScriptParams,
    EditScriptResult,
    ReadScriptParams,
    ReadScriptResult,
    ScriptEdit,
    WriteScriptParams,
    WriteScriptResult,
)
from ._domains.testing import (
    ListTestsParams,
    ListTestsResult,
    RunTestsParams,
    RunTestsResult,
    TestFailure,
    TestInfo,
    TestMode,
)
from ._domains.undo import MAX_UNDO_STEPS, UNDOABLE_COMMANDS, UndoParams, UndoResult
from ._models import NoParams, ObjectResult, ObjectTarget, OkResult
from ._spec import Kind, ToolSpec

__all__ = [
    "CAPTURE_MAX_SIZE",
    "CAPTURE_MIN_SIZE",
    "MAX_SCRIPT_EDITS",
    "MAX_UNDO_STEPS",
    "MOVESIA_PACKAGE_RELOAD_SURVIVING",
    "RELOAD_SURVIVING",
    "SHA256_HEX",
    "TOOLS_BY_COMMAND",
    "TOOLS_BY_NAME",
    "UNDOABLE_COMMANDS",
    "UNITY_TOOLS",
    "AddComponentParams",
    "AddPackageParams",
    "AssetInfo",
    "AssetListResult",
    "AssignMaterialParams",
    "BatchParams",
    "BatchResult",
    "BatchStep",
    "BatchStepResult",
    "CaptureViewParams",
    "CaptureViewResult",
    "CompilerMessage",
    "ComponentInfo",
    "ComponentResult",
    "ConsoleResult",
    "CreateMaterialParams",
    "CreateParams",
    "CreatePrefabParams",
    "CreateSceneParams",
    "DeleteAssetParams",
    "DuplicateParams",
    "EditScriptParams",
    "EditScriptResult",
    "EditorState",
    "FindParams",
    "FindResult",
    "HierarchyNode",
    "HierarchyParams",
    "HierarchyResult",
    "InspectResult",
    "InstantiatePrefabParams",
    "Kind",
    "ListPackagesParams",
    "ListPackagesResult",
    "ListTestsParams",
    "ListTestsResult",
    "LogEntry",
    "MaterialResult",
    "MenuItemParams",
    "ModifyMaterialParams",
    "MoveToSceneParams",
    "NoParams",
    "OpenSceneParams",
    "PackageChangeResult",
    "PackageId",
    "PackageInfo",
    "PackageName",
    "PlayModeParams",
    "PlayModeResult",
    "PrefabInstanceParams",
    "PrefabResult",
    "ProjectSettingsParams",
    "ProjectSettingsResult",
    "ReadConsoleParams",
    "ReadScriptParams",
    "ReadScriptResult",
    "RefreshParams",
    "RefreshResult",
    "RemoveComponentParams",
    "RemovePackageParams",
    "RenameParams",
    "ReparentParams",
    "RunTestsParams",
    "RunTestsResult",
    "SaveSceneParams",
    "SceneInfo",
    "SceneResult",
    "ScriptEdit",
    "SearchAssetsParams",
    "SelectionResult",
    "SetActiveSceneParams",
    "SetPropertiesParams",
    "SetSelectionParams",
    "TestFailure",
    "TestInfo",
    "TestMode",
    "ToolSpec",
    "UndoParams",
    "UndoResult",
    "WriteScriptParams",
    "WriteScriptResult",
    "atomic_step_refusal",
    "package_id",
    "package_name",
]

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
# Commands of the original Movesia Unity package that are no MCP tool here but make Unity
# recompile or reload (PROTOCOL.md §6: asset import, script create/change/delete, compile):
# programmatic callers send them with ``send_and_wait`` and Unity answers after the reload.
MOVESIA_PACKAGE_RELOAD_SURVIVING: frozenset[str] = frozenset(
    {"import_asset", "create_script", "update_script", "delete_script", "request_compile"}
)
# The one declaration of which commands stay pending across a domain reload.
RELOAD_SURVIVING: frozenset[str] = (
    frozenset(s.command for s in UNITY_TOOLS if s.survives_reload)
    | MOVESIA_PACKAGE_RELOAD_SURVIVING
)
