// get_hierarchy, find_objects, inspect_object: reading the scene graph.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class HierarchyHandlers
    {
        private sealed class Budget
        {
            public int Left;
            public int Depth;
        }

        public static CommandOutcome GetHierarchy(JObject args)
        {
            int depth = Args.Int(args, "depth", 2, 0, 10);
            int limit = Args.Int(args, "limit", 100, 1, 500);
            int maxNodes = Args.Int(args, "max_nodes", 500, 1, 5000);
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            string sceneName = Args.OptionalString(args, "scene");
            string root = Args.OptionalString(args, "root");

            Scene? only = null;
            if (sceneName != null)
            {
                only = Targets.LoadedScene(sceneName);
            }
            var entries = new List<GameObject>();
            string prefix = "";
            if (root != null)
            {
                GameObject start = Targets.FindByPath(root, only);
                if (start == null)
                {
                    throw new CommandException("GameObject '" + root + "' not found in the loaded scenes");
                }
                for (int c = 0; c < start.transform.childCount; c++)
                {
                    entries.Add(start.transform.GetChild(c).gameObject);
                }
                prefix = Targets.PathOf(start) + "/";
            }
            else
            {
                foreach (Scene scene in Targets.LoadedScenes())
                {
                    if (!only.HasValue || scene == only.Value)
                    {
                        entries.AddRange(scene.GetRootGameObjects());
                    }
                }
            }
            int end = Math.Min(entries.Count, offset + limit);
            int pageCount = Math.Max(0, end - offset);
            var budget = new Budget { Left = maxNodes - pageCount, Depth = depth };
            var nodes = new JArray();
            for (int i = offset; i < end; i++)
            {
                nodes.Add(Node(entries[i], prefix + entries[i].name, 0, budget));
            }
            int totalObjects = 0;
            foreach (Scene scene in Targets.LoadedScenes())
            {
                if (!only.HasValue || scene == only.Value)
                {
                    totalObjects += Targets.AllObjects(scene).Count;
                }
            }
            return CommandOutcome.Done(new JObject
            {
                { "nodes", nodes },
                { "total", entries.Count },
                { "offset", offset },
                { "next_offset", end < entries.Count ? new JValue(end) : JValue.CreateNull() },
                { "total_objects", totalObjects },
            });
        }

        // builds: HierarchyNode
        private static JObject Node(GameObject go, string path, int level, Budget budget)
        {
            Transform t = go.transform;
            int count = t.childCount;
            bool expand = count > 0 && level < budget.Depth && count <= budget.Left;
            var children = new JArray();
            if (expand)
            {
                // Reserved before any child expands, so siblings are never squeezed out
                // and the page never holds more than max_nodes nodes.
                budget.Left -= count;
                for (int c = 0; c < count; c++)
                {
                    GameObject child = t.GetChild(c).gameObject;
                    children.Add(Node(child, path + "/" + child.name, level + 1, budget));
                }
            }
            return new JObject
            {
                { "instance_id", ObjectIds.Of(go) },
                { "name", go.name },
                { "path", path },
                { "active", go.activeSelf },
                { "child_count", count },
                { "children", children },
                { "children_truncated", count > 0 && !expand },
            };
        }

        public static CommandOutcome FindObjects(JObject args)
        {
            string name = Args.OptionalString(args, "name");
            string tag = Args.OptionalString(args, "tag");
            string component = Args.OptionalString(args, "component");
            int limit = Args.Int(args, "limit", 50, 1, 500);
            int? layer = null;
            if (Args.Has(args, "layer"))
            {
                layer = Values.Layer(args["layer"], "layer");
            }
            if (tag != null && Array.IndexOf(UnityEditorInternal.InternalEditorUtility.tags, tag) < 0)
            {
                throw new CommandException("Tag: " + tag + " is not defined.");
            }
            string needle = name == null ? null : name.ToLowerInvariant();
            var found = new JArray();
            int total = 0;
            foreach (GameObject go in Targets.AllObjects(null))
            {
                if (needle != null && go.name.ToLowerInvariant().IndexOf(needle, StringComparison.Ordinal) < 0)
                {
                    continue;
                }
                if (tag != null && !go.CompareTag(tag))
                {
                    continue;
                }
                if (layer.HasValue && go.layer != layer.Value)
                {
                    continue;
                }
                if (component != null && !ComponentTypes.Has(go, component))
                {
                    continue;
                }
                total++;
                if (found.Count < limit)
                {
                    found.Add(Targets.Summary(go));
                }
            }
            return CommandOutcome.Done(new JObject
            {
                { "objects", found },
                { "total", total },
                { "truncated", total > found.Count },
            });
        }

        public static CommandOutcome InspectObject(JObject args)
        {
            GameObject go = Targets.Target(args);
            var components = new JArray();
            foreach (Component c in go.GetComponents<Component>())
            {
                components.Add(ComponentInfo(c));
            }
            var children = new JArray();
            for (int i = 0; i < go.transform.childCount; i++)
            {
                children.Add(go.transform.GetChild(i).name);
            }
            var result = new JObject
            {
                { "object", Targets.Summary(go) },
                { "components", components },
                { "children", children },
                { "scene", go.scene.name },
            };
            if (PrefabUtility.IsPartOfPrefabInstance(go))
            {
                result["prefab_path"] = PrefabUtility.GetPrefabAssetPathOfNearestInstanceRoot(go);
            }
            return CommandOutcome.Done(result);
        }

        // builds: ComponentInfo
        public static JObject ComponentInfo(Component c)
        {
            if (c == null)
            {
                return new JObject
                {
                    { "type", "MissingScript" },
                    { "enabled", false },
                    { "properties", new JObject() },
                };
            }
            return new JObject
            {
                { "type", c.GetType().Name },
                { "enabled", IsEnabled(c) },
                { "properties", Properties(c) },
            };
        }

        private static JObject Properties(Component c)
        {
            Transform t = c as Transform;
            if (t != null)
            {
                // As the Inspector shows a Transform (Euler angles, not the quaternion).
                return new JObject
                {
                    { "localPosition", Values.Vec(t.localPosition) },
                    { "localEulerAngles", Values.Vec(t.localEulerAngles) },
                    { "localScale", Values.Vec(t.localScale) },
                    { "position", Values.Vec(t.position) },
                    { "eulerAngles", Values.Vec(t.eulerAngles) },
                };
            }
            // One component's dump stays readable; a mesh or terrain would not.
            return SerializedValues.Trim(SerializedValues.Read(c), MaxComponentChars);
        }

        private const int MaxComponentChars = 20000;

        public static bool IsEnabled(Component c)
        {
            Behaviour behaviour = c as Behaviour;
            if (behaviour != null)
            {
                return behaviour.enabled;
            }
            Renderer renderer = c as Renderer;
            if (renderer != null)
            {
                return renderer.enabled;
            }
            Collider collider = c as Collider;
            if (collider != null)
            {
                return collider.enabled;
            }
            return true;
        }
    }
}
