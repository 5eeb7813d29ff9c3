// open_scene, save_scene, create_scene, set_active_scene.
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class SceneHandlers
    {
        public static CommandOutcome OpenScene(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".unity", false);
            bool additive = Args.Bool(args, "additive", false);
            Targets.NotPlaying("open a scene");
            if (AssetDatabase.LoadAssetAtPath<SceneAsset>(path) == null)
            {
                throw new CommandException("no scene asset at '" + path + "'");
            }
            RefuseUnsavedChanges(additive, "open '" + path + "'");
            Scene scene = EditorSceneManager.OpenScene(path, additive ? OpenSceneMode.Additive : OpenSceneMode.Single);
            return CommandOutcome.Done(new JObject
            {
                { "scene", Targets.SceneInfo(scene) },
                { "loaded_scenes", Targets.LoadedSceneInfos() },
            });
        }

        // Opening a scene in Single mode discards unsaved changes of the loaded scenes; Unity
        // would ask in a modal dialog (which would block the main thread): refuse instead.
        private static void RefuseUnsavedChanges(bool additive, string what)
        {
            if (additive)
            {
                return;
            }
            foreach (Scene loaded in Targets.LoadedScenes())
            {
                if (loaded.isDirty)
                {
                    throw new CommandException(
                        "cannot " + what + ": scene '" + loaded.name + "' has unsaved changes; save it with save_scene "
                        + "first, or open the scene with additive=true");
                }
            }
        }

        public static CommandOutcome SaveScene(JObject args)
        {
            Targets.NotPlaying("save a scene");
            string sceneName = Args.OptionalString(args, "scene");
            string newPath = Args.OptionalString(args, "path");
            Scene scene = sceneName == null ? SceneManager.GetActiveScene() : Targets.LoadedScene(sceneName);
            bool ok;
            if (newPath != null)
            {
                newPath = ProjectPaths.RequireAssetPath(newPath, ".unity", false);
                foreach (Scene loaded in Targets.LoadedScenes())
                {
                    if (loaded.path == newPath && loaded != scene)
                    {
                        throw new CommandException("'" + newPath + "' is open as scene '" + loaded.name + "'");
                    }
                }
                AssetFolders.Ensure(newPath);
                ok = EditorSceneManager.SaveScene(scene, newPath);
            }
            else
            {
                if (string.IsNullOrEmpty(scene.path))
                {
                    throw new CommandException(
                        "scene '" + scene.name + "' has never been saved; give a 'path' such as 'Assets/Scenes/" + Safe(scene.name) + ".unity'");
                }
                ok = EditorSceneManager.SaveScene(scene);
            }
            if (!ok)
            {
                throw new CommandException("Unity could not save scene '" + scene.name + "'; see read_console");
            }
            return CommandOutcome.Done(new JObject
            {
                { "scene", Targets.SceneInfo(scene) },
                { "loaded_scenes", Targets.LoadedSceneInfos() },
            });
        }

        private static string Safe(string name)
        {
            return string.IsNullOrEmpty(name) ? "Untitled" : name;
        }

        public static CommandOutcome CreateScene(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".unity", false);
            bool additive = Args.Bool(args, "additive", false);
            Targets.NotPlaying("create a scene");
            if (AssetDatabase.LoadMainAssetAtPath(path) != null)
            {
                throw new CommandException("an asset already exists at '" + path + "'; open it with open_scene");
            }
            RefuseUnsavedChanges(additive, "create '" + path + "'");
            Scene scene = EditorSceneManager.NewScene(
                NewSceneSetup.EmptyScene, additive ? NewSceneMode.Additive : NewSceneMode.Single);
            AssetFolders.Ensure(path);
            if (!EditorSceneManager.SaveScene(scene, path))
            {
                throw new CommandException("Unity could not save the new scene at '" + path + "'; see read_console");
            }
            return CommandOutcome.Done(new JObject
            {
                { "scene", Targets.SceneInfo(scene) },
                { "loaded_scenes", Targets.LoadedSceneInfos() },
            });
        }

        public static CommandOutcome SetActiveScene(JObject args)
        {
            Scene scene = Targets.LoadedScene(Args.RequiredString(args, "scene"));
            if (!SceneManager.SetActiveScene(scene))
            {
                throw new CommandException("Unity could not make '" + scene.name + "' the active scene");
            }
            return CommandOutcome.Done(new JObject
            {
                { "scene", Targets.SceneInfo(scene) },
                { "loaded_scenes", Targets.LoadedSceneInfos() },
            });
        }
    }
}
