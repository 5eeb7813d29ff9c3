using System;
using System.Collections.Generic;
using System.IO;
using Movesia.Mcp.Core;

namespace Movesia.Mcp.FakeEditor
{
    /// <summary>
    /// A stand-in for Unity's script compilation: after a script changes, "compiles" every
    /// .cs file under Assets/ for a moment. A file with unbalanced braces, or a line starting
    /// with "#error", is a compile error with its file and line.
    /// </summary>
    public sealed class FakeCompiler : IEditorProbe
    {
        public const long CompileMs = 150;

        public enum Step
        {
            None,
            Started,
            Failed,
            Succeeded,
        }

        private readonly string projectPath;
        private bool requested;
        private long endsAt = -1;
        private bool compiling;

        public FakeCompiler(string projectPath)
        {
            this.projectPath = projectPath;
            LastErrors = new List<CompilerMessageInfo>();
        }

        public bool IsCompiling
        {
            get { return compiling; }
        }

        public bool IsUpdating
        {
            get { return false; }
        }

        public bool IsChangingPlayMode
        {
            get { return false; }
        }

        /// <summary>The last compile failed (EditorUtility.scriptCompilationFailed).</summary>
        public bool HasCompileErrors
        {
            get { return LastErrors.Count > 0; }
        }

        public List<CompilerMessageInfo> LastErrors { get; private set; }

        public void Request()
        {
            requested = true;
        }

        public Step Tick(long nowMs)
        {
            if (!compiling && requested)
            {
                requested = false;
                compiling = true;
                endsAt = nowMs + CompileMs;
                return Step.Started;
            }
            if (compiling && nowMs >= endsAt)
            {
                LastErrors = CompileAll();
                if (LastErrors.Count > 0)
                {
                    compiling = false;
                    return Step.Failed;
                }
                return Step.Succeeded; // still "compiling" until the reload is over
            }
            return Step.None;
        }

        public void Reloaded()
        {
            compiling = false;
        }

        private List<CompilerMessageInfo> CompileAll()
        {
            var errors = new List<CompilerMessageInfo>();
            string assets = Path.Combine(projectPath, "Assets");
            if (!Directory.Exists(assets))
            {
                return errors;
            }
            string[] files = Directory.GetFiles(assets, "*.cs", SearchOption.AllDirectories);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                string relative = file.Substring(projectPath.Length + 1).Replace('\\', '/');
                Check(relative, File.ReadAllText(file), errors);
            }
            return errors;
        }

        /// <summary>Brace balance (outside strings, chars and comments) and #error lines.</summary>
        public static void Check(string file, string text, List<CompilerMessageInfo> errors)
        {
            var open = new Stack<int[]>();
            int line = 1;
            int column = 0;
            bool lineComment = false;
            bool blockComment = false;
            char quote = '\0';
            bool lineStart = true;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                char next = i + 1 < text.Length ? text[i + 1] : '\0';
                column++;
                if (c == '\n')
                {
                    line++;
                    column = 0;
                    lineComment = false;
                    lineStart = true;
                    if (quote != '\0')
                    {
                        quote = '\0';
                    }
                    continue;
                }
                if (lineStart && !blockComment && quote == '\0' && c == '#' && string.CompareOrdinal(text, i, "#error", 0, 6) == 0)
                {
                    int end = text.IndexOf('\n', i);
                    string message = (end < 0 ? text.Substring(i + 6) : text.Substring(i + 6, end - i - 6)).Trim();
                    errors.Add(new CompilerMessageInfo(file, line, column, "error CS1029: #error: '" + message + "'", true));
                }
                if (!char.IsWhiteSpace(c))
                {
                    lineStart = false;
                }
                if (lineComment)
                {
                    continue;
                }
                if (blockComment)
                {
                    if (c == '*' && next == '/')
                    {
                        blockComment = false;
                        i++;
                        column++;
                    }
                    continue;
                }
                if (quote != '\0')
                {
                    if (c == '\\')
                    {
                        i++;
                        column++;
                    }
                    else if (c == quote)
                    {
                        quote = '\0';
                    }
                    continue;
                }
                if (c == '/' && next == '/')
                {
                    lineComment = true;
                    continue;
                }
                if (c == '/' && next == '*')
                {
                    blockComment = true;
                    i++;
                    column++;
                    continue;
                }
                if (c == '"' || c == '\'')
                {
                    quote = c;
                    continue;
                }
                if (c == '{')
                {
                    open.Push(new[] { line, column });
                }
                else if (c == '}')
                {
                    if (open.Count == 0)
                    {
                        errors.Add(new CompilerMessageInfo(file, line, column, "error CS1022: Type or namespace definition, or end-of-file expected", true));
                        return;
                    }
                    open.Pop();
                }
            }
            if (open.Count > 0)
            {
                int lastLine = text.EndsWith("\n", StringComparison.Ordinal) ? line - 1 : line;
                errors.Add(new CompilerMessageInfo(file, Math.Max(1, lastLine), 1, "error CS1513: } expected (the '{' on line " + open.Peek()[0] + " is never closed)", true));
            }
        }
    }
}
