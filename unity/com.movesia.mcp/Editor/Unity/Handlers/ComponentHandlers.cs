// add_component, remove_component, set_component_properties.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class ComponentHandlers
    {
        public static CommandOutcome AddComponent(JObject args)
        {
            GameObject go = Targets.Target(args);
            string name = Args.NonEmptyString(args, "component");
            Type type = ComponentTypes.Find(name);
            if (type == typeof(Transform) || (go.GetComponent(type) != null && DisallowsMultiple(type)))
            {
                throw new CommandException(
                    "'" + Targets.PathOf(go) + "' already has a " + type.Name + "; a GameObject can have one");
            }
            Component added = Undo.AddComponent(go, type);
            if (added == null)
            {
                throw new CommandException(
                    "Unity refused to add " + type.Name + " to '" + Targets.PathOf(go)
                    + "' (a conflicting component, or an abstract or editor-only type); see read_console");
            }
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject
            {
                { "object", Targets.Summary(go) },
                { "component", HierarchyHandlers.ComponentInfo(added) },
            });
        }

        private static bool DisallowsMultiple(Type type)
        {
            return type.IsDefined(typeof(DisallowMultipleComponent), true)
                || typeof(Rigidbody).IsAssignableFrom(type)
                || typeof(Renderer).IsAssignableFrom(type)
                || typeof(MeshFilter).IsAssignableFrom(type);
        }

        public static CommandOutcome RemoveComponent(JObject args)
        {
            GameObject go = Targets.Target(args);
            string name = Args.NonEmptyString(args, "component");
            if (name == "Transform" || name == "UnityEngine.Transform")
            {
                throw new CommandException("a GameObject's Transform cannot be removed");
            }
            Component component = ComponentTypes.On(go, name);
            string blocker = RequiredBy(go, component);
            if (blocker != null)
            {
                throw new CommandException(
                    "cannot remove " + name + " from '" + Targets.PathOf(go) + "': " + blocker + " depends on it; remove that first");
            }
            Undo.DestroyObjectImmediate(component);
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject
            {
                { "success", true },
                { "message", "removed " + name + " from '" + Targets.PathOf(go) + "'" },
            });
        }

        // The name of another component whose [RequireComponent] needs this one, or null.
        private static string RequiredBy(GameObject go, Component doomed)
        {
            Type doomedType = doomed.GetType();
            foreach (Component other in go.GetComponents<Component>())
            {
                if (other == null || other == doomed)
                {
                    continue;
                }
                foreach (object attribute in other.GetType().GetCustomAttributes(typeof(RequireComponent), true))
                {
                    var require = (RequireComponent)attribute;
                    Type[] needed = { require.m_Type0, require.m_Type1, require.m_Type2 };
                    foreach (Type t in needed)
                    {
                        if (t != null && t.IsAssignableFrom(doomedType) && CountOf(go, t) == 1)
                        {
                            return other.GetType().Name;
                        }
                    }
                }
            }
            return null;
        }

        private static int CountOf(GameObject go, Type type)
        {
            return go.GetComponents(type).Length;
        }

        public static CommandOutcome SetComponentProperties(JObject args)
        {
            GameObject go = Targets.Target(args);
            string name = Args.NonEmptyString(args, "component");
            JObject properties = Args.OptionalObject(args, "properties");
            if (properties == null)
            {
                throw new CommandException("missing required parameter 'properties' (an object of property names to values)");
            }
            JObject component;
            if (name == "GameObject")
            {
                SetGameObject(go, properties);
                component = new JObject
                {
                    { "type", "GameObject" },
                    { "enabled", go.activeSelf },
                    {
                        "properties", new JObject
                        {
                            { "name", go.name }, { "active", go.activeSelf }, { "tag", go.tag },
                            { "layer", go.layer }, { "isStatic", go.isStatic },
                        }
                    },
                };
            }
            else if (name == "Transform" || name == "UnityEngine.Transform")
            {
                SetTransform(go.transform, properties);
                component = HierarchyHandlers.ComponentInfo(go.transform);
            }
            else
            {
                Component target = ComponentTypes.On(go, name);
                SerializedValues.Write(target, properties, name);
                component = HierarchyHandlers.ComponentInfo(target);
            }
            Targets.Touched(go);
            return CommandOutcome.Done(new JObject
            {
                { "object", Targets.Summary(go) },
                { "component", component },
            });
        }

        private static readonly string[] TransformNames =
        {
            "localPosition", "position", "localEulerAngles", "eulerAngles", "localRotation", "rotation", "localScale",
        };

        private static void SetTransform(Transform t, JObject properties)
        {
            // Check everything first: a bad value changes nothing.
            var checkedValues = new List<KeyValuePair<string, object>>();
            foreach (KeyValuePair<string, JToken> pair in properties)
            {
                string key = TransformName(pair.Key);
                string what = "Transform." + pair.Key;
                if (key == "localRotation" || key == "rotation")
                {
                    checkedValues.Add(new KeyValuePair<string, object>(key, Values.ToQuaternion(pair.Value, what)));
                }
                else if (key != null)
                {
                    checkedValues.Add(new KeyValuePair<string, object>(key, Values.ToVector3(pair.Value, what)));
                }
                else
                {
                    throw new CommandException(
                        "Transform has no property '" + pair.Key + "'; it has: " + string.Join(", ", TransformNames));
                }
            }
            Undo.RecordObject(t, "Set Transform");
            foreach (KeyValuePair<string, object> pair in checkedValues)
            {
                switch (pair.Key)
                {
                    case "localPosition":
                        t.localPosition = (Vector3)pair.Value;
                        break;
                    case "position":
                        t.position = (Vector3)pair.Value;
                        break;
                    case "localEulerAngles":
                        t.localEulerAngles = (Vector3)pair.Value;
                        break;
                    case "eulerAngles":
                        t.eulerAngles = (Vector3)pair.Value;
                        break;
                    case "localRotation":
                        t.localRotation = (Quaternion)pair.Value;
                        break;
                    case "rotation":
                        t.rotation = (Quaternion)pair.Value;
                        break;
                    default:
                        t.localScale = (Vector3)pair.Value;
                        break;
                }
            }
        }

        // Either spelling ("m_LocalPosition" / "localPosition") to the C# name, or null.
        private static string TransformName(string key)
        {
            string csharp = SerializedValues.CSharpName(key);
            foreach (string name in TransformNames)
            {
                if (name == csharp)
                {
                    return name;
                }
            }
            return null;
        }

        private static void SetGameObject(GameObject go, JObject properties)
        {
            string newName = null;
            bool? active = null;
            bool? isStatic = null;
            string tag = null;
            int? layer = null;
            foreach (KeyValuePair<string, JToken> pair in properties)
            {
                string what = "GameObject." + pair.Key;
                switch (SerializedValues.CSharpName(pair.Key))
                {
                    case "name":
                        newName = Values.ToText(pair.Value, what);
                        if (newName.Length == 0)
                        {
                            throw new CommandException("GameObject.name expects a non-empty string");
                        }
                        break;
                    case "active":
                    case "isActive":
                        active = Values.ToBool(pair.Value, what);
                        break;
                    case "isStatic":
                    case "static":
                        isStatic = Values.ToBool(pair.Value, what);
                        break;
                    case "tag":
                    case "tagString":
                        tag = Values.ToText(pair.Value, what);
                        if (Array.IndexOf(UnityEditorInternal.InternalEditorUtility.tags, tag) < 0)
                        {
                            throw new CommandException("Tag: " + tag + " is not defined.");
                        }
                        break;
                    case "layer":
                        layer = Values.Layer(pair.Value, what);
                        break;
                    default:
                        throw new CommandException(
                            "GameObject has no property '" + pair.Key + "'; it has: name, active, tag, layer, isStatic");
                }
            }
            Undo.RecordObject(go, "Set GameObject properties");
            if (newName != null)
            {
                go.name = newName;
            }
            if (tag != null)
            {
                go.tag = tag;
            }
            if (layer.HasValue)
            {
                go.layer = layer.Value;
            }
            if (isStatic.HasValue)
            {
                go.isStatic = isStatic.Value;
            }
            if (active.HasValue)
            {
                go.SetActive(active.Value);
            }
        }
    }
}
