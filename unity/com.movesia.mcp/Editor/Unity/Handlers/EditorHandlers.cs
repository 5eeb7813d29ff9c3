// get_editor_state, set_play_mode, get_selection, set_selection, execute_menu_item.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class EditorHandlers
    {
        public static CommandOutcome GetEditorState(JObject args)
        {
            var loaded = new JArray();
            foreach (Scene scene in Targets.LoadedScenes())
            {
                loaded.Add(scene.name);
            }
            var selection = new JArray();
            foreach (GameObject go in Selection.gameObjects)
            {
                selection.Add(ObjectIds.Of(go));
            }
            return CommandOutcome.Done(new JObject
            {
                { "unity_version", Application.unityVersion },
                { "project_path", EditorContext.ProjectPath },
                { "is_playing", EditorApplication.isPlaying },
                { "is_paused", EditorApplication.isPaused },
                { "is_compiling", EditorApplication.isCompiling },
                { "active_scene", SceneManager.GetActiveScene().name },
                { "loaded_scenes", loaded },
                { "selection", selection },
                { "has_compile_errors", EditorUtility.scriptCompilationFailed },
                { "is_updating", EditorApplication.isUpdating },
            });
        }

        public static CommandOutcome SetPlayMode(JObject args)
        {
            string action = Args.RequiredString(args, "action");
            bool playing = EditorApplication.isPlaying;
            switch (action)
            {
                case "play":
                    if (playing)
                    {
                        return PlayState(playing, EditorApplication.isPaused);
                    }
                    if (EditorUtility.scriptCompilationFailed)
                    {
                        throw new CommandException("All compiler errors have to be fixed before you can enter playmode!");
                    }
                    EditorApplication.isPlaying = true;
                    // Entering play mode may reload the domain: the core answers once it is over.
                    return CommandOutcome.AfterPlayModeChange(new JObject
                    {
                        { "is_playing", true },
                        { "is_paused", EditorApplication.isPaused },
                    });
                case "stop":
                    if (!playing)
                    {
                        return PlayState(false, false);
                    }
                    EditorApplication.isPlaying = false;
                    return CommandOutcome.AfterPlayModeChange(new JObject
                    {
                        { "is_playing", false },
                        { "is_paused", false },
                    });
                case "pause":
                    EditorApplication.isPaused = true;
                    return PlayState(playing, true);
                case "unpause":
                    EditorApplication.isPaused = false;
                    return PlayState(playing, false);
                case "step":
                    if (!playing)
                    {
                        throw new CommandException("step works only in play mode; play first");
                    }
                    EditorApplication.Step();
                    return PlayState(true, true);
                default:
                    throw new CommandException("unknown action '" + action + "'; use play, pause, unpause, stop or step");
            }
        }

        private static CommandOutcome PlayState(bool playing, bool paused)
        {
            return CommandOutcome.Done(new JObject
            {
                { "is_playing", playing },
                { "is_paused", paused },
                { "frame", Time.frameCount },
            });
        }

        public static CommandOutcome GetSelection(JObject args)
        {
            var assets = new JArray();
            foreach (UnityEngine.Object obj in Selection.objects)
            {
                string path = obj == null ? null : AssetDatabase.GetAssetPath(obj);
                if (!string.IsNullOrEmpty(path))
                {
                    assets.Add(path);
                }
            }
            return CommandOutcome.Done(new JObject
            {
                { "objects", Targets.Summaries(SceneSelection()) },
                { "assets", assets },
            });
        }

        private static List<GameObject> SceneSelection()
        {
            var list = new List<GameObject>();
            foreach (GameObject go in Selection.gameObjects)
            {
                if (go != null && go.scene.IsValid())
                {
                    list.Add(go);
                }
            }
            return list;
        }

        public static CommandOutcome SetSelection(JObject args)
        {
            var chosen = new List<GameObject>();
            var missing = new List<string>();
            foreach (string path in Args.StringList(args, "paths"))
            {
                GameObject go = Targets.FindByPath(path, null);
                if (go == null)
                {
                    missing.Add("'" + path + "'");
                }
                else if (!chosen.Contains(go))
                {
                    chosen.Add(go);
                }
            }
            foreach (long id in Args.LongList(args, "instance_ids"))
            {
                GameObject go = ObjectIds.FindGameObject(id);
                if (go == null || !go.scene.isLoaded)
                {
                    missing.Add(id.ToString());
                }
                else if (!chosen.Contains(go))
                {
                    chosen.Add(go);
                }
            }
            if (missing.Count > 0)
            {
                throw new CommandException("GameObjects not found in the loaded scenes: " + string.Join(", ", missing.ToArray()));
            }
            Selection.objects = chosen.ToArray();
            return CommandOutcome.Done(new JObject { { "objects", Targets.Summaries(chosen) } });
        }

        // Menu items that would end the session the command came from.
        private static readonly string[] Refused = { "File/Exit", "File/Quit", "Unity/Quit" };

        public static CommandOutcome ExecuteMenuItem(JObject args)
        {
            string path = Args.NonEmptyString(args, "menu_path").Trim().Trim('/');
            foreach (string refused in Refused)
            {
                if (string.Equals(path, refused, StringComparison.OrdinalIgnoreCase))
                {
                    throw new CommandException("'" + path + "' would close the editor; it is not run from here");
                }
            }
            if (!EditorApplication.ExecuteMenuItem(path))
            {
                throw new CommandException("ExecuteMenuItem failed because there is no menu named '" + path + "'");
            }
            return CommandOutcome.Done(new JObject
            {
                { "success", true },
                { "message", "executed '" + path + "'" },
            });
        }
    }
}
