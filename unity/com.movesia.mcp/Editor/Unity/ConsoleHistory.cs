// The console's history. Unity has no public API for it: read UnityEditor.LogEntries by
// reflection (internal, may change between versions), and keep a bounded buffer fed by
// Application.logMessageReceivedThreaded as the fallback when reflection fails.
using System;
using System.Collections.Generic;
using System.Reflection;

namespace Movesia.Mcp.Editor
{
    internal sealed class ConsoleEntry
    {
        public string Type;
        public string Message;
        public string StackTrace;
        public double? Timestamp;   // unix seconds; null when the console does not say
    }

    internal static class ConsoleHistory
    {
        private const int BufferSize = 2000;
        private const int MaxMessageChars = 8000;
        private static readonly object Gate = new object();
        private static readonly LinkedList<ConsoleEntry> Buffer = new LinkedList<ConsoleEntry>();

        // LogEntry.mode bits (UnityEditor LogMessageFlags).
        private const int Error = 1 << 0;
        private const int Assert = 1 << 1;
        private const int Fatal = 1 << 4;
        private const int AssetImportError = 1 << 6;
        private const int AssetImportWarning = 1 << 7;
        private const int ScriptingError = 1 << 8;
        private const int ScriptingWarning = 1 << 9;
        private const int ScriptCompileError = 1 << 11;
        private const int ScriptCompileWarning = 1 << 12;
        private const int ScriptingException = 1 << 17;
        private const int ScriptingAssertion = 1 << 21;

        private static bool reflectionBroken;
        private static Type entriesType;
        private static Type entryType;
        private static MethodInfo startGetting;
        private static MethodInfo endGetting;
        private static MethodInfo getEntry;
        private static MethodInfo clear;
        private static FieldInfo messageField;
        private static FieldInfo modeField;
        private static FieldInfo stackStartField;

        /// <summary>Any thread: remember one message (Application.logMessageReceivedThreaded).</summary>
        public static void Record(string message, string stackTrace, string type)
        {
            var entry = new ConsoleEntry
            {
                Type = type,
                Message = Cut(message),
                StackTrace = Cut(stackTrace),
                Timestamp = (DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds,
            };
            lock (Gate)
            {
                Buffer.AddFirst(entry);
                while (Buffer.Count > BufferSize)
                {
                    Buffer.RemoveLast();
                }
            }
        }

        private static string Cut(string text)
        {
            if (text == null)
            {
                return "";
            }
            return text.Length <= MaxMessageChars ? text : text.Substring(0, MaxMessageChars) + " ...";
        }

        /// <summary>Main thread: every entry, newest first; source is "console" or "buffer".</summary>
        public static List<ConsoleEntry> Entries(out string source)
        {
            List<ConsoleEntry> fromConsole = ReadConsole();
            if (fromConsole != null)
            {
                source = "console";
                return fromConsole;
            }
            source = "buffer";
            lock (Gate)
            {
                return new List<ConsoleEntry>(Buffer);
            }
        }

        /// <summary>Main thread: clear the console and the buffer; the number of entries removed.</summary>
        public static int Clear()
        {
            string source;
            int before = Entries(out source).Count;
            lock (Gate)
            {
                Buffer.Clear();
            }
            if (Bind() && clear != null)
            {
                try
                {
                    clear.Invoke(null, null);
                }
                catch (Exception)
                {
                    reflectionBroken = true;
                }
            }
            int after = Entries(out source).Count;
            return Math.Max(0, before - after);
        }

        private static bool Bind()
        {
            if (reflectionBroken)
            {
                return false;
            }
            if (entriesType != null)
            {
                return true;
            }
            try
            {
                Assembly editor = typeof(UnityEditor.EditorApplication).Assembly;
                entriesType = editor.GetType("UnityEditor.LogEntries") ?? editor.GetType("UnityEditorInternal.LogEntries");
                entryType = editor.GetType("UnityEditor.LogEntry") ?? editor.GetType("UnityEditorInternal.LogEntry");
                const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
                const BindingFlags fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
                startGetting = entriesType.GetMethod("StartGettingEntries", statics);
                endGetting = entriesType.GetMethod("EndGettingEntries", statics);
                getEntry = entriesType.GetMethod("GetEntryInternal", statics);
                clear = entriesType.GetMethod("Clear", statics);
                messageField = entryType.GetField("message", fields) ?? entryType.GetField("condition", fields);
                modeField = entryType.GetField("mode", fields);
                stackStartField = entryType.GetField("callstackTextStartUTF16", fields);
                if (startGetting == null || endGetting == null || getEntry == null || messageField == null || modeField == null)
                {
                    throw new MissingMemberException("UnityEditor.LogEntries");
                }
                return true;
            }
            catch (Exception)
            {
                reflectionBroken = true;
                entriesType = null;
                return false;
            }
        }

        private static List<ConsoleEntry> ReadConsole()
        {
            if (!Bind())
            {
                return null;
            }
            var list = new List<ConsoleEntry>();
            try
            {
                int count = (int)startGetting.Invoke(null, null);
                try
                {
                    object entry = Activator.CreateInstance(entryType);
                    var call = new object[2];
                    for (int row = count - 1; row >= 0; row--)
                    {
                        call[0] = row;
                        call[1] = entry;
                        if (!(bool)getEntry.Invoke(null, call))
                        {
                            continue;
                        }
                        list.Add(Convert(entry));
                    }
                }
                finally
                {
                    endGetting.Invoke(null, null);
                }
            }
            catch (Exception)
            {
                reflectionBroken = true;
                return null;
            }
            return list;
        }

        private static ConsoleEntry Convert(object entry)
        {
            string text = (string)messageField.GetValue(entry) ?? "";
            int mode = System.Convert.ToInt32(modeField.GetValue(entry));
            int split = -1;
            if (stackStartField != null)
            {
                split = System.Convert.ToInt32(stackStartField.GetValue(entry));
            }
            if (split <= 0 || split > text.Length)
            {
                split = text.IndexOf('\n');
            }
            string message = split > 0 ? text.Substring(0, split).TrimEnd('\n', '\r') : text;
            string stack = split > 0 && split < text.Length ? text.Substring(split).TrimStart('\n', '\r') : "";
            return new ConsoleEntry { Type = TypeOf(mode), Message = Cut(message), StackTrace = Cut(stack), Timestamp = null };
        }

        private static string TypeOf(int mode)
        {
            if ((mode & ScriptingException) != 0)
            {
                return "Exception";
            }
            if ((mode & (ScriptingAssertion | Assert)) != 0)
            {
                return "Assert";
            }
            if ((mode & (Error | Fatal | ScriptingError | ScriptCompileError | AssetImportError)) != 0)
            {
                return "Error";
            }
            if ((mode & (ScriptingWarning | ScriptCompileWarning | AssetImportWarning)) != 0)
            {
                return "Warning";
            }
            return "Log";
        }
    }
}
