// JSON ⇄ plain values for set_component_properties / inspect_object / materials. Every
// refusal names the property and the shape that was expected.
using System;
using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    public static class JsonValues
    {
        private static readonly string[] Xyzw = { "x", "y", "z", "w" };
        private static readonly string[] Rgba = { "r", "g", "b", "a" };

        /// <summary>[x, y, z] or {"x":.., "y":.., "z":..} (count numbers: x, y, z, w in order).</summary>
        public static float[] ToFloats(JToken value, int count, string what)
        {
            return ToFloats(value, count, what, Xyzw);
        }

        /// <summary>An array of count numbers, or an object with the given keys (e.g. x, y, width, height).</summary>
        public static float[] ToFloats(JToken value, int count, string what, string[] names)
        {
            if (names == null || names.Length < count)
            {
                throw new ArgumentException("need " + count + " names");
            }
            string shape = Shape(count, names);
            if (value == null || value.Type == JTokenType.Null)
            {
                throw new CommandException(what + " needs a value: " + shape);
            }
            var result = new float[count];
            JArray array = value as JArray;
            if (array != null)
            {
                if (array.Count != count)
                {
                    throw new CommandException(what + " needs exactly " + count + " numbers (" + shape + "), got " + array.Count);
                }
                for (int i = 0; i < count; i++)
                {
                    result[i] = Number(array[i], what + "[" + i + "]", shape);
                }
                return result;
            }
            JObject obj = value as JObject;
            if (obj != null)
            {
                for (int i = 0; i < count; i++)
                {
                    JToken item = Member(obj, names[i]);
                    if (item == null)
                    {
                        throw new CommandException(what + " is missing '" + names[i] + "' (" + shape + ")");
                    }
                    result[i] = Number(item, what + "." + names[i], shape);
                }
                foreach (JProperty p in obj.Properties())
                {
                    if (Array.FindIndex(names, 0, count, n => string.Equals(n, p.Name, StringComparison.OrdinalIgnoreCase)) < 0)
                    {
                        throw new CommandException(what + " has an unexpected key '" + p.Name + "' (" + shape + ")");
                    }
                }
                return result;
            }
            throw new CommandException(what + " must be " + shape + ", got " + Json.Kind(value));
        }

        public static JArray FromFloats(params float[] values)
        {
            var array = new JArray();
            if (values != null)
            {
                foreach (float f in values)
                {
                    array.Add(FromFloat(f));
                }
            }
            return array;
        }

        /// <summary>A float as the shortest double that reads back as it (0.1f → 0.1, not 0.10000000149).</summary>
        public static JToken FromFloat(float value)
        {
            if (float.IsNaN(value) || float.IsInfinity(value))
            {
                return JValue.CreateNull();
            }
            double d = double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            return new JValue(d);
        }

        /// <summary>
        /// A colour as r, g, b, a: [r,g,b] (a = 1), [r,g,b,a], {"r":..,"g":..,"b":..,"a"?:..},
        /// or "#RRGGBB" / "#RRGGBBAA".
        /// </summary>
        public static float[] ToColor(JToken value, string what)
        {
            const string shape = "[r, g, b] or [r, g, b, a] with numbers 0..1, {\"r\":..,\"g\":..,\"b\":..,\"a\":..}, or \"#RRGGBB(AA)\"";
            if (value == null || value.Type == JTokenType.Null)
            {
                throw new CommandException(what + " needs a colour: " + shape);
            }
            if (value.Type == JTokenType.String)
            {
                return Hex((string)value, what, shape);
            }
            JArray array = value as JArray;
            if (array != null)
            {
                if (array.Count != 3 && array.Count != 4)
                {
                    throw new CommandException(what + " needs 3 or 4 numbers (" + shape + "), got " + array.Count);
                }
                var c = new float[] { 0, 0, 0, 1 };
                for (int i = 0; i < array.Count; i++)
                {
                    c[i] = Number(array[i], what + "[" + i + "]", shape);
                }
                return c;
            }
            JObject obj = value as JObject;
            if (obj != null)
            {
                var c = new float[] { 0, 0, 0, 1 };
                for (int i = 0; i < 4; i++)
                {
                    JToken item = Member(obj, Rgba[i]);
                    if (item == null)
                    {
                        if (i < 3)
                        {
                            throw new CommandException(what + " is missing '" + Rgba[i] + "' (" + shape + ")");
                        }
                        continue;
                    }
                    c[i] = Number(item, what + "." + Rgba[i], shape);
                }
                return c;
            }
            throw new CommandException(what + " must be " + shape + ", got " + Json.Kind(value));
        }

        public static JArray FromColor(float r, float g, float b, float a)
        {
            return FromFloats(r, g, b, a);
        }

        /// <summary>true/false; also "true"/"false" and 0/1.</summary>
        public static bool ToBool(JToken value, string what)
        {
            if (value != null)
            {
                switch (value.Type)
                {
                    case JTokenType.Boolean:
                        return (bool)value;
                    case JTokenType.Integer:
                        long n = (long)value;
                        if (n == 0 || n == 1)
                        {
                            return n == 1;
                        }
                        break;
                    case JTokenType.String:
                        string s = ((string)value).Trim();
                        if (string.Equals(s, "true", StringComparison.OrdinalIgnoreCase))
                        {
                            return true;
                        }
                        if (string.Equals(s, "false", StringComparison.OrdinalIgnoreCase))
                        {
                            return false;
                        }
                        break;
                }
            }
            throw new CommandException(what + " must be true or false, got " + Describe(value));
        }

        /// <summary>A whole number in the range of int: 3, 3.0, "3".</summary>
        public static int ToInt(JToken value, string what)
        {
            long n = ToLong(value, what);
            if (n < int.MinValue || n > int.MaxValue)
            {
                throw new CommandException(what + " must be between " + int.MinValue + " and " + int.MaxValue + ", got " + n);
            }
            return (int)n;
        }

        /// <summary>A whole number: 3, 3.0, "3".</summary>
        public static long ToLong(JToken value, string what)
        {
            if (value != null)
            {
                if (value.Type == JTokenType.Integer)
                {
                    try
                    {
                        return (long)value;
                    }
                    catch (OverflowException)
                    {
                        throw new CommandException(what + " is too large, got " + Json.Short(value));
                    }
                }
                if (value.Type == JTokenType.Float)
                {
                    double d = (double)value;
                    if (d == Math.Floor(d) && Math.Abs(d) < 9.0e15)
                    {
                        return (long)d;
                    }
                }
                if (value.Type == JTokenType.String)
                {
                    long n;
                    if (long.TryParse(((string)value).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
                    {
                        return n;
                    }
                }
            }
            throw new CommandException(what + " must be a whole number, got " + Describe(value));
        }

        /// <summary>A finite number: 1.5, 2, "1.5".</summary>
        public static float ToFloat(JToken value, string what)
        {
            return Number(value, what, "a number");
        }

        public static double ToDouble(JToken value, string what)
        {
            double d;
            if (TryDouble(value, out d))
            {
                return d;
            }
            throw new CommandException(what + " must be a number, got " + Describe(value));
        }

        /// <summary>A string; numbers and booleans are turned into their invariant text.</summary>
        public static string ToText(JToken value, string what)
        {
            if (value != null)
            {
                switch (value.Type)
                {
                    case JTokenType.String:
                        return (string)value;
                    case JTokenType.Integer:
                    case JTokenType.Float:
                        return Convert.ToString(((JValue)value).Value, CultureInfo.InvariantCulture);
                    case JTokenType.Boolean:
                        return (bool)value ? "true" : "false";
                }
            }
            throw new CommandException(what + " must be a string, got " + Describe(value));
        }

        /// <summary>An enum value: one of names (any case), or its index.</summary>
        public static int ToEnumIndex(JToken value, string[] names, string what)
        {
            string list = names == null ? "" : string.Join(", ", names);
            if (value != null && value.Type == JTokenType.String && names != null)
            {
                string s = ((string)value).Trim();
                for (int i = 0; i < names.Length; i++)
                {
                    if (string.Equals(names[i], s, StringComparison.OrdinalIgnoreCase))
                    {
                        return i;
                    }
                }
                string squashed = s.Replace(" ", "");
                for (int i = 0; i < names.Length; i++)
                {
                    if (string.Equals(names[i].Replace(" ", ""), squashed, StringComparison.OrdinalIgnoreCase))
                    {
                        return i;
                    }
                }
                throw new CommandException(what + " must be one of: " + list + "; got '" + s + "'");
            }
            if (value != null && value.Type == JTokenType.Integer && names != null)
            {
                long n = (long)value;
                if (n >= 0 && n < names.Length)
                {
                    return (int)n;
                }
                throw new CommandException(what + " index " + n + " is out of range (0.." + (names.Length - 1) + ": " + list + ")");
            }
            throw new CommandException(what + " must be one of: " + list + " (a name or its index), got " + Describe(value));
        }

        /// <summary>A plain value as JSON: null, bool, whole numbers, float, double, string, float[], enums by name.</summary>
        public static JToken FromPlain(object value)
        {
            if (value == null)
            {
                return JValue.CreateNull();
            }
            if (value is JToken)
            {
                return (JToken)value;
            }
            if (value is float)
            {
                return FromFloat((float)value);
            }
            if (value is double)
            {
                double d = (double)value;
                return double.IsNaN(d) || double.IsInfinity(d) ? JValue.CreateNull() : new JValue(d);
            }
            if (value is float[])
            {
                return FromFloats((float[])value);
            }
            if (value is Enum)
            {
                return new JValue(value.ToString());
            }
            if (value is bool || value is string)
            {
                return new JValue(value);
            }
            if (value is int || value is long || value is short || value is byte || value is uint || value is sbyte || value is ushort)
            {
                return new JValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
            }
            if (value is ulong)
            {
                return new JValue((ulong)value);
            }
            return new JValue(Convert.ToString(value, CultureInfo.InvariantCulture));
        }

        private static float Number(JToken value, string what, string shape)
        {
            double d;
            if (!TryDouble(value, out d))
            {
                throw new CommandException(what + " must be a number (" + shape + "), got " + Describe(value));
            }
            if (d > float.MaxValue || d < -float.MaxValue)
            {
                throw new CommandException(what + " is out of range for a float, got " + d.ToString("R", CultureInfo.InvariantCulture));
            }
            return (float)d;
        }

        private static bool TryDouble(JToken value, out double d)
        {
            d = 0;
            if (value == null)
            {
                return false;
            }
            if (value.Type == JTokenType.Integer || value.Type == JTokenType.Float)
            {
                d = Convert.ToDouble(((JValue)value).Value, CultureInfo.InvariantCulture);
            }
            else if (value.Type != JTokenType.String
                || !double.TryParse(((string)value).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            {
                return false;
            }
            return !double.IsNaN(d) && !double.IsInfinity(d);
        }

        private static float[] Hex(string text, string what, string shape)
        {
            string s = text.Trim();
            if (s.StartsWith("#", StringComparison.Ordinal))
            {
                s = s.Substring(1);
            }
            if (s.Length != 6 && s.Length != 8)
            {
                throw new CommandException(what + " must be " + shape + ", got '" + text + "'");
            }
            var c = new float[] { 0, 0, 0, 1 };
            for (int i = 0; i < s.Length / 2; i++)
            {
                int n;
                if (!int.TryParse(s.Substring(2 * i, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out n))
                {
                    throw new CommandException(what + " has a bad hex colour '" + text + "' (" + shape + ")");
                }
                c[i] = n / 255f;
            }
            return c;
        }

        private static JToken Member(JObject obj, string name)
        {
            JToken exact = obj[name];
            if (exact != null)
            {
                return exact;
            }
            foreach (JProperty p in obj.Properties())
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return p.Value;
                }
            }
            return null;
        }

        private static string Shape(int count, string[] names)
        {
            string keys = string.Join(", ", names, 0, count);
            string quoted = "{\"" + string.Join("\":..,\"", names, 0, count) + "\":..}";
            return "[" + keys + "] or " + quoted;
        }

        private static string Describe(JToken value)
        {
            if (value == null || value.Type == JTokenType.Null)
            {
                return "null";
            }
            if (value.Type == JTokenType.Array || value.Type == JTokenType.Object)
            {
                return Json.Kind(value);
            }
            return Json.Kind(value) + " " + Json.Short(value);
        }
    }
}
