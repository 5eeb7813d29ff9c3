// Reading a command's parameters: typed, with defaults, and errors that name the parameter.
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Editor
{
    internal static class Args
    {
        private static JToken Get(JObject args, string name)
        {
            if (args == null)
            {
                return null;
            }
            JToken value = args[name];
            if (value == null || value.Type == JTokenType.Null)
            {
                return null;
            }
            return value;
        }

        public static bool Has(JObject args, string name)
        {
            return Get(args, name) != null;
        }

        public static string RequiredString(JObject args, string name)
        {
            string value = OptionalString(args, name);
            if (value == null)
            {
                throw new CommandException("missing required parameter '" + name + "' (a string)");
            }
            return value;
        }

        public static string NonEmptyString(JObject args, string name)
        {
            string value = RequiredString(args, name);
            if (value.Trim().Length == 0)
            {
                throw new CommandException("parameter '" + name + "' must not be empty");
            }
            return value;
        }

        public static string OptionalString(JObject args, string name)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return null;
            }
            if (value.Type != JTokenType.String)
            {
                throw new CommandException("parameter '" + name + "' must be a string, got " + Describe(value));
            }
            return (string)value;
        }

        public static string StringOr(JObject args, string name, string fallback)
        {
            return OptionalString(args, name) ?? fallback;
        }

        public static bool Bool(JObject args, string name, bool fallback)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return fallback;
            }
            if (value.Type != JTokenType.Boolean)
            {
                throw new CommandException("parameter '" + name + "' must be true or false, got " + Describe(value));
            }
            return (bool)value;
        }

        public static long? OptionalLong(JObject args, string name)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return null;
            }
            if (value.Type == JTokenType.Float)
            {
                double d = (double)value;
                if (d == System.Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue)
                {
                    return (long)d;
                }
            }
            if (value.Type != JTokenType.Integer)
            {
                throw new CommandException("parameter '" + name + "' must be an integer, got " + Describe(value));
            }
            return (long)value;
        }

        /// <summary>An integer parameter with a default, kept inside [min, max].</summary>
        public static int Int(JObject args, string name, int fallback, int min, int max)
        {
            long? value = OptionalLong(args, name);
            if (value == null)
            {
                return fallback;
            }
            if (value.Value < min || value.Value > max)
            {
                throw new CommandException(
                    "parameter '" + name + "' must be between " + min + " and " + max + ", got " + value.Value);
            }
            return (int)value.Value;
        }

        public static float[] OptionalFloats(JObject args, string name, int count)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return null;
            }
            return JsonValues.ToFloats(value, count, name);
        }

        public static JObject OptionalObject(JObject args, string name)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return null;
            }
            JObject obj = value as JObject;
            if (obj == null)
            {
                throw new CommandException("parameter '" + name + "' must be an object, got " + Describe(value));
            }
            return obj;
        }

        public static JArray OptionalArray(JObject args, string name)
        {
            JToken value = Get(args, name);
            if (value == null)
            {
                return null;
            }
            JArray array = value as JArray;
            if (array == null)
            {
                throw new CommandException("parameter '" + name + "' must be an array, got " + Describe(value));
            }
            return array;
        }

        public static List<string> StringList(JObject args, string name)
        {
            var list = new List<string>();
            JArray array = OptionalArray(args, name);
            if (array == null)
            {
                return list;
            }
            foreach (JToken item in array)
            {
                if (item.Type != JTokenType.String)
                {
                    throw new CommandException("every item of '" + name + "' must be a string, got " + Describe(item));
                }
                list.Add((string)item);
            }
            return list;
        }

        public static List<long> LongList(JObject args, string name)
        {
            var list = new List<long>();
            JArray array = OptionalArray(args, name);
            if (array == null)
            {
                return list;
            }
            foreach (JToken item in array)
            {
                if (item.Type != JTokenType.Integer)
                {
                    throw new CommandException("every item of '" + name + "' must be an integer, got " + Describe(item));
                }
                list.Add((long)item);
            }
            return list;
        }

        /// <summary>A short description of a JSON value for error messages.</summary>
        public static string Describe(JToken value)
        {
            if (value == null)
            {
                return "nothing";
            }
            string text = value.ToString(Newtonsoft.Json.Formatting.None);
            if (text.Length > 60)
            {
                text = text.Substring(0, 57) + "...";
            }
            return value.Type.ToString().ToLowerInvariant() + " " + text;
        }
    }
}
