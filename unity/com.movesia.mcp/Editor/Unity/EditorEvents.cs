// Editor happenings the server understands, sent through the link as domain events:
// selection_changed, hierarchy_changed, scene_saved, scene_opened, play_mode_changed,
// log_message, console_cleared; and the compile events, which go through the core
// (NotifyCompileStarted / NotifyCompileFinished).
using System.Collections.Generic;
using System.Diagnostics;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.Compilation;
using UnityEditor.SceneManagement;
using UnityEngine;
using UnityEngine.SceneManagement;

namespace Movesia.Mcp.Editor
{
    internal static class EditorEvents
    {
        private const int MaxSelection = 100;
        private const long HierarchyQuietMs = 250;
        private const int MaxLogChars = 4000;
        // log_message is rate-bounded: a burst of 50, then 20 a second; the rest is counted.
        private const double LogBurst = 50;
        private const double LogPerSecond = 20;

        private static readonly Stopwatch Clock = Stopwatch.StartNew();
        private static readonly List<CompilerMessageInfo> CompileMessages = new List<CompilerMessageInfo>();
        private static IMainThread mainThread;
        private static bool hierarchyDirty;
        private static long hierarchyChangedAt;
        private static readonly object LogGate = new object();
        private static double logTokens = LogBurst;
        private static long logRefilledAt;
        private static int logDropped;

        public static void Send(string type, JObject body)
        {
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                link.SendEvent(type, body);
            }
        }

        public static void Hook(IMainThread queue)
        {
            mainThread = queue;
            Selection.selectionChanged += OnSelectionChanged;
            EditorApplication.hierarchyChanged += OnHierarchyChanged;
            EditorSceneManager.sceneSaved += OnSceneSaved;
            EditorSceneManager.sceneOpened += OnSceneOpened;
            EditorApplication.playModeStateChanged += OnPlayModeStateChanged;
            EditorApplication.pauseStateChanged += OnPauseStateChanged;
            Application.logMessageReceivedThreaded += OnLogMessage;
            CompilationPipeline.compilationStarted += OnCompilationStarted;
            CompilationPipeline.assemblyCompilationFinished += OnAssemblyCompilationFinished;
            CompilationPipeline.compilationFinished += OnCompilationFinished;
        }

        public static void Unhook()
        {
            Selection.selectionChanged -= OnSelectionChanged;
            EditorApplication.hierarchyChanged -= OnHierarchyChanged;
            EditorSceneManager.sceneSaved -= OnSceneSaved;
            EditorSceneManager.sceneOpened -= OnSceneOpened;
            EditorApplication.playModeStateChanged -= OnPlayModeStateChanged;
            EditorApplication.pauseStateChanged -= OnPauseStateChanged;
            Application.logMessageReceivedThreaded -= OnLogMessage;
            CompilationPipeline.compilationStarted -= OnCompilationStarted;
            CompilationPipeline.assemblyCompilationFinished -= OnAssemblyCompilationFinished;
            CompilationPipeline.compilationFinished -= OnCompilationFinished;
        }

        /// <summary>Main thread, every editor update: send a coalesced hierarchy_changed.</summary>
        public static void Tick()
        {
            if (hierarchyDirty && Clock.ElapsedMilliseconds - hierarchyChangedAt >= HierarchyQuietMs)
            {
                hierarchyDirty = false;
                var scenes = new JArray();
                foreach (Scene scene in Targets.LoadedScenes())
                {
                    scenes.Add(scene.name);
                }
                Send("hierarchy_changed", new JObject { { "scenes", scenes } });
            }
        }

        private static void OnSelectionChanged()
        {
            var ids = new JArray();
            var names = new JArray();
            foreach (GameObject go in Selection.gameObjects)
            {
                if (ids.Count >= MaxSelection)
                {
                    break;
                }
                ids.Add(ObjectIds.Of(go));
                names.Add(go.name);
            }
            Send("selection_changed", new JObject { { "instance_ids", ids }, { "names", names } });
        }

