// Component types by name ("Rigidbody", "UnityEngine.Light", "PlayerController"), looked up
// over the loaded assemblies once per domain.
using System;
using System.Collections.Generic;
using System.Reflection;
using Movesia.Mcp.Core;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class ComponentTypes
    {
        private static Dictionary<string, List<Type>> byName;

        public static Type Find(string name)
        {
            if (byName == null)
            {
                byName = Index();
            }
            List<Type> candidates;
            if (!byName.TryGetValue(name, out candidates))
            {
                throw new CommandException(
                    "unknown component type '" + name + "'; use a built-in type such as Rigidbody, "
                    + "BoxCollider or Light, or a compiled MonoBehaviour script (after write_script, fix "
                    + "any compile errors first)");
            }
            if (candidates.Count == 1)
            {
                return candidates[0];
            }
            // Prefer Unity's own type; otherwise the name is ambiguous.
            foreach (Type t in candidates)
            {
                if (t.Namespace != null && t.Namespace.StartsWith("UnityEngine", StringComparison.Ordinal))
                {
                    return t;
                }
            }
            var names = new List<string>();
            foreach (Type t in candidates)
            {
                names.Add(t.FullName);
            }
            throw new CommandException(
                "component type '" + name + "' is ambiguous; use the full name: " + string.Join(", ", names.ToArray()));
        }

        private static Dictionary<string, List<Type>> Index()
        {
            var index = new Dictionary<string, List<Type>>(StringComparer.Ordinal);
            foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
            {
                Type[] types;
                try
                {
                    types = assembly.GetTypes();
                }
                catch (ReflectionTypeLoadException e)
                {
                    types = e.Types;
                }
                catch (Exception)
                {
                    continue;
                }
                foreach (Type t in types)
                {
                    if (t == null || t.IsAbstract || t.IsGenericTypeDefinition || !typeof(Component).IsAssignableFrom(t))
                    {
                        continue;
                    }
                    Add(index, t.Name, t);
                    if (t.FullName != null && t.FullName != t.Name)
                    {
                        Add(index, t.FullName, t);
                    }
                }
            }
            return index;
        }

        private static void Add(Dictionary<string, List<Type>> index, string key, Type t)
        {
            List<Type> list;
            if (!index.TryGetValue(key, out list))
            {
                list = new List<Type>();
                index[key] = list;
            }
            list.Add(t);
        }

        /// <summary>The component of this type name on the object, or a clear error.</summary>
        public static Component On(GameObject go, string name)
        {
            foreach (Component c in go.GetComponents<Component>())
            {
                if (c != null && (c.GetType().Name == name || c.GetType().FullName == name))
                {
                    return c;
                }
            }
            throw new CommandException("'" + Targets.PathOf(go) + "' has no " + name + " component");
        }

        /// <summary>Components of this name or deriving from it (find_objects "Collider" finds BoxColliders).</summary>
        public static bool Has(GameObject go, string name)
        {
            foreach (Component c in go.GetComponents<Component>())
            {
                if (c == null)
                {
                    continue;
                }
                for (Type t = c.GetType(); t != null && t != typeof(object); t = t.BaseType)
                {
                    if (t.Name == name || t.FullName == name)
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
