// create / duplicate / destroy / rename / set_parent / move_to_scene, all undoable.
using System.Collections.Generic;
using System.Text.RegularExpressions;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class ObjectHandlers
    {
        public static CommandOutcome CreateGameObject(JObject args)
        {
            string name = Args.NonEmptyString(args, "name");
            string primitive = Args.StringOr(args, "primitive", "Empty");
            GameObject parent = Targets.Parent(Args.OptionalString(args, "parent"));
            float[] position = Args.OptionalFloats(args, "position", 3);
            float[] rotation = Args.OptionalFloats(args, "rotation", 3);
            float[] scale = Args.OptionalFloats(args, "scale", 3);

            GameObject go;
            switch (primitive)
            {
                case "Empty":
                    go = new GameObject(name);
                    break;
                case "Cube":
                    go = GameObject.CreatePrimitive(PrimitiveType.Cube);
                    break;
                case "Sphere":
                    go = GameObject.CreatePrimitive(PrimitiveType.Sphere);
                    break;
                case "Capsule":
                    go = GameObject.CreatePrimitive(PrimitiveType.Capsule);
                    break;
                case "Cylinder":
                    go = GameObject.CreatePrimitive(PrimitiveType.Cylinder);
                    break;
                case "Plane":
                    go = GameObject.CreatePrimitive(PrimitiveType.Plane);
                    break;
                case "Quad":
                    go = GameObject.CreatePrimitive(PrimitiveType.Quad);
                    break;
                default:
                    throw new CommandException(
                        "unknown primitive '" + primitive + "'; use Empty, Cube, Sphere, Capsule, Cylinder, Plane or Quad");
            }
            go.name = name;
            Undo.RegisterCreatedObjectUndo(go, "Create " + name);
            if (parent != null)
            {
                // A new object lands in the active scene; under a parent it joins the parent's scene.
                Undo.SetTransformParent(go.transform, parent.transform, "Create " + name);
            }
            Transform t = go.transform;
            if (position != null)
            {
                t.localPosition = new Vector3(position[0], position[1], position[2]);
            }
            if (rotation != null)
            {
                t.localEulerAngles = new Vector3(rotation[0], rotation[1], rotation[2]);
            }
            if (scale != null)
            {
                t.localScale = new Vector3(scale[0], scale[1], scale[2]);
            }
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject { { "object", Targets.Summary(go) } });
        }

        public static CommandOutcome DuplicateGameObject(JObject args)
        {
            GameObject source = Targets.Target(args);
            string newName = Args.OptionalString(args, "new_name");
            Transform parent = source.transform.parent;
            GameObject copy;
            // A prefab instance stays a prefab instance when duplicated.
            if (PrefabUtility.IsOutermostPrefabInstanceRoot(source))
            {
                Object prefab = PrefabUtility.GetCorrespondingObjectFromSource(source);
                copy = (GameObject)PrefabUtility.InstantiatePrefab(prefab, source.scene);
                PrefabUtility.SetPropertyModifications(copy, PrefabUtility.GetPropertyModifications(source));
                if (parent != null)
                {
                    copy.transform.SetParent(parent, false);
                }
                copy.transform.localPosition = source.transform.localPosition;
                copy.transform.localRotation = source.transform.localRotation;
                copy.transform.localScale = source.transform.localScale;
            }
            else
            {
                copy = Object.Instantiate(source, parent);
                if (parent == null && copy.scene != source.scene)
                {
                    SceneManager.MoveGameObjectToScene(copy, source.scene);
                }
            }
            copy.transform.SetSiblingIndex(source.transform.GetSiblingIndex() + 1);
            copy.name = string.IsNullOrEmpty(newName) ? CopyName(source) : newName;
            Undo.RegisterCreatedObjectUndo(copy, "Duplicate " + source.name);
            Targets.Touched(copy);
            return CommandOutcome.Done(new JObject { { "object", Targets.Summary(copy) } });
        }

        // Unity's duplicate naming: "Cube" -> "Cube (1)", "Cube (1)" -> "Cube (2)".
        private static string CopyName(GameObject source)
        {
            string baseName = Regex.Replace(source.name, @" \(\d+\)$", "");
            var taken = new HashSet<string>();
            Transform parent = source.transform.parent;
            if (parent != null)
            {
                for (int i = 0; i < parent.childCount; i++)
                {
                    taken.Add(parent.GetChild(i).name);
                }
            }
            else
            {
                foreach (GameObject root in source.scene.GetRootGameObjects())
                {
                    taken.Add(root.name);
                }
            }
            int n = 1;
            while (taken.Contains(baseName + " (" + n + ")"))
            {
                n++;
            }
            return baseName + " (" + n + ")";
        }

        public static CommandOutcome DestroyGameObject(JObject args)
        {
            GameObject go = Targets.Target(args);
            string path = Targets.PathOf(go);
            int descendants = go.GetComponentsInChildren<Transform>(true).Length - 1;
            Scene scene = go.scene;
            Undo.DestroyObjectImmediate(go);
            if (!EditorApplication.isPlaying && scene.IsValid())
            {
                EditorSceneManager.MarkSceneDirty(scene);
            }
            string message = "destroyed '" + path + "'" + (descendants > 0 ? " and " + descendants + " descendant(s)" : "");
            return CommandOutcome.Done(new JObject { { "success", true }, { "message", message } });
        }

        public static CommandOutcome RenameGameObject(JObject args)
        {
            GameObject go = Targets.Target(args);
            string newName = Args.NonEmptyString(args, "new_name");
            Undo.RecordObject(go, "Rename " + go.name);
            go.name = newName;
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject { { "object", Targets.Summary(go) } });
        }

        public static CommandOutcome SetParent(JObject args)
        {
            GameObject go = Targets.Target(args);
            GameObject parent = Targets.Parent(Args.OptionalString(args, "new_parent"));
            bool keepWorld = Args.Bool(args, "keep_world_position", true);
            if (parent != null && (parent == go || parent.transform.IsChildOf(go.transform)))
            {
                throw new CommandException(
                    "cannot move '" + Targets.PathOf(go) + "' under '" + Targets.PathOf(parent)
                    + "': it is the object itself or one of its children");
            }
            Scene source = go.scene;
            Transform t = go.transform;
            Vector3 localPosition = t.localPosition;
            Quaternion localRotation = t.localRotation;
            Vector3 localScale = t.localScale;
            Undo.SetTransformParent(t, parent == null ? null : parent.transform, "Reparent " + go.name);
            if (!keepWorld)
            {
                // SetTransformParent keeps the world pose; put the local values back instead.
                Undo.RecordObject(t, "Reparent " + go.name);
                t.localPosition = localPosition;
                t.localRotation = localRotation;
                t.localScale = localScale;
            }
            Targets.Touched(go);
            if (source != go.scene && source.IsValid() && !EditorApplication.isPlaying)
            {
                EditorSceneManager.MarkSceneDirty(source);
            }
            return CommandOutcome.Done(new JObject { { "object", Targets.Summary(go) } });
        }

        public static CommandOutcome MoveToScene(JObject args)
        {
            GameObject go = Targets.Target(args);
            Scene target = Targets.LoadedScene(Args.RequiredString(args, "scene"));
            if (go.transform.parent != null)
            {
                throw new CommandException(
                    "only root GameObjects can move to another scene; '" + Targets.PathOf(go) + "' has parent '"
                    + Targets.PathOf(go.transform.parent.gameObject) + "' (use set_parent with new_parent=null first)");
            }
            Scene source = go.scene;
            if (source != target)
            {
                Undo.MoveGameObjectToScene(go, target, "Move " + go.name + " to " + target.name);
                if (!EditorApplication.isPlaying)
                {
                    EditorSceneManager.MarkSceneDirty(source);
                    EditorSceneManager.MarkSceneDirty(target);
                }
            }
            return CommandOutcome.Done(new JObject { { "object", Targets.Summary(go) } });
        }
    }
}
