// Window > Movesia MCP: the connection at a glance, its settings, and the MCP client config.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    public sealed class MovesiaWindow : EditorWindow
    {
        private const string PathPlaceholder = "<path to movesia-mcp>";
        private string urlField;
        private string tokenField;
        private Vector2 scroll;

        [MenuItem("Window/Movesia MCP")]
        public static void Open()
        {
            MovesiaWindow window = GetWindow<MovesiaWindow>();
            window.titleContent = new GUIContent("Movesia MCP");
            window.Show();
        }

        private void OnEnable()
        {
            MovesiaBootstrap.LinkChanged += Repaint;
            if (MovesiaBootstrap.Active)
            {
                urlField = MovesiaSettings.ServerUrl;
                tokenField = MovesiaSettings.Token ?? "";
            }
        }

        private void OnDisable()
        {
            MovesiaBootstrap.LinkChanged -= Repaint;
        }

        private void OnGUI()
        {
            if (!MovesiaBootstrap.Active || EditorContext.Link == null)
            {
                EditorGUILayout.HelpBox(
                    "Movesia MCP is not running in this editor process (an asset import worker, or batch mode "
                    + "without MOVESIA_MCP_BATCH=1), or it failed to start: see the console.", MessageType.Info);
                return;
            }
            LinkSnapshot snap = EditorContext.Link.Snapshot();
            scroll = EditorGUILayout.BeginScrollView(scroll);

            EditorGUILayout.LabelField("Connection", EditorStyles.boldLabel);
            EditorGUILayout.LabelField("State", StateText(snap.State));
            if (!string.IsNullOrEmpty(snap.LastProblem))
            {
                EditorGUILayout.HelpBox(snap.LastProblem, MessageType.Warning);
            }
            EditorGUILayout.LabelField("Project", snap.ProjectPath ?? EditorContext.ProjectPath);
            EditorGUILayout.SelectableLabel("Session: " + (snap.SessionId ?? "-") + "   conn_seq: " + snap.ConnSeq,
                GUILayout.Height(EditorGUIUtility.singleLineHeight));
            EditorGUILayout.BeginHorizontal();
            if (GUILayout.Button("Reconnect"))
            {
                EditorContext.Link.Reconnect();
            }
            if (snap.State == LinkState.Stopped)
            {
                if (GUILayout.Button("Start"))
                {
                    MovesiaBootstrap.Start();
                }
            }
            else if (GUILayout.Button("Stop"))
            {
                MovesiaBootstrap.Stop();
            }
            EditorGUILayout.EndHorizontal();

            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Settings (this project)", EditorStyles.boldLabel);
            using (new EditorGUI.DisabledScope(MovesiaSettings.UrlFromEnvironment))
            {
                urlField = EditorGUILayout.TextField(
                    new GUIContent("Server URL", "The server's Unity endpoint; its port is the server's SERVER_PORT"),
                    urlField ?? snap.ServerUrl);
            }
            using (new EditorGUI.DisabledScope(MovesiaSettings.TokenFromEnvironment))
            {
                tokenField = EditorGUILayout.PasswordField(
                    new GUIContent("Token", "The server's MOVESIA_TOKEN, if it has one (kept in EditorPrefs, plain text)"),
                    tokenField ?? "");
            }
            bool autoStart = EditorGUILayout.Toggle(
                new GUIContent("Connect on load", "Connect when the editor starts and after each reload"),
                MovesiaSettings.AutoStart);
            if (autoStart != MovesiaSettings.AutoStart)
            {
                MovesiaSettings.AutoStart = autoStart;
            }
            if (GUILayout.Button("Apply and reconnect"))
            {
                if (!MovesiaSettings.UrlFromEnvironment)
                {
                    MovesiaSettings.ServerUrl = urlField;
                }
                if (!MovesiaSettings.TokenFromEnvironment)
                {
                    MovesiaSettings.Token = tokenField;
                }
                MovesiaBootstrap.Restart();
            }

            EditorGUILayout.Space();
            EditorGUILayout.LabelField("MCP client", EditorStyles.boldLabel);
            EditorGUILayout.HelpBox(
                "Copies the client configuration (Claude Desktop, Cursor, ...). Replace " + PathPlaceholder
                + " with the movesia-mcp executable (e.g. the output of `which movesia-mcp`).", MessageType.None);
            if (GUILayout.Button("Copy MCP client config"))
            {
                EditorGUIUtility.systemCopyBuffer = ClientConfig(snap.ServerUrl, MovesiaSettings.Token);
                ShowNotification(new GUIContent("Copied"));
            }

            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Last commands", EditorStyles.boldLabel);
            IList<CommandRecord> recent = snap.RecentCommands;
            if (recent == null || recent.Count == 0)
            {
                EditorGUILayout.LabelField("none yet");
            }
            else
            {
                foreach (CommandRecord record in recent)
                {
                    EditorGUILayout.LabelField(
                        record.Command + "  (" + record.DurationMs + " ms)", record.Outcome ?? "");
                }
            }
            EditorGUILayout.EndScrollView();
        }

        private static string StateText(LinkState state)
        {
            switch (state)
            {
                case LinkState.Connected:
                    return "Connected";
                case LinkState.Connecting:
                    return "Connecting...";
                case LinkState.WaitingToRetry:
                    return "Not connected (retrying)";
                case LinkState.Reloading:
                    return "Reloading scripts";
                default:
                    return "Stopped";
            }
        }

        /// <summary>The MCP client configuration for this server, with the port of the plug-in's URL.</summary>
        public static string ClientConfig(string serverUrl, string token)
        {
            var env = new JObject();
            Uri uri;
            if (Uri.TryCreate(serverUrl, UriKind.Absolute, out uri) && uri.Port > 0)
            {
                env["SERVER_PORT"] = uri.Port.ToString();
            }
            if (!string.IsNullOrEmpty(token))
            {
                env["MOVESIA_TOKEN"] = token;
            }
            var config = new JObject
            {
                {
                    "mcpServers", new JObject
                    {
                        {
                            "movesia", new JObject
                            {
                                { "command", PathPlaceholder },
                                { "args", new JArray() },
                                { "env", env },
                            }
                        },
                    }
                },
            };
            return config.ToString(Newtonsoft.Json.Formatting.Indented);
        }
    }
}
