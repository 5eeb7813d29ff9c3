// Every command the plug-in answers, one line each. tests/unity/test_handler_coverage.py
// reads this table and checks it against tool_schemas/.
using System.Collections.Generic;
using Movesia.Mcp.Core;

namespace Movesia.Mcp.Editor
{
    public static class Handlers
    {
        private static Dictionary<string, CommandHandler> table;

        private static Dictionary<string, CommandHandler> Build()
        {
            var t = new Dictionary<string, CommandHandler>();
            // scene graph: reading
            t.Add("get_hierarchy", HierarchyHandlers.GetHierarchy);
            t.Add("find_objects", HierarchyHandlers.FindObjects);
            t.Add("inspect_object", HierarchyHandlers.InspectObject);
            // scene graph: changing
            t.Add("create_gameobject", ObjectHandlers.CreateGameObject);
            t.Add("duplicate_gameobject", ObjectHandlers.DuplicateGameObject);
            t.Add("destroy_gameobject", ObjectHandlers.DestroyGameObject);
            t.Add("rename_gameobject", ObjectHandlers.RenameGameObject);
            t.Add("set_parent", ObjectHandlers.SetParent);
            t.Add("move_to_scene", ObjectHandlers.MoveToScene);
            // components
            t.Add("add_component", ComponentHandlers.AddComponent);
            t.Add("remove_component", ComponentHandlers.RemoveComponent);
            t.Add("set_component_properties", ComponentHandlers.SetComponentProperties);
            // prefabs
            t.Add("instantiate_prefab", PrefabHandlers.InstantiatePrefab);
            t.Add("create_prefab", PrefabHandlers.CreatePrefab);
            t.Add("apply_prefab", PrefabHandlers.ApplyPrefab);
            t.Add("revert_prefab", PrefabHandlers.RevertPrefab);
            // scenes
            t.Add("open_scene", SceneHandlers.OpenScene);
            t.Add("save_scene", SceneHandlers.SaveScene);
            t.Add("create_scene", SceneHandlers.CreateScene);
            t.Add("set_active_scene", SceneHandlers.SetActiveScene);
            // assets and materials
            t.Add("search_assets", AssetHandlers.SearchAssets);
            t.Add("refresh_assets", AssetHandlers.RefreshAssets);
            t.Add("delete_asset", AssetHandlers.DeleteAsset);
            t.Add("create_material", AssetHandlers.CreateMaterial);
            t.Add("modify_material", AssetHandlers.ModifyMaterial);
            t.Add("assign_material", AssetHandlers.AssignMaterial);
            // scripts
            t.Add("write_script", ScriptHandlers.WriteScript);
            // console
            t.Add("read_console", ConsoleHandlers.ReadConsole);
            t.Add("clear_console", ConsoleHandlers.ClearConsole);
            // editor, play mode, selection, menu, settings
            t.Add("get_editor_state", EditorHandlers.GetEditorState);
            t.Add("set_play_mode", EditorHandlers.SetPlayMode);
            t.Add("get_selection", EditorHandlers.GetSelection);
            t.Add("set_selection", EditorHandlers.SetSelection);
            t.Add("execute_menu_item", EditorHandlers.ExecuteMenuItem);
            t.Add("get_project_settings", SettingsHandlers.GetProjectSettings);
            // several at once
            t.Add("batch", BatchHandler.Batch);
            // scripts: reading and range edits (catalog v2)
            t.Add("read_script", ScriptEditHandlers.ReadScript);
            t.Add("edit_script", ScriptEditHandlers.EditScript);
            // undo and redo (catalog v2)
            t.Add("undo", UndoHandlers.UndoSteps);
            t.Add("redo", UndoHandlers.RedoSteps);
            // pictures (catalog v2)
            t.Add("capture_view", CaptureHandlers.CaptureView);
            // tests (catalog v2)
            t.Add("list_tests", TestHandlers.ListTests);
            t.Add("run_tests", TestHandlers.RunTests);
            // packages (catalog v2)
            t.Add("list_packages", PackageHandlers.ListPackages);
            t.Add("add_package", PackageHandlers.AddPackage);
            t.Add("remove_package", PackageHandlers.RemovePackage);
            return t;
        }

        internal static Dictionary<string, CommandHandler> All()
        {
            if (table == null)
            {
                table = Build();
            }
            return table;
        }

        /// <summary>The commands registered, in registration order.</summary>
        public static string[] CommandNames
        {
            get { return new List<string>(All().Keys).ToArray(); }
        }

        /// <summary>Register every handler in the core's table.</summary>
        public static void RegisterAll(CommandTable commands)
        {
            foreach (KeyValuePair<string, CommandHandler> pair in All())
            {
                commands.Register(pair.Key, pair.Value);
            }
        }
    }
}
