// read_console, clear_console, over the console's own history (ConsoleHistory).
using System.Collections.Generic;
using Newtonsoft.Json.Linq;
using Movesia.Mcp.Core;

namespace Movesia.Mcp.Editor
{
    internal static class ConsoleHandlers
    {
        private static readonly string[] Types = { "Log", "Warning", "Error", "Exception", "Assert" };

        public static CommandOutcome ReadConsole(JObject args)
        {
            bool stack = Args.Bool(args, "include_stacktrace", false);
            int limit = Args.Int(args, "limit", 50, 1, 500);
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            HashSet<string> wanted = null;
            if (Args.Has(args, "types"))
            {
                wanted = new HashSet<string>();
                foreach (string type in Args.StringList(args, "types"))
                {
                    if (System.Array.IndexOf(Types, type) < 0)
                    {
                        throw new CommandException("unknown log type '" + type + "'; use " + string.Join(", ", Types));
                    }
                    wanted.Add(type);
                }
            }
            string source;
            List<ConsoleEntry> all = ConsoleHistory.Entries(out source);   // newest first
            var matching = new List<ConsoleEntry>();
            foreach (ConsoleEntry entry in all)
            {
                if (wanted == null || wanted.Contains(entry.Type))
                {
                    matching.Add(entry);
                }
            }
            var entries = new JArray();
            int end = System.Math.Min(matching.Count, offset + limit);
            for (int i = offset; i < end; i++)
            {
                entries.Add(LogEntry(matching[i], stack));
            }
            return CommandOutcome.Done(new JObject
            {
                { "entries", entries },
                { "total", matching.Count },
                { "next_offset", end < matching.Count ? new JValue(end) : JValue.CreateNull() },
                { "source", source },
            });
        }

        // builds: LogEntry
        private static JObject LogEntry(ConsoleEntry entry, bool stack)
        {
            var json = new JObject
            {
                { "type", entry.Type },
                { "message", entry.Message },
                { "timestamp", entry.Timestamp.HasValue ? new JValue(entry.Timestamp.Value) : JValue.CreateNull() },
            };
            if (stack)
            {
                json["stacktrace"] = entry.StackTrace ?? "";
            }
            return json;
        }

        public static CommandOutcome ClearConsole(JObject args)
        {
            int cleared = ConsoleHistory.Clear();
            EditorEvents.Send("console_cleared", new JObject());
            return CommandOutcome.Done(new JObject
            {
                { "success", true },
                { "message", "cleared " + cleared + " console entries (compile errors stay until the code compiles)" },
            });
        }
    }
}
