// The plug-in's settings, in EditorPrefs keyed by project (EditorPrefs is shared by every
// project of the user, so each key carries the project's key). Environment variables
// override them for the session: MOVESIA_SERVER_URL, MOVESIA_TOKEN, MOVESIA_MCP_BATCH=1.
using System;
using System.Security.Cryptography;
using System.Text;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    public static class MovesiaSettings
    {
        public const string DefaultServerUrl = "ws://127.0.0.1:8765/ws/unity";

        /// <summary>"p-" + 16 hex of SHA-256 of the normalised project path (the server derives session ids the same way).</summary>
        public static string ProjectKey(string projectPath)
        {
            string normal = projectPath.Replace('\\', '/').TrimEnd('/').ToLowerInvariant();
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(normal));
                var sb = new StringBuilder("p-");
                for (int i = 0; i < 8; i++)
                {
                    sb.Append(hash[i].ToString("x2"));
                }
                return sb.ToString();
            }
        }

        private static string Key(string name)
        {
            return "Movesia.Mcp." + ProjectKey(EditorContext.ProjectPath) + "." + name;
        }

        private static string Env(string name)
        {
            string value = Environment.GetEnvironmentVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        /// <summary>The server's Unity endpoint, ws://127.0.0.1:8765/ws/unity by default.</summary>
        public static string ServerUrl
        {
            get { return Env("MOVESIA_SERVER_URL") ?? EditorPrefs.GetString(Key("ServerUrl"), DefaultServerUrl); }
            set { EditorPrefs.SetString(Key("ServerUrl"), string.IsNullOrEmpty(value) ? DefaultServerUrl : value.Trim()); }
        }

        /// <summary>The server's MOVESIA_TOKEN, when it has one (stored in plain text in EditorPrefs).</summary>
        public static string Token
        {
            get { return Env("MOVESIA_TOKEN") ?? NullIfEmpty(EditorPrefs.GetString(Key("Token"), "")); }
            set { EditorPrefs.SetString(Key("Token"), value ?? ""); }
        }

        /// <summary>Connect when the editor starts (default on).</summary>
        public static bool AutoStart
        {
            get { return EditorPrefs.GetBool(Key("AutoStart"), true); }
            set { EditorPrefs.SetBool(Key("AutoStart"), value); }
        }

        /// <summary>Also run in batch mode (-batchmode), e.g. for CI; off unless MOVESIA_MCP_BATCH=1.</summary>
        public static bool RunInBatchMode
        {
            get { return Env("MOVESIA_MCP_BATCH") == "1"; }
        }

        public static bool TokenFromEnvironment
        {
            get { return Env("MOVESIA_TOKEN") != null; }
        }

        public static bool UrlFromEnvironment
        {
            get { return Env("MOVESIA_SERVER_URL") != null; }
        }

        private static string NullIfEmpty(string value)
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }
}
