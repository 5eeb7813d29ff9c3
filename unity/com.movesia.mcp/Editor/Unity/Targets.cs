// Finding GameObjects (by hierarchy path or instance id), walking loaded scenes, and the
// summaries every result shares. Walks scene roots: no FindObjectsByType (obsolete in
// 6000.5, missing from some 2021.3 patches).
using System.Collections.Generic;
using System.Text;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class Targets
    {
        public static List<Scene> LoadedScenes()
        {
            var scenes = new List<Scene>();
            for (int i = 0; i < SceneManager.sceneCount; i++)
            {
                Scene scene = SceneManager.GetSceneAt(i);
                if (scene.isLoaded)
                {
                    scenes.Add(scene);
                }
            }
            return scenes;
        }

        public static string LoadedSceneNames()
        {
            var names = new List<string>();
            foreach (Scene scene in LoadedScenes())
            {
                names.Add(scene.name);
            }
            return string.Join(", ", names.ToArray());
        }

        /// <summary>A loaded scene by name (or by asset path), or a clear error.</summary>
        public static Scene LoadedScene(string name)
        {
            foreach (Scene scene in LoadedScenes())
            {
                if (scene.name == name || scene.path == name)
                {
                    return scene;
                }
            }
            throw new CommandException(
                "scene '" + name + "' is not loaded; loaded scenes: " + LoadedSceneNames());
        }

        /// <summary>Every GameObject of the loaded scenes (or of one), depth first, in hierarchy order.</summary>
        public static List<GameObject> AllObjects(Scene? only)
        {
            var all = new List<GameObject>();
            var stack = new Stack<Transform>();
            foreach (Scene scene in LoadedScenes())
            {
                if (only.HasValue && scene != only.Value)
                {
                    continue;
                }
                GameObject[] roots = scene.GetRootGameObjects();
                for (int r = roots.Length - 1; r >= 0; r--)
                {
                    stack.Push(roots[r].transform);
                }
                while (stack.Count > 0)
                {
                    Transform t = stack.Pop();
                    all.Add(t.gameObject);
                    for (int c = t.childCount - 1; c >= 0; c--)
                    {
                        stack.Push(t.GetChild(c));
                    }
                }
            }
            return all;
        }

        /// <summary>The hierarchy path, scene root first: "Environment/Trees/Oak".</summary>
        public static string PathOf(GameObject go)
        {
            var names = new List<string>();
            Transform t = go.transform;
            while (t != null)
            {
                names.Add(t.name);
                t = t.parent;
            }
            names.Reverse();
            var sb = new StringBuilder();
            for (int i = 0; i < names.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append('/');
                }
                sb.Append(names[i]);
            }
            return sb.ToString();
        }

        /// <summary>A GameObject by hierarchy path in the loaded scenes (or one scene), or null.</summary>
        public static GameObject FindByPath(string path, Scene? only)
        {
            if (string.IsNullOrEmpty(path))
            {
                return null;
            }
            string trimmed = path.Trim().Trim('/');
            string[] parts = trimmed.Split('/');
            foreach (Scene scene in LoadedScenes())
            {
                if (only.HasValue && scene != only.Value)
                {
                    continue;
                }
                foreach (GameObject root in scene.GetRootGameObjects())
                {
                    GameObject found = Descend(root.transform, parts, 0);
                    if (found != null)
                    {
                        return found;
                    }
                }
            }
            return null;
        }

        // parts[index] must name t; a name may itself contain '/', so try joining segments.
        private static GameObject Descend(Transform t, string[] parts, int index)
        {
            string name = t.name;
            int end = index;
            string joined = parts[index];
            while (true)
            {
                if (joined == name)
                {
                    if (end == parts.Length - 1)
                    {
                        return t.gameObject;
                    }
                    for (int c = 0; c < t.childCount; c++)
                    {
                        GameObject found = Descend(t.GetChild(c), parts, end + 1);
                        if (found != null)
                        {
                            return found;
                        }
                    }
                }
                end++;
                if (end >= parts.Length || joined.Length >= name.Length)
                {
                    return null;
                }
                joined = joined + "/" + parts[end];
            }
        }

        /// <summary>The GameObject a command names with exactly one of 'path' or 'instance_id'.</summary>
        public static GameObject Target(JObject args)
        {
            string path = Args.OptionalString(args, "path");
            long? id = Args.OptionalLong(args, "instance_id");
            if ((path == null) == (id == null))
            {
                throw new CommandException("give exactly one of 'path' or 'instance_id'");
            }
            if (id != null)
            {
                GameObject byId = ObjectIds.FindGameObject(id.Value);
                if (byId == null || !byId.scene.isLoaded)
                {
                    throw new CommandException(
                        "no GameObject with instance id " + id.Value + " in the loaded scenes");
                }
                return byId;
            }
            GameObject byPath = FindByPath(path, null);
            if (byPath == null)
            {
                throw new CommandException("GameObject '" + path + "' not found in the loaded scenes");
            }
            return byPath;
        }

        /// <summary>An optional parent given by hierarchy path (null: the scene root).</summary>
        public static GameObject Parent(string path)
        {
            if (path == null)
            {
                return null;
            }
            GameObject parent = FindByPath(path, null);
            if (parent == null)
            {
                throw new CommandException("parent GameObject '" + path + "' not found in the loaded scenes");
            }
            return parent;
        }

        // builds: GameObjectSummary
        public static JObject Summary(GameObject go)
        {
            var components = new JArray();
            foreach (Component c in go.GetComponents<Component>())
            {
                // A missing script shows as a null component.
                components.Add(c == null ? "MissingScript" : c.GetType().Name);
            }
            return new JObject
            {
                { "instance_id", ObjectIds.Of(go) },
                { "name", go.name },
                { "path", PathOf(go) },
                { "active", go.activeSelf },
                { "tag", go.tag },
                { "layer", go.layer },
                { "child_count", go.transform.childCount },
                { "components", components },
            };
        }

        public static JArray Summaries(IEnumerable<GameObject> objects)
        {
            var list = new JArray();
            foreach (GameObject go in objects)
            {
                if (go != null)
                {
                    list.Add(Summary(go));
                }
            }
            return list;
        }

        // builds: SceneInfo
        public static JObject SceneInfo(Scene scene)
        {
            return new JObject
            {
                { "name", scene.name },
                { "path", scene.path },
                { "is_active", scene == SceneManager.GetActiveScene() },
                { "is_dirty", scene.isDirty },
                { "root_count", scene.isLoaded ? scene.rootCount : 0 },
                { "is_loaded", scene.isLoaded },
            };
        }

        public static JArray LoadedSceneInfos()
        {
            var list = new JArray();
            foreach (Scene scene in LoadedScenes())
            {
                list.Add(SceneInfo(scene));
            }
            return list;
        }

        /// <summary>Mark the scene of a changed object dirty (edit mode only).</summary>
        public static void Touched(GameObject go)
        {
            if (go != null && !EditorApplication.isPlaying && go.scene.IsValid())
            {
                EditorSceneManager.MarkSceneDirty(go.scene);
            }
        }

        public static void NotPlaying(string what)
        {
            if (EditorApplication.isPlaying)
            {
                throw new CommandException("cannot " + what + " in play mode; stop play mode first");
            }
        }
    }
}
