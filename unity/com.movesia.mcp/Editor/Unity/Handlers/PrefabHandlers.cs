// instantiate_prefab, create_prefab, apply_prefab, revert_prefab.
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class PrefabHandlers
    {
        public static CommandOutcome InstantiatePrefab(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "prefab_path"), null, false);
            GameObject parent = Targets.Parent(Args.OptionalString(args, "parent"));
            float[] position = Args.OptionalFloats(args, "position", 3);
            GameObject prefab = AssetDatabase.LoadAssetAtPath<GameObject>(path);
            if (prefab == null)
            {
                throw new CommandException("no prefab asset at '" + path + "'");
            }
            Scene scene = parent != null ? parent.scene : SceneManager.GetActiveScene();
            var instance = (GameObject)PrefabUtility.InstantiatePrefab(prefab, scene);
            if (instance == null)
            {
                throw new CommandException("Unity could not instantiate '" + path + "'");
            }
            Undo.RegisterCreatedObjectUndo(instance, "Instantiate " + prefab.name);
            if (parent != null)
            {
                Undo.SetTransformParent(instance.transform, parent.transform, "Instantiate " + prefab.name);
            }
            if (position != null)
            {
                instance.transform.localPosition = new Vector3(position[0], position[1], position[2]);
            }
            Targets.Touched(instance);
            return CommandOutcome.Done(new JObject
            {
                { "object", Targets.Summary(instance) },
                { "prefab_path", path },
            });
        }

        public static CommandOutcome CreatePrefab(JObject args)
        {
            GameObject go = Targets.Target(args);
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "prefab_path"), ".prefab", false);
            Object existing = AssetDatabase.LoadMainAssetAtPath(path);
            if (existing != null && !(existing is GameObject))
            {
                throw new CommandException("'" + path + "' is a " + existing.GetType().Name + ", not a prefab");
            }
            AssetFolders.Ensure(path);
            bool success;
            GameObject saved = PrefabUtility.SaveAsPrefabAssetAndConnect(go, path, InteractionMode.UserAction, out success);
            if (!success || saved == null)
            {
                throw new CommandException("Unity could not save '" + Targets.PathOf(go) + "' as a prefab at '" + path + "'; see read_console");
            }
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject
            {
                { "prefab_path", path },
                { "object", Targets.Summary(go) },
                { "created", existing == null },
            });
        }

        public static CommandOutcome ApplyPrefab(JObject args)
        {
            GameObject root = InstanceRoot(args);
            string path = PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(root);
            PrefabUtility.ApplyPrefabInstance(root, InteractionMode.UserAction);
            return CommandOutcome.Done(new JObject
            {
                { "prefab_path", path },
                { "object", Targets.Summary(root) },
            });
        }

        public static CommandOutcome RevertPrefab(JObject args)
        {
            GameObject root = InstanceRoot(args);
            string path = PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(root);
            PrefabUtility.RevertPrefabInstance(root, InteractionMode.UserAction);
            Targets.Touched(root);
            return CommandOutcome.Done(new JObject
            {
                { "prefab_path", path },
                { "object", Targets.Summary(root) },
            });
        }

        private static GameObject InstanceRoot(JObject args)
        {
            GameObject go = Targets.Target(args);
            if (!PrefabUtility.IsPartOfPrefabInstance(go))
            {
                throw new CommandException("'" + Targets.PathOf(go) + "' is not part of a prefab instance");
            }
            GameObject root = PrefabUtility.GetOutermostPrefabInstanceRoot(go);
            if (root == null)
            {
                throw new CommandException("the prefab instance root of '" + Targets.PathOf(go) + "' was not found");
            }
            if (string.IsNullOrEmpty(PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(root)))
            {
                throw new CommandException("the prefab asset of '" + Targets.PathOf(root) + "' is missing");
            }
            return root;
        }
    }
}
