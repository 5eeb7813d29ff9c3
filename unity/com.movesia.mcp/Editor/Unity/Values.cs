// JSON <-> Unity values the handlers share (vectors, colours, rects, numbers, layers): the
// core's JsonValues parses and checks; this turns its plain values into Unity structs.
using System.Globalization;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class Values
    {
        /// <summary>A float as the shortest JSON number that reads back the same (0.1f -> 0.1).</summary>
        public static JToken Num(float value)
        {
            return JsonValues.FromFloat(value);
        }

        public static JArray Array(params float[] values)
        {
            return JsonValues.FromFloats(values);
        }

        public static JArray Vec(Vector2 v) { return Array(v.x, v.y); }

        public static JArray Vec(Vector3 v) { return Array(v.x, v.y, v.z); }

        public static JArray Vec(Vector4 v) { return Array(v.x, v.y, v.z, v.w); }

        public static JArray Rgba(Color c) { return Array(c.r, c.g, c.b, c.a); }

        public static Vector2 ToVector2(JToken value, string what)
        {
            float[] f = JsonValues.ToFloats(value, 2, what);
            return new Vector2(f[0], f[1]);
        }

        public static Vector3 ToVector3(JToken value, string what)
        {
            float[] f = JsonValues.ToFloats(value, 3, what);
            return new Vector3(f[0], f[1], f[2]);
        }

        public static Vector4 ToVector4(JToken value, string what)
        {
            float[] f = JsonValues.ToFloats(value, 4, what);
            return new Vector4(f[0], f[1], f[2], f[3]);
        }

        /// <summary>A quaternion from [x, y, z, w], or Euler angles in degrees [x, y, z].</summary>
        public static Quaternion ToQuaternion(JToken value, string what)
        {
            JArray array = value as JArray;
            if (array != null && array.Count == 3)
            {
                return Quaternion.Euler(ToVector3(value, what));
            }
            float[] f = JsonValues.ToFloats(value, 4, what);
            return new Quaternion(f[0], f[1], f[2], f[3]);
        }

        /// <summary>[r, g, b], [r, g, b, a], {"r":..,"g":..,"b":..,"a":..} or "#RRGGBB(AA)"; 0..1.</summary>
        public static Color ToColor(JToken value, string what)
        {
            float[] c = JsonValues.ToColor(value, what);
            return new Color(c[0], c[1], c[2], c[3]);
        }

        private static readonly string[] RectNames = { "x", "y", "width", "height" };

        /// <summary>[x, y, width, height] or {"x":..,"y":..,"width":..,"height":..}.</summary>
        public static Rect ToRect(JToken value, string what)
        {
            float[] r = JsonValues.ToFloats(value, 4, what, RectNames);
            return new Rect(r[0], r[1], r[2], r[3]);
        }

        public static float ToFloat(JToken value, string what)
        {
            return JsonValues.ToFloat(value, what);
        }

        public static long ToLong(JToken value, string what)
        {
            return JsonValues.ToLong(value, what);
        }

        public static bool ToBool(JToken value, string what)
        {
            return JsonValues.ToBool(value, what);
        }

        public static string ToText(JToken value, string what)
        {
            return JsonValues.ToText(value, what);
        }

        /// <summary>A layer by name or number (0..31), as find_objects and GameObject.layer take it.</summary>
        public static int Layer(JToken value, string what)
        {
            if (value != null && value.Type == JTokenType.String)
            {
                string name = (string)value;
                int number;
                if (int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
                {
                    return CheckedLayer(number, what);
                }
                int byName = LayerMask.NameToLayer(name);
                if (byName < 0)
                {
                    throw new CommandException(what + ": layer '" + name + "' is not defined; layers: " + LayerNames());
                }
                return byName;
            }
            return CheckedLayer((int)ToLong(value, what), what);
        }

        private static int CheckedLayer(long number, string what)
        {
            if (number < 0 || number > 31)
            {
                throw new CommandException(what + ": layer " + number + " is out of range 0..31");
            }
            return (int)number;
        }

        public static string LayerNames()
        {
            var names = new System.Collections.Generic.List<string>();
            for (int i = 0; i < 32; i++)
            {
                string name = LayerMask.LayerToName(i);
                if (!string.IsNullOrEmpty(name))
                {
                    names.Add(i + ":" + name);
                }
            }
            return string.Join(", ", names.ToArray());
        }
    }
}
