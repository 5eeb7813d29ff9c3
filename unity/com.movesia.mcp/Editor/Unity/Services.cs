// The Unity side of the core's service seams (Abstractions.cs).
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Text;
using Movesia.Mcp.Core;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using UnityEditor;
using Debug = UnityEngine.Debug;

namespace Movesia.Mcp.Editor
{
    /// <summary>Monotonic milliseconds from a Stopwatch.</summary>
    internal sealed class StopwatchClock : IClock
    {
        private readonly Stopwatch watch = Stopwatch.StartNew();
        private readonly long origin;

        public StopwatchClock(long origin)
        {
            this.origin = origin;
        }

        public long NowMs
        {
            get { return origin + watch.ElapsedMilliseconds; }
        }
    }

    internal sealed class SystemRandom : IRandom
    {
        private readonly Random random = new Random();

        public double NextDouble()
        {
            lock (random)
            {
                return random.NextDouble();
            }
        }
    }

    /// <summary>
    /// Work posted from any thread, run on the main thread in EditorApplication.update. A post
    /// from the main thread asks for a player-loop update at once; a post from another thread
    /// (the socket reader) cannot call Unity, so it raises a flag that the main-thread waker
    /// (EditorWaker) turns into a player-loop update, so an unfocused editor still serves.
    /// </summary>
    internal sealed class MainThreadQueue : IMainThread
    {
        private const int MaxPerTick = 256;
        // Keep the editor ticking this long after the last work (deferred answers settle on ticks).
        private const int BusyWindowMs = 30000;
        private readonly ConcurrentQueue<Action> queue = new ConcurrentQueue<Action>();
        private readonly int mainThreadId = System.Threading.Thread.CurrentThread.ManagedThreadId;
        private int lastPostAt = Environment.TickCount - BusyWindowMs;

        public void Post(Action work)
        {
            if (work == null)
            {
                return;
            }
            queue.Enqueue(work);
            lastPostAt = Environment.TickCount;
            if (System.Threading.Thread.CurrentThread.ManagedThreadId == mainThreadId)
            {
                EditorApplication.QueuePlayerLoopUpdate();
            }
        }

        /// <summary>Any thread: work is waiting, or arrived recently enough that the editor should keep ticking.</summary>
        public bool WantsTicks
        {
            get { return !queue.IsEmpty || unchecked(Environment.TickCount - lastPostAt) < BusyWindowMs; }
        }

        /// <summary>Main thread: run what was posted (bounded per tick so the editor stays responsive).</summary>
        public void Drain(ILog log)
        {
            int ran = 0;
            Action work;
            while (ran < MaxPerTick && queue.TryDequeue(out work))
            {
                ran++;
                try
                {
                    work();
                }
                catch (Exception e)
                {
                    log.Error("main-thread work failed: " + e);
                }
            }
            if (!queue.IsEmpty)
            {
                EditorApplication.QueuePlayerLoopUpdate();
            }
        }
    }

    /// <summary>Survives a domain reload, not an editor restart (SessionState), per project.</summary>
    internal sealed class SessionStateStore : IStateStore
    {
        private readonly string prefix;

        public SessionStateStore(string projectKey)
        {
            prefix = "Movesia.Mcp." + projectKey + ".";
        }

        public string Get(string key)
        {
            string value = SessionState.GetString(prefix + key, null);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        public void Set(string key, string value)
        {
            if (value == null)
            {
                Remove(key);
                return;
            }
            SessionState.SetString(prefix + key, value);
        }

        public void Remove(string key)
        {
            SessionState.EraseString(prefix + key);
        }
    }

    /// <summary>
    /// Survives editor restarts, belongs to one project: a JSON object in
    /// Library/Movesia/state.json (Library/ is per project and never committed). Written
    /// through a temporary file and a rename so a crash never leaves half a file.
    /// </summary>
    internal sealed class ProjectFileStore : IStateStore
    {
        private readonly string file;
        private readonly ILog log;
        private JObject values;

        public ProjectFileStore(string projectPath, ILog log)
        {
            file = Path.Combine(Path.Combine(Path.Combine(projectPath, "Library"), "Movesia"), "state.json");
            this.log = log;
        }

        private JObject Load()
        {
            if (values != null)
            {
                return values;
            }
            values = new JObject();
            try
            {
                if (File.Exists(file))
                {
                    using (var reader = new JsonTextReader(new StringReader(File.ReadAllText(file, Encoding.UTF8))))
                    {
                        reader.DateParseHandling = DateParseHandling.None;
                        JObject loaded = JToken.ReadFrom(reader) as JObject;
                        if (loaded != null)
                        {
                            values = loaded;
                        }
                    }
                }
            }
            catch (Exception e)
            {
                log.Warn("could not read " + file + " (starting afresh): " + e.Message);
            }
            return values;
        }

        public string Get(string key)
        {
            JToken value = Load()[key];
            return value == null || value.Type != JTokenType.String ? null : (string)value;
        }

        public void Set(string key, string value)
        {
            if (value == null)
            {
                Remove(key);
                return;
            }
            Load()[key] = value;
            Save();
        }

        public void Remove(string key)
        {
            if (Load().Remove(key))
            {
                Save();
            }
        }

        private void Save()
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file));
                string temp = file + ".tmp";
                File.WriteAllText(temp, values.ToString(Formatting.Indented), new UTF8Encoding(false));
                if (File.Exists(file))
                {
                    File.Replace(temp, file, null);
                }
                else
                {
                    File.Move(temp, file);
                }
            }
            catch (Exception e)
            {
                log.Warn("could not write " + file + ": " + e.Message);
            }
        }
    }

    /// <summary>The console, every line prefixed "[Movesia]" (and never echoed back as a log_message event).</summary>
    internal sealed class UnityLog : ILog
    {
        public const string Prefix = "[Movesia] ";

        public void Info(string message)
        {
            Debug.Log(Prefix + message);
        }

        public void Warn(string message)
        {
            Debug.LogWarning(Prefix + message);
        }

        public void Error(string message)
        {
            Debug.LogError(Prefix + message);
        }
    }

    internal sealed class UnityProbe : IEditorProbe
    {
        public bool IsCompiling
        {
            get { return EditorApplication.isCompiling; }
        }

        public bool IsUpdating
        {
            // A Package Manager request of add_package/remove_package counts as importing.
            get { return EditorApplication.isUpdating || PackageHandlers.RequestInFlight; }
        }

        public bool IsChangingPlayMode
        {
            get { return EditorApplication.isPlayingOrWillChangePlaymode != EditorApplication.isPlaying; }
        }

        public bool HasCompileErrors
        {
            get { return EditorUtility.scriptCompilationFailed; }
        }
    }
}
