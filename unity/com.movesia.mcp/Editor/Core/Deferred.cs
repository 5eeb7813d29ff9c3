// The compile/reload state machine: commands whose answer waits for the editor to settle,
// or (AwaitCallback) for a completion the host reports by key.
// Pure: time comes in as numbers, the editor's state as three booleans.
using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    public enum DeferredPhase
    {
        /// <summary>Waiting for a compile to start and finish, or for quiet.</summary>
        Waiting,

        /// <summary>A compile finished without errors: a domain reload normally follows.</summary>
        CompiledOk,
    }

    public sealed class DeferredCommand
    {
        public string RequestId;
        public string Command;
        public OutcomeKind Kind;
        public JObject BaseResult;
        public long StartedMs;
        public long DeadlineMs;
        public DeferredPhase Phase;
        public int QuietTicks;

        /// <summary>AwaitCallback: the key its completion names.</summary>
        public string Key;

        /// <summary>AwaitCallback: the error answered on timeout (null: a generic one).</summary>
        public string TimeoutError;

        /// <summary>When the current quiet stretch began; -1 while the editor is busy.</summary>
        public long QuietSinceMs = -1;
    }

    /// <summary>A deferred command that has its answer: Result, or Error when it failed.</summary>
    public sealed class SettledCommand
    {
        public string RequestId;
        public string Command;
        public JObject Result;
        public string Error;
        public long StartedMs;

        /// <summary>AwaitCallback: the key it waited for (null for the other kinds).</summary>
        public string Key;
    }

    public sealed class SettleMachine
    {
        /// <summary>Editor ticks the probe must stay quiet before "nothing to compile" is believed.</summary>
        public const int QuietTicksNeeded = 3;

        /// <summary>And at least this long.</summary>
        public const long QuietMsNeeded = 500;

        private readonly List<DeferredCommand> items = new List<DeferredCommand>();

        public int Count
        {
            get { return items.Count; }
        }

        public IList<DeferredCommand> Items
        {
            get { return items; }
        }

        public bool Contains(string requestId)
        {
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i].RequestId == requestId)
                {
                    return true;
                }
            }
            return false;
        }

        public void Add(string requestId, string command, OutcomeKind kind, JObject baseResult, long nowMs, long timeoutMs)
        {
            Add(requestId, command, kind, baseResult, nowMs, timeoutMs, null, null);
        }

        public void Add(string requestId, string command, OutcomeKind kind, JObject baseResult, long nowMs, long timeoutMs, string key, string timeoutError)
        {
            items.Add(new DeferredCommand
            {
                RequestId = requestId,
                Command = command,
                Kind = kind,
                BaseResult = baseResult ?? new JObject(),
                StartedMs = nowMs,
                DeadlineMs = nowMs + timeoutMs,
                Phase = DeferredPhase.Waiting,
                Key = kind == OutcomeKind.AwaitCallback ? key : null,
                TimeoutError = kind == OutcomeKind.AwaitCallback ? timeoutError : null,
            });
        }

        /// <summary>The AwaitCallback command waiting for this key, or null.</summary>
        public DeferredCommand FindKey(string key)
        {
            if (key == null)
            {
                return null;
            }
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i].Kind == OutcomeKind.AwaitCallback && items[i].Key == key)
                {
                    return items[i];
                }
            }
            return null;
        }

        /// <summary>
        /// The host reported the end of an AwaitCallback command: its answer is the base result
        /// with result's properties laid over it, or error. Null when no command waits for
        /// the key (never one, or already answered or timed out): nothing changes then.
        /// </summary>
        public SettledCommand Complete(string key, JObject result, string error)
        {
            DeferredCommand d = FindKey(key);
            if (d == null)
            {
                return null;
            }
            items.Remove(d);
            if (error != null)
            {
                return Failed(d, error);
            }
            JObject answer = (JObject)d.BaseResult.DeepClone();
            if (result != null)
            {
                foreach (JProperty p in result.Properties())
                {
                    answer[p.Name] = p.Value.DeepClone();
                }
            }
            return Finished(d, answer);
        }

        /// <summary>One editor tick: settles what has gone quiet long enough, or timed out.</summary>
        public List<SettledCommand> Tick(long nowMs, bool compiling, bool updating, bool changingPlayMode)
        {
            return Tick(nowMs, compiling, updating, changingPlayMode, null);
        }

        /// <summary>
        /// As Tick; standingErrors (null or empty: none) are the project's compile errors as it
        /// stands: an AfterCompile command that found nothing to compile reports them
        /// (compiled=false) instead of compiled=true.
        /// </summary>
        public List<SettledCommand> Tick(long nowMs, bool compiling, bool updating, bool changingPlayMode, IList<CompilerMessageInfo> standingErrors)
        {
            var done = new List<SettledCommand>();
            for (int i = items.Count - 1; i >= 0; i--)
            {
                DeferredCommand d = items[i];
                if (d.Kind == OutcomeKind.AwaitCallback)
                {
                    // Only its completion or its deadline ends it; the editor's state does not.
                    if (nowMs >= d.DeadlineMs)
                    {
                        items.RemoveAt(i);
                        done.Insert(0, Failed(d, d.TimeoutError ?? d.Command + " did not finish within " + ((d.DeadlineMs - d.StartedMs) / 1000)
                            + " s (the editor never reported its end); its effect is unknown: check the editor's state"));
                    }
                    continue;
                }
                bool busy = compiling || updating || (d.Kind == OutcomeKind.AfterPlayModeChange && changingPlayMode);
                if (busy)
                {
                    d.QuietTicks = 0;
                    d.QuietSinceMs = -1;
                }
                else
                {
                    if (d.QuietSinceMs < 0)
                    {
                        d.QuietSinceMs = nowMs;
                    }
                    d.QuietTicks++;
                }
                SettledCommand settled = null;
                if (!busy && d.QuietTicks >= QuietTicksNeeded && nowMs - d.QuietSinceMs >= QuietMsNeeded)
                {
                    settled = d.Kind == OutcomeKind.AfterCompile ? Compiled(d, standingErrors) : Finished(d, d.BaseResult);
                }
                else if (nowMs >= d.DeadlineMs)
                {
                    settled = Failed(d, d.Kind == OutcomeKind.AfterCompile
                        ? "the editor was still compiling or importing after " + ((d.DeadlineMs - d.StartedMs) / 1000) + " s; " + d.Command + " may still complete: check get_editor_state and read_console"
                        : "the play mode change did not finish within " + ((d.DeadlineMs - d.StartedMs) / 1000) + " s");
                }
                if (settled != null)
                {
                    items.RemoveAt(i);
                    done.Insert(0, settled);
                }
            }
            return done;
        }

        /// <summary>
        /// A compile finished. With errors, every waiting AfterCompile command is answered with
        /// compiled=false and the errors (no reload follows). Without, they wait for the reload
        /// (or for quiet, when none comes).
        /// </summary>
        public List<SettledCommand> CompileFinished(IList<CompilerMessageInfo> messages, long nowMs)
        {
            var done = new List<SettledCommand>();
            bool failed = false;
            if (messages != null)
            {
                foreach (CompilerMessageInfo m in messages)
                {
                    if (m != null && m.IsError)
                    {
                        failed = true;
                    }
                }
            }
            for (int i = 0; i < items.Count; i++)
            {
                DeferredCommand d = items[i];
                if (d.Kind != OutcomeKind.AfterCompile)
                {
                    continue;
                }
                if (failed)
                {
                    done.Add(Compiled(d, messages));
                }
                else
                {
                    d.Phase = DeferredPhase.CompiledOk;
                    d.QuietTicks = 0;
                    d.QuietSinceMs = -1;
                }
            }
            if (failed)
            {
                items.RemoveAll(d => d.Kind == OutcomeKind.AfterCompile);
            }
            return done;
        }

        /// <summary>
        /// The domain reloaded (the core was rebuilt from the stores). A domain reload follows
        /// only a successful compile, so AfterCompile commands are answered compiled=true;
        /// AfterPlayModeChange ones keep waiting for quiet in the new domain, AwaitCallback ones
        /// for their completion.
        /// </summary>
        public List<SettledCommand> Reloaded(long nowMs)
        {
            var done = new List<SettledCommand>();
            for (int i = 0; i < items.Count; i++)
            {
                DeferredCommand d = items[i];
                if (d.Kind == OutcomeKind.AfterCompile)
                {
                    done.Add(Compiled(d, null));
                }
                else
                {
                    d.QuietTicks = 0;
                    d.QuietSinceMs = -1;
                    if (d.StartedMs > nowMs)
                    {
                        // a new process clock (it went backwards): give it a fresh window.
                        // A deadline that passed on the same clock stays passed: the next
                        // tick answers it with its timeout error.
                        long window = Math.Max(0, d.DeadlineMs - d.StartedMs);
                        d.StartedMs = nowMs;
                        d.DeadlineMs = nowMs + window;
                    }
                }
            }
            items.RemoveAll(d => d.Kind == OutcomeKind.AfterCompile);
            return done;
        }

        /// <summary>Drops a deferred command (no answer); false when it was not there.</summary>
        public bool Remove(string requestId)
        {
            return items.RemoveAll(d => d.RequestId == requestId) > 0;
        }

        public static JArray ErrorList(IList<CompilerMessageInfo> messages)
        {
            var list = new JArray();
            if (messages == null)
            {
                return list;
            }
            foreach (CompilerMessageInfo m in messages)
            {
                if (m == null || !m.IsError)
                {
                    continue;
                }
                var o = new JObject();
                o["file"] = m.File ?? "";
                o["line"] = m.Line;
                o["column"] = m.Column;
                o["message"] = m.Message ?? "";
                o["severity"] = "error";
                list.Add(o);
            }
            return list;
        }

        private static SettledCommand Compiled(DeferredCommand d, IList<CompilerMessageInfo> messages)
        {
            JObject result = (JObject)d.BaseResult.DeepClone();
            JArray errors = ErrorList(messages);
            result["compiled"] = errors.Count == 0;
            result["errors"] = errors;
            return Finished(d, result);
        }

        private static SettledCommand Finished(DeferredCommand d, JObject result)
        {
            return new SettledCommand { RequestId = d.RequestId, Command = d.Command, Result = result, StartedMs = d.StartedMs, Key = d.Key };
        }

        private static SettledCommand Failed(DeferredCommand d, string error)
        {
            return new SettledCommand { RequestId = d.RequestId, Command = d.Command, Error = error, StartedMs = d.StartedMs, Key = d.Key };
        }

        public string Save()
        {
            var list = new JArray();
            foreach (DeferredCommand d in items)
            {
                var o = new JObject();
                o["id"] = d.RequestId;
                o["command"] = d.Command;
                o["kind"] = d.Kind.ToString();
                o["base"] = d.BaseResult;
                o["started"] = d.StartedMs;
                o["deadline"] = d.DeadlineMs;
                o["phase"] = d.Phase.ToString();
                if (d.Key != null)
                {
                    o["key"] = d.Key;
                }
                if (d.TimeoutError != null)
                {
                    o["timeout_error"] = d.TimeoutError;
                }
                list.Add(o);
            }
            return Json.Compact(list);
        }

        public void Load(string text, out string problem)
        {
            problem = null;
            items.Clear();
            if (string.IsNullOrEmpty(text))
            {
                return;
            }
            try
            {
                JArray list = (JArray)Json.Parse(text);
                foreach (JToken item in list)
                {
                    JObject o = (JObject)item;
                    var d = new DeferredCommand
                    {
                        RequestId = (string)o["id"],
                        Command = (string)o["command"],
                        Kind = (OutcomeKind)Enum.Parse(typeof(OutcomeKind), (string)o["kind"]),
                        BaseResult = o["base"] as JObject ?? new JObject(),
                        StartedMs = (long)o["started"],
                        DeadlineMs = (long)o["deadline"],
                        Phase = (DeferredPhase)Enum.Parse(typeof(DeferredPhase), (string)o["phase"]),
                        Key = (string)o["key"],
                        TimeoutError = (string)o["timeout_error"],
                    };
                    if (!string.IsNullOrEmpty(d.RequestId))
                    {
                        items.Add(d);
                    }
                }
            }
            catch (Exception ex)
            {
                problem = "the stored deferred commands could not be read (" + ex.Message + ")";
                items.Clear();
            }
        }
    }
}
