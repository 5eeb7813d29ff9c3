// Components as JSON through SerializedObject / SerializedProperty, by propertyType.
// Property names are accepted in both spellings: serialized ("m_LocalPosition") and C#
// ("localPosition"); results use the C# spelling.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class SerializedValues
    {
        private const int MaxProperties = 200;
        private const int MaxArrayItems = 64;
        private const int MaxDepth = 4;

        /// <summary>"m_LocalPosition" -> "localPosition"; other names unchanged.</summary>
        public static string CSharpName(string serialized)
        {
            if (serialized.StartsWith("m_", StringComparison.Ordinal) && serialized.Length > 2)
            {
                return char.ToLowerInvariant(serialized[2]) + serialized.Substring(3);
            }
            return serialized;
        }

        /// <summary>The property a caller names in either spelling, or null.</summary>
        public static SerializedProperty Find(SerializedObject so, string name)
        {
            SerializedProperty prop = so.FindProperty(name);
            if (prop != null)
            {
                return prop;
            }
            if (name.Length > 0 && !name.StartsWith("m_", StringComparison.Ordinal))
            {
                prop = so.FindProperty("m_" + char.ToUpperInvariant(name[0]) + name.Substring(1));
                if (prop != null)
                {
                    return prop;
                }
            }
            return null;
        }

        /// <summary>The visible top-level properties of a component, in the C# spelling.</summary>
        public static JObject Read(UnityEngine.Object target)
        {
            return Read(target, MaxDepth);
        }

        /// <summary>As Read, nesting structs and arrays at most maxDepth levels deep.</summary>
        public static JObject Read(UnityEngine.Object target, int maxDepth)
        {
            var result = new JObject();
            using (var so = new SerializedObject(target))
            {
                SerializedProperty it = so.GetIterator();
                bool enter = true;
                int count = 0;
                while (it.NextVisible(enter))
                {
                    enter = false;
                    if (it.name == "m_Script")
                    {
                        continue;
                    }
                    if (count++ >= MaxProperties)
                    {
                        result["_truncated"] = true;
                        break;
                    }
                    result[CSharpName(it.name)] = ReadValue(it, MaxDepth - maxDepth);
                }
            }
            return result;
        }

        public static JToken ReadValue(SerializedProperty prop, int depth)
        {
            switch (prop.propertyType)
            {
                case SerializedPropertyType.Integer:
                case SerializedPropertyType.LayerMask:
                case SerializedPropertyType.ArraySize:
                    return new JValue(prop.longValue);
                case SerializedPropertyType.Boolean:
                    return new JValue(prop.boolValue);
                case SerializedPropertyType.Float:
                    return Values.Num(prop.floatValue);
                case SerializedPropertyType.String:
                    return new JValue(prop.stringValue);
                case SerializedPropertyType.Color:
                    return Values.Rgba(prop.colorValue);
                case SerializedPropertyType.Vector2:
                    return Values.Vec(prop.vector2Value);
                case SerializedPropertyType.Vector3:
                    return Values.Vec(prop.vector3Value);
                case SerializedPropertyType.Vector4:
                    return Values.Vec(prop.vector4Value);
                case SerializedPropertyType.Quaternion:
                    return Values.Vec(prop.quaternionValue.eulerAngles);
                case SerializedPropertyType.Rect:
                    {
                        Rect r = prop.rectValue;
                        return Values.Array(r.x, r.y, r.width, r.height);
                    }
                case SerializedPropertyType.Bounds:
                    {
                        Bounds b = prop.boundsValue;
                        return new JObject { { "center", Values.Vec(b.center) }, { "size", Values.Vec(b.size) } };
                    }
                case SerializedPropertyType.Vector2Int:
                    {
                        Vector2Int v = prop.vector2IntValue;
                        return new JArray(v.x, v.y);
                    }
                case SerializedPropertyType.Vector3Int:
                    {
                        Vector3Int v = prop.vector3IntValue;
                        return new JArray(v.x, v.y, v.z);
                    }
                case SerializedPropertyType.Enum:
                    {
                        string[] names = prop.enumNames;
                        int index = prop.enumValueIndex;
                        if (index >= 0 && index < names.Length)
                        {
                            return new JValue(names[index]);
                        }
                        return new JValue(prop.intValue);
                    }
                case SerializedPropertyType.ObjectReference:
                    return Reference(prop.objectReferenceValue);
                default:
                    break;
            }
            if (prop.isArray && prop.propertyType == SerializedPropertyType.Generic)
            {
                var items = new JArray();
                if (depth >= MaxDepth)
                {
                    return new JValue("<array of " + prop.arraySize + ">");
                }
                int n = Math.Min(prop.arraySize, MaxArrayItems);
                for (int i = 0; i < n; i++)
                {
                    items.Add(ReadValue(prop.GetArrayElementAtIndex(i), depth + 1));
                }
                return items;
            }
            if (prop.propertyType == SerializedPropertyType.Generic && prop.hasVisibleChildren)
            {
                if (depth >= MaxDepth)
                {
                    return new JValue("<" + prop.type + ">");
                }
                var fields = new JObject();
                SerializedProperty child = prop.Copy();
                SerializedProperty end = prop.GetEndProperty();
                bool enter = true;
                while (child.NextVisible(enter) && !SerializedProperty.EqualContents(child, end))
                {
                    enter = false;
                    fields[CSharpName(child.name)] = ReadValue(child, depth + 1);
                }
                return fields;
            }
#if UNITY_2022_1_OR_NEWER || UNITY_6000_4_OR_NEWER   // (the CI build defines only the 6000 symbols)
            try
            {
                object boxed = prop.boxedValue;
                if (boxed == null || boxed is string || boxed is bool || boxed.GetType().IsPrimitive)
                {
                    return boxed == null ? JValue.CreateNull() : new JValue(boxed);
                }
                return new JValue(boxed.ToString());
            }
            catch (Exception)
            {
                // fall through to the type name
            }
#endif
            return new JValue("<" + prop.type + ">");
        }

        /// <summary>
        /// Keep a property dump under maxChars of JSON: the largest values are replaced by a
        /// note of their size, and "_omitted" lists them (inspect them one by one instead).
        /// </summary>
        public static JObject Trim(JObject values, int maxChars)
        {
            int size = values.ToString(Newtonsoft.Json.Formatting.None).Length;
            if (size <= maxChars)
            {
                return values;
            }
            var sizes = new List<KeyValuePair<string, int>>();
            foreach (KeyValuePair<string, JToken> pair in values)
            {
                sizes.Add(new KeyValuePair<string, int>(pair.Key, pair.Value.ToString(Newtonsoft.Json.Formatting.None).Length));
            }
            sizes.Sort((a, b) => b.Value.CompareTo(a.Value));
            var omitted = new JArray();
            foreach (KeyValuePair<string, int> entry in sizes)
            {
                if (size <= maxChars)
                {
                    break;
                }
                string note = "<omitted: " + entry.Value + " characters>";
                values[entry.Key] = note;
                size -= entry.Value - note.Length - 2;
                omitted.Add(entry.Key);
            }
            values["_omitted"] = omitted;
            return values;
        }

        /// <summary>An object reference as JSON: null, an asset path, or {name, type, instance_id}.</summary>
        public static JToken Reference(UnityEngine.Object value)
        {
            if (value == null)
            {
                return JValue.CreateNull();
            }
            string assetPath = AssetDatabase.GetAssetPath(value);
            if (!string.IsNullOrEmpty(assetPath))
            {
                return new JValue(assetPath);
            }
            return new JObject
            {
                { "name", value.name },
                { "type", value.GetType().Name },
                { "instance_id", ObjectIds.Of(value) },
            };
        }

        /// <summary>Set several properties of a component in one undoable step.</summary>
        public static void Write(UnityEngine.Object target, JObject properties, string typeName)
        {
            using (var so = new SerializedObject(target))
            {
                foreach (KeyValuePair<string, JToken> pair in properties)
                {
                    SerializedProperty prop = Find(so, pair.Key);
                    if (prop == null)
                    {
                        throw new CommandException(
                            typeName + " has no property '" + pair.Key + "'; it has: " + Known(so));
                    }
                    WriteValue(prop, pair.Value, typeName + "." + pair.Key, 0);
                }
                so.ApplyModifiedProperties();
            }
        }

        private static string Known(SerializedObject so)
        {
            var names = new List<string>();
            SerializedProperty it = so.GetIterator();
            bool enter = true;
            while (it.NextVisible(enter) && names.Count < 60)
            {
                enter = false;
                if (it.name != "m_Script")
                {
                    names.Add(CSharpName(it.name));
                }
            }
            return string.Join(", ", names.ToArray());
        }

        public static void WriteValue(SerializedProperty prop, JToken value, string what, int depth)
        {
            switch (prop.propertyType)
            {
                case SerializedPropertyType.Integer:
                    prop.longValue = Values.ToLong(value, what);
                    return;
                case SerializedPropertyType.ArraySize:
                    prop.intValue = (int)Values.ToLong(value, what);
                    return;
                case SerializedPropertyType.Boolean:
                    prop.boolValue = Values.ToBool(value, what);
                    return;
                case SerializedPropertyType.Float:
                    prop.floatValue = Values.ToFloat(value, what);
                    return;
                case SerializedPropertyType.String:
                    prop.stringValue = Values.ToText(value, what);
                    return;
                case SerializedPropertyType.Color:
                    prop.colorValue = Values.ToColor(value, what);
                    return;
                case SerializedPropertyType.Vector2:
                    prop.vector2Value = Values.ToVector2(value, what);
                    return;
                case SerializedPropertyType.Vector3:
                    prop.vector3Value = Values.ToVector3(value, what);
                    return;
                case SerializedPropertyType.Vector4:
                    prop.vector4Value = Values.ToVector4(value, what);
                    return;
                case SerializedPropertyType.Quaternion:
                    prop.quaternionValue = Values.ToQuaternion(value, what);
                    return;
                case SerializedPropertyType.Rect:
                    {
                        prop.rectValue = Values.ToRect(value, what);
                        return;
                    }
                case SerializedPropertyType.Bounds:
                    {
                        JObject obj = value as JObject;
                        if (obj == null)
                        {
                            throw new CommandException(what + " expects {\"center\": [x, y, z], \"size\": [x, y, z]}");
                        }
                        prop.boundsValue = new Bounds(
                            Values.ToVector3(obj["center"], what + ".center"), Values.ToVector3(obj["size"], what + ".size"));
                        return;
                    }
                case SerializedPropertyType.Vector2Int:
                    {
                        float[] v = JsonValues.ToFloats(value, 2, what);
                        prop.vector2IntValue = new Vector2Int(Whole(v[0], what), Whole(v[1], what));
                        return;
                    }
                case SerializedPropertyType.Vector3Int:
                    {
                        float[] v = JsonValues.ToFloats(value, 3, what);
                        prop.vector3IntValue = new Vector3Int(Whole(v[0], what), Whole(v[1], what), Whole(v[2], what));
                        return;
                    }
                case SerializedPropertyType.Enum:
                    prop.enumValueIndex = EnumIndex(prop, value, what);
                    return;
                case SerializedPropertyType.LayerMask:
                    prop.intValue = Mask(value, what);
                    return;
                case SerializedPropertyType.ObjectReference:
                    prop.objectReferenceValue = ResolveReference(prop, value, what);
                    return;
                default:
                    break;
            }
            if (prop.isArray && prop.propertyType == SerializedPropertyType.Generic)
            {
                JArray items = value as JArray;
                if (items == null)
                {
                    throw new CommandException(what + " expects an array, got " + Args.Describe(value));
                }
                prop.arraySize = items.Count;
                for (int i = 0; i < items.Count; i++)
                {
                    WriteValue(prop.GetArrayElementAtIndex(i), items[i], what + "[" + i + "]", depth + 1);
                }
                return;
            }
            if (prop.propertyType == SerializedPropertyType.Generic && prop.hasVisibleChildren && depth < MaxDepth)
            {
                JObject fields = value as JObject;
                if (fields == null)
                {
                    throw new CommandException(what + " expects an object of its fields, got " + Args.Describe(value));
                }
                foreach (KeyValuePair<string, JToken> pair in fields)
                {
                    SerializedProperty child = prop.FindPropertyRelative(pair.Key);
                    if (child == null && !pair.Key.StartsWith("m_", StringComparison.Ordinal) && pair.Key.Length > 0)
                    {
                        child = prop.FindPropertyRelative("m_" + char.ToUpperInvariant(pair.Key[0]) + pair.Key.Substring(1));
                    }
                    if (child == null)
                    {
                        throw new CommandException(what + " has no field '" + pair.Key + "'");
                    }
                    WriteValue(child, pair.Value, what + "." + pair.Key, depth + 1);
                }
                return;
            }
            throw new CommandException(
                what + " is a " + prop.type + ", which this tool cannot set (" + prop.propertyType + ")");
        }

        private static int Whole(float f, string what)
        {
            if (f != (float)Math.Floor(f))
            {
                throw new CommandException(what + " expects whole numbers");
            }
            return (int)f;
        }

        private static int EnumIndex(SerializedProperty prop, JToken value, string what)
        {
            string[] shown = prop.enumDisplayNames;
            if (value != null && value.Type == JTokenType.String)
            {
                // The Inspector's names ("Soft Shadows") as well as the C# ones ("Soft").
                int index = System.Array.FindIndex(shown, n => string.Equals(n, ((string)value).Trim(), StringComparison.OrdinalIgnoreCase));
                if (index >= 0)
                {
                    return index;
                }
            }
            return JsonValues.ToEnumIndex(value, prop.enumNames, what);
        }

        private static int Mask(JToken value, string what)
        {
            JArray layers = value as JArray;
            if (layers == null)
            {
                return (int)Values.ToLong(value, what);
            }
            int mask = 0;
            foreach (JToken layer in layers)
            {
                mask |= 1 << Values.Layer(layer, what);
            }
            return mask;
        }

        // null; "Assets/..." (an asset); a hierarchy path or {"instance_id": n} (a scene object).
        private static UnityEngine.Object ResolveReference(SerializedProperty prop, JToken value, string what)
        {
            if (value == null || value.Type == JTokenType.Null)
            {
                return null;
            }
            string wantedType = ReferencedType(prop.type);
            GameObject go = null;
            JObject obj = value as JObject;
            if (obj != null && obj["instance_id"] != null)
            {
                long id = Values.ToLong(obj["instance_id"], what + ".instance_id");
                go = ObjectIds.FindGameObject(id);
                if (go == null)
                {
                    throw new CommandException(what + ": no GameObject with instance id " + id + " in the loaded scenes");
                }
            }
            else if (value.Type == JTokenType.String)
            {
                string path = (string)value;
                if (path.StartsWith("Assets/", StringComparison.Ordinal) || path.StartsWith("Packages/", StringComparison.Ordinal))
                {
                    string checkedPath = ProjectPaths.RequireAssetPath(path, null, true);
                    UnityEngine.Object[] assets = AssetDatabase.LoadAllAssetsAtPath(checkedPath);
                    if (assets == null || assets.Length == 0)
                    {
                        throw new CommandException(what + ": no asset at '" + checkedPath + "'");
                    }
                    foreach (UnityEngine.Object asset in assets)
                    {
                        if (asset != null && (wantedType == null || Matches(asset.GetType(), wantedType)))
                        {
                            return asset;
                        }
                    }
                    throw new CommandException(what + ": the asset at '" + checkedPath + "' holds no " + wantedType);
                }
                go = Targets.FindByPath(path, null);
                if (go == null)
                {
                    throw new CommandException(
                        what + " expects an asset path ('Assets/...'), a hierarchy path or {\"instance_id\": n}; no GameObject '" + path + "'");
                }
            }
            else
            {
                throw new CommandException(what + " expects an asset path, a hierarchy path, {\"instance_id\": n} or null");
            }
            if (wantedType == null || wantedType == "GameObject" || wantedType == "Object")
            {
                return go;
            }
            foreach (Component c in go.GetComponents<Component>())
            {
                if (c != null && Matches(c.GetType(), wantedType))
                {
                    return c;
                }
            }
            throw new CommandException(what + ": '" + Targets.PathOf(go) + "' has no " + wantedType);
        }

        // "PPtr<$Transform>" -> "Transform"; null when unknown.
        private static string ReferencedType(string type)
        {
            if (type != null && type.StartsWith("PPtr<", StringComparison.Ordinal) && type.EndsWith(">", StringComparison.Ordinal))
            {
                return type.Substring(5, type.Length - 6).TrimStart('$');
            }
            return null;
        }

        private static bool Matches(Type type, string name)
        {
            for (Type t = type; t != null; t = t.BaseType)
            {
                if (t.Name == name)
                {
                    return true;
                }
            }
            return false;
        }
    }
}
