// Small JSON <-> Unity value conversions the handlers share (vectors, colours, numbers).
// Plain numeric arrays go through the core's JsonValues; colours and the Unity structs are
// built here because they need UnityEngine types.
using System;
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
            if (float.IsNaN(value) || float.IsInfinity(value))
            {
                return JValue.CreateNull();
            }
            return new JValue(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        }

        public static JArray Array(params float[] values)
        {
            var array = new JArray();
            foreach (float v in values)
            {
                array.Add(Num(v));
            }
            return array;
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
            if (value != null && value.Type == JTokenType.String)
            {
                string text = ((string)value).Trim();
                if (text.StartsWith("#", StringComparison.Ordinal))
                {
                    text = text.Substring(1);
                }
                uint rgba;
                if ((text.Length == 6 || text.Length == 8)
                    && uint.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out rgba))
                {
                    if (text.Length == 6)
                    {
                        rgba = (rgba << 8) | 0xFF;
                    }
                    return new Color(
                        ((rgba >> 24) & 0xFF) / 255f,
                        ((rgba >> 16) & 0xFF) / 255f,
                        ((rgba >> 8) & 0xFF) / 255f,
                        (rgba & 0xFF) / 255f);
                }
                throw new CommandException(what + " expects a colour like [r, g, b, a] (0..1) or \"#RRGGBB\", got " + Args.Describe(value));
            }
            JArray array = value as JArray;
            if (array != null && array.Count == 3)
            {
                float[] rgb = JsonValues.ToFloats(value, 3, what);
                return new Color(rgb[0], rgb[1], rgb[2], 1f);
            }
            JObject obj = value as JObject;
            if (obj != null && obj["a"] == null)
            {
                var copy = new JObject { { "x", obj["r"] }, { "y", obj["g"] }, { "z", obj["b"] } };
                float[] rgb = JsonValues.ToFloats(copy, 3, what);
                return new Color(rgb[0], rgb[1], rgb[2], 1f);
            }
            if (obj != null)
            {
                var copy = new JObject { { "x", obj["r"] }, { "y", obj["g"] }, { "z", obj["b"] }, { "w", obj["a"] } };
                float[] rgba4 = JsonValues.ToFloats(copy, 4, what);
                return new Color(rgba4[0], rgba4[1], rgba4[2], rgba4[3]);
            }
            float[] c = JsonValues.ToFloats(value, 4, what);
            return new Color(c[0], c[1], c[2], c[3]);
        }

        public static float ToFloat(JToken value, string what)
        {
            if (value == null || (value.Type != JTokenType.Integer && value.Type != JTokenType.Float))
            {
                throw new CommandException(what + " expects a number, got " + Args.Describe(value));
            }
            double d = (double)value;
            if (double.IsNaN(d) || double.IsInfinity(d))
            {
                throw new CommandException(what + " expects a finite number");
            }
            return (float)d;
        }

        public static long ToLong(JToken value, string what)
        {
            if (value != null && value.Type == JTokenType.Float)
            {
                double d = (double)value;
                if (d == Math.Floor(d) && Math.Abs(d) < 9.2e18)
                {
                    return (long)d;
                }
            }
            if (value == null || value.Type != JTokenType.Integer)
            {
                throw new CommandException(what + " expects an integer, got " + Args.Describe(value));
            }
            return (long)value;
        }

        public static bool ToBool(JToken value, string what)
        {
            if (value == null || value.Type != JTokenType.Boolean)
            {
                throw new CommandException(what + " expects true or false, got " + Args.Describe(value));
            }
            return (bool)value;
        }

        public static string ToText(JToken value, string what)
        {
            if (value == null || value.Type != JTokenType.String)
            {
                throw new CommandException(what + " expects a string, got " + Args.Describe(value));
            }
            return (string)value;
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
