// read_script and edit_script (catalog v2): a C# file paged by lines with its SHA-256, and
// line/column range replacements under that SHA-256 precondition.
//
// Positions are 1-based (line, column); columns count the characters (UTF-16 code units) of
// the line without its break; a break is "\r\n", "\n" or "\r". Column n+1 of an n-character
// line is its end; a file ending with a break has one more, empty, line whose column 1 is the
// end of the file. An edit replaces from its start (inclusive) to its end (exclusive); every
// edit is in the coordinates of the file as read; all are checked before any is applied.
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    internal static class ScriptEditHandlers
    {
        private const int MaxLimit = 5000;
        private const int MaxEdits = 100;
        private static readonly UTF8Encoding Utf8NoBom = new UTF8Encoding(false);
        private static readonly byte[] Bom = { 0xEF, 0xBB, 0xBF };

        public static CommandOutcome ReadScript(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".cs", false);
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            int limit = Args.Int(args, "limit", 1000, 1, MaxLimit);
            byte[] bytes = ReadExisting(path);
            string text = Decode(bytes);
            LineTable lines = new LineTable(text);
            int total = lines.Count;
            string contents = "";
            JToken next = JValue.CreateNull();
            if (offset < total)
            {
                int last = Math.Min(offset + limit, total);
                int start = lines.Starts[offset];
                contents = text.Substring(start, lines.Ends[last - 1] - start);
                if (last < total)
                {
                    next = new JValue(last);
                }
            }
            return CommandOutcome.Done(new JObject
            {
                { "path", path },
                { "contents", contents },
                { "sha256", Sha256Hex(bytes) },
                { "line_count", total },
                { "offset", offset },
                { "next_offset", next },
            });
        }

        public static CommandOutcome EditScript(JObject args)
        {
            string path = ProjectPaths.RequireAssetPath(Args.RequiredString(args, "path"), ".cs", false);
            string expected = Args.RequiredString(args, "sha256").ToLowerInvariant();
            JArray edits = Args.OptionalArray(args, "edits");
            if (edits == null || edits.Count < 1 || edits.Count > MaxEdits)
            {
                throw new CommandException("edit_script needs a list of 1 to " + MaxEdits + " 'edits'");
            }
            byte[] bytes = ReadExisting(path);
            string current = Sha256Hex(bytes);
            if (current != expected)
            {
                throw new CommandException("'" + path + "' changed since it was read: its SHA-256 is now "
                    + current + ", not " + expected + "; read_script it again and redo the edits");
            }
            bool hadBom = HasBom(bytes);
            string text = Decode(bytes);
            LineTable lines = new LineTable(text);
            var spans = new List<Span>();
            for (int i = 0; i < edits.Count; i++)
            {
                spans.Add(ToSpan(path, lines, edits[i] as JObject, i + 1));
            }
            spans.Sort(CompareStarts);
            for (int i = 1; i < spans.Count; i++)
            {
                if (spans[i - 1].End > spans[i].Start || spans[i - 1].Start == spans[i].Start)
                {
                    throw new CommandException("'" + path + "' was not changed: edits " + spans[i - 1].Number
                        + " and " + spans[i].Number + " overlap (or start at the same position); merge them into one edit");
                }
            }
            var edited = new StringBuilder(text);
            for (int i = spans.Count - 1; i >= 0; i--)
            {
                edited.Remove(spans[i].Start, spans[i].End - spans[i].Start);
                edited.Insert(spans[i].Start, spans[i].Text);
            }
            string result = edited.ToString();
            byte[] body = Utf8NoBom.GetBytes(result);
            byte[] written = body;
            if (hadBom)
            {
                written = new byte[Bom.Length + body.Length];
                Buffer.BlockCopy(Bom, 0, written, 0, Bom.Length);
                Buffer.BlockCopy(body, 0, written, Bom.Length, body.Length);
            }
            File.WriteAllBytes(ProjectPaths.ToFullPath(EditorContext.ProjectPath, path), written);
            AssetDatabase.ImportAsset(path, ImportAssetOptions.ForceUpdate);
            // As write_script: the core answers after the compile (and the reload), filling in
            // compiled and errors.
            var answer = new JObject
            {
                { "path", path },
                { "created", false },
                { "compiled", false },
                { "errors", new JArray() },
                { "sha256", Sha256Hex(written) },
                { "line_count", new LineTable(result).Count },
            };
            ScriptHandlers.PlayModeNote(answer);
            return CommandOutcome.AfterCompile(answer);
        }

        private struct Span
        {
            public int Number;
            public int Start;
            public int End;
            public string Text;
        }

        private static int CompareStarts(Span a, Span b)
        {
            return a.Start.CompareTo(b.Start);
        }

        private static Span ToSpan(string path, LineTable lines, JObject edit, int number)
        {
            if (edit == null)
            {
                throw new CommandException("'" + path + "' was not changed: edit " + number + " must be an object");
            }
            string where = "'" + path + "' was not changed: edit " + number + ": ";
            int start = lines.Offset(Args.Int(edit, "start_line", 0, 1, int.MaxValue),
                Args.Int(edit, "start_column", 0, 1, int.MaxValue), where + "start");
            int end = lines.Offset(Args.Int(edit, "end_line", 0, 1, int.MaxValue),
                Args.Int(edit, "end_column", 0, 1, int.MaxValue), where + "end");
            if (end < start)
            {
                throw new CommandException(where + "the end comes before the start");
            }
            var span = new Span();
            span.Number = number;
            span.Start = start;
            span.End = end;
            span.Text = Args.RequiredString(edit, "text");
            return span;
        }

        private static byte[] ReadExisting(string path)
        {
            string full = ProjectPaths.ToFullPath(EditorContext.ProjectPath, path);
            if (!File.Exists(full))
            {
                throw new CommandException("no script asset at '" + path + "'");
            }
            return File.ReadAllBytes(full);
        }

        private static bool HasBom(byte[] bytes)
        {
            return bytes.Length >= 3 && bytes[0] == Bom[0] && bytes[1] == Bom[1] && bytes[2] == Bom[2];
        }

        private static string Decode(byte[] bytes)
        {
            int skip = HasBom(bytes) ? Bom.Length : 0;
            return Utf8NoBom.GetString(bytes, skip, bytes.Length - skip);
        }

        private static string Sha256Hex(byte[] bytes)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(bytes);
                var hex = new StringBuilder(hash.Length * 2);
                foreach (byte b in hash)
                {
                    hex.Append(b.ToString("x2"));
                }
                return hex.ToString();
            }
        }

        /// <summary>Where each line of a text starts, how long it is (break excluded), where it ends.</summary>
        private sealed class LineTable
        {
            public readonly List<int> Starts = new List<int>();
            public readonly List<int> Lengths = new List<int>();
            public readonly List<int> Ends = new List<int>();

            public LineTable(string text)
            {
                int position = 0;
                int i = 0;
                while (i < text.Length)
                {
                    char c = text[i];
                    if (c == '\r' || c == '\n')
                    {
                        int breakEnd = (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') ? i + 2 : i + 1;
                        Starts.Add(position);
                        Lengths.Add(i - position);
                        Ends.Add(breakEnd);
                        position = breakEnd;
                        i = breakEnd;
                    }
                    else
                    {
                        i++;
                    }
                }
                Starts.Add(position);
                Lengths.Add(text.Length - position);
                Ends.Add(text.Length);
            }

            /// <summary>Lines as an editor shows them: the empty line after a final break not counted.</summary>
            public int Count
            {
                get { return Lengths[Lengths.Count - 1] == 0 ? Starts.Count - 1 : Starts.Count; }
            }

            public int Offset(int line, int column, string what)
            {
                if (line < 1 || column < 1)
                {
                    throw new CommandException(what + " needs a line and a column of at least 1");
                }
                if (line > Starts.Count)
                {
                    throw new CommandException(what + " line " + line + " is past the end of the file (" + Count
                        + " lines; the last position is line " + Starts.Count + ", column "
                        + (Lengths[Lengths.Count - 1] + 1) + ")");
                }
                int length = Lengths[line - 1];
                if (column > length + 1)
                {
                    throw new CommandException(what + " column " + column + " is past the end of line " + line
                        + " (" + length + " characters; the end of the line is column " + (length + 1) + ")");
                }
                return Starts[line - 1] + column - 1;
            }
        }
    }
}