        private static void OnHierarchyChanged()
        {
            hierarchyDirty = true;
            hierarchyChangedAt = Clock.ElapsedMilliseconds;
        }

        private static void OnSceneSaved(Scene scene)
        {
            Send("scene_saved", new JObject { { "name", scene.name }, { "path", scene.path } });
        }

        private static void OnSceneOpened(Scene scene, OpenSceneMode mode)
        {
            Send("scene_opened", new JObject
            {
                { "name", scene.name },
                { "path", scene.path },
                { "additive", mode != OpenSceneMode.Single },
            });
        }

        private static void OnPlayModeStateChanged(PlayModeStateChange change)
        {
            Send("play_mode_changed", new JObject
            {
                { "state", change.ToString() },
                { "is_playing", EditorApplication.isPlaying },
                { "is_paused", EditorApplication.isPaused },
            });
        }

        private static void OnPauseStateChanged(PauseState state)
        {
            Send("play_mode_changed", new JObject
            {
                { "state", state == PauseState.Paused ? "Paused" : "Unpaused" },
                { "is_playing", EditorApplication.isPlaying },
                { "is_paused", state == PauseState.Paused },
            });
        }

        // Any thread. Never touches Unity here: records, rate-limits, then posts to the main thread.
        private static void OnLogMessage(string message, string stackTrace, LogType type)
        {
            string typeName = TypeName(type);
            ConsoleHistory.Record(message, stackTrace, typeName);
            if (message != null && message.StartsWith(UnityLog.Prefix.TrimEnd(), System.StringComparison.Ordinal))
            {
                return;   // our own lines: never echoed back to the server
            }
            IMainThread queue = mainThread;
            if (queue == null || !TakeLogToken())
            {
                return;
            }
            int dropped;
            lock (LogGate)
            {
                dropped = logDropped;
                logDropped = 0;
            }
            var body = new JObject
            {
                { "type", typeName },
                { "message", Cut(message) },
                { "stacktrace", Cut(stackTrace) },
            };
            if (dropped > 0)
            {
                body["dropped_before"] = dropped;
            }
            queue.Post(new LogEvent(body).Send);
        }

        private sealed class LogEvent
        {
            private readonly JObject body;

            public LogEvent(JObject body)
            {
                this.body = body;
            }

            public void Send()
            {
                EditorEvents.Send("log_message", body);
            }
        }

        private static bool TakeLogToken()
        {
            lock (LogGate)
            {
                long now = Clock.ElapsedMilliseconds;
                logTokens = System.Math.Min(LogBurst, logTokens + (now - logRefilledAt) * LogPerSecond / 1000.0);
                logRefilledAt = now;
                if (logTokens >= 1)
                {
                    logTokens -= 1;
                    return true;
                }
                logDropped++;
                return false;
            }
        }

        private static string Cut(string text)
        {
            if (text == null)
            {
                return "";
            }
            return text.Length <= MaxLogChars ? text : text.Substring(0, MaxLogChars) + " ...";
        }

        private static string TypeName(LogType type)
        {
            switch (type)
            {
                case LogType.Error:
                    return "Error";
                case LogType.Assert:
                    return "Assert";
                case LogType.Warning:
                    return "Warning";
                case LogType.Exception:
                    return "Exception";
                default:
                    return "Log";
            }
        }

        private static void OnCompilationStarted(object context)
        {
            CompileMessages.Clear();
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                link.NotifyCompileStarted();
            }
        }

        private static void OnAssemblyCompilationFinished(string assembly, CompilerMessage[] messages)
        {
            if (messages == null)
            {
                return;
            }
            foreach (CompilerMessage m in messages)
            {
                CompileMessages.Add(new CompilerMessageInfo(
                    m.file ?? "", m.line, m.column, m.message ?? "", m.type == CompilerMessageType.Error));
            }
        }

        private static void OnCompilationFinished(object context)
        {
            var messages = new List<CompilerMessageInfo>(CompileMessages);
            CompileMessages.Clear();
            EditorLink link = EditorContext.Link;
            if (link != null)
            {
                link.NotifyCompileFinished(messages);
            }
        }
    }
}
