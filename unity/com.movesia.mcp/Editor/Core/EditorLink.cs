// The editor's side of the link: connection life, handshake, heartbeat, ACKs, dispatch,
// the request-id ledger, deferred (compile/reload/play mode) answers and events.
//
// Threads: the socket's reader runs off the main thread; it parses frames, answers hb with
// pong, acks commands, and posts everything else to IMainThread. All other state (the
// ledger, the stores, handlers, deferred commands) is touched on the main thread only.
using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    public sealed class EditorLink
    {
        // Project store (survives editor restarts).
        public const string KeyConnSeq = "movesia.conn_seq";
        public const string KeySecret = "movesia.session_secret";

        // Reload store (survives domain reloads).
        public const string KeyReloading = "movesia.reloading";
        public const string KeyLedger = "movesia.ledger";
        public const string KeyDeferred = "movesia.deferred";
        public const string KeyUnsent = "movesia.unsent";
        public const string KeyEvents = "movesia.events";
        public const string KeyRecent = "movesia.recent";
        public const string KeyCompileFinished = "movesia.compile_finished";

        public const int MaxQueuedEvents = 64;
        public const int MaxUnsentAnswers = 128;
        public const int MaxRecentCommands = 20;
        public const int MaxImmediateRetries = 3;
        public const int ReloadCloseWaitMs = 500;
        public const int MaxEarlyCompletions = 16;
        public const int MaxFinishedKeys = 32;

        /// <summary>The error reported when the probe says the scripts do not compile but no compile this link saw said why.</summary>
        public const string StandingErrorMessage = "the project's scripts already had compile errors (nothing new to compile): read_console shows them";

        private readonly LinkOptions options;
        private readonly LinkServices services;
        private readonly CommandTable commands;
        private readonly ILog log;
        private readonly string sessionId;
        private readonly string projectPath;
        private readonly Backoff backoff;
        private readonly RequestLedger ledger = new RequestLedger();
        private readonly SettleMachine settle = new SettleMachine();
        private readonly List<Envelope> queued = new List<Envelope>();
        private readonly List<KeyValuePair<string, string>> unsent = new List<KeyValuePair<string, string>>();
        private readonly LinkedList<string> events = new LinkedList<string>();
        private readonly List<CommandRecord> recent = new List<CommandRecord>();
        private readonly List<EarlyCompletion> early = new List<EarlyCompletion>();
        private readonly LinkedList<KeyValuePair<string, string>> finishedKeys = new LinkedList<KeyValuePair<string, string>>();

        private LinkState state = LinkState.Stopped;
        private string lastProblem;
        private long connSeq;
        private string secret;
        private Connection current;
        private int connectionNumber;
        private bool started;
        private bool stopped;
        private bool reloading;
        private long retryAtMs = -1;
        private int immediateRetries;
        private int droppedEvents;
        private bool executing;
        private JObject lastCompileFinished;
        private List<CompilerMessageInfo> lastCompileErrors = new List<CompilerMessageInfo>();

        public EditorLink(LinkOptions options, LinkServices services, CommandTable commands)
        {
            if (options == null || services == null || commands == null)
            {
                throw new ArgumentNullException(options == null ? "options" : services == null ? "services" : "commands");
            }
            if (string.IsNullOrEmpty(options.ProjectPath))
            {
                throw new ArgumentException("LinkOptions.ProjectPath is required");
            }
            if (services.Clock == null || services.MainThread == null || services.Sockets == null
                || services.ReloadStore == null || services.ProjectStore == null)
            {
                throw new ArgumentException("LinkServices needs Clock, MainThread, Sockets, ReloadStore and ProjectStore");
            }
            this.options = options;
            this.services = services;
            this.commands = commands;
            log = services.Log ?? new NullLog();
            projectPath = Handshake.NormaliseProjectPath(options.ProjectPath);
            sessionId = Handshake.DeriveSessionId(projectPath);
            backoff = new Backoff(services.Random);
        }

        /// <summary>Raised on the main thread when the snapshot changes.</summary>
        public event Action Changed;

        public string SessionId
        {
            get { return sessionId; }
        }

        public LinkState State
        {
            get { return state; }
        }

        /// <summary>Commands waiting for a compile, a reload or a play mode change.</summary>
        public int DeferredCount
        {
            get { return settle.Count; }
        }

        // ── public entry points (main thread) ─────────────────────────────────────────

        /// <summary>Restores from the stores and connects; keeps reconnecting with backoff.</summary>
        public void Start()
        {
            Guard("Start", StartCore);
        }

        /// <summary>No more reconnects.</summary>
        public void Stop(string reason)
        {
            Guard("Stop", () =>
            {
                stopped = true;
                retryAtMs = -1;
                DropCurrent(ClosePolicy.NormalClosure, "editor stopped the link");
                lastProblem = string.IsNullOrEmpty(reason) ? lastProblem : reason;
                SetState(LinkState.Stopped);
            });
        }

        /// <summary>Drop the connection and connect now, backoff reset (the window's button).</summary>
        public void Reconnect()
        {
            Guard("Reconnect", () =>
            {
                if (reloading)
                {
                    return;
                }
                started = true;
                stopped = false;
                lastProblem = null;
                immediateRetries = 0;
                backoff.Reset();
                DropCurrent(ClosePolicy.NormalClosure, "reconnect requested in the editor");
                Connect();
            });
        }

        /// <summary>
        /// Main thread, synchronous (beforeAssemblyReload): persist the ledger, deferred
        /// commands, unsent answers, queued events and conn_seq; close the socket (bounded wait).
        /// </summary>
        public void PrepareForReload()
        {
            Guard("PrepareForReload", () => Persist("1", "domain reload"));
        }

        /// <summary>
        /// Main thread: like PrepareForReload, for a new link in the same domain (settings
        /// applied): the next link built over the same stores takes over the ledger, deferred
        /// commands, unsent answers and events, but no domain reload is assumed, so commands
        /// waiting for a compile keep waiting instead of being answered compiled=true.
        /// </summary>
        public void HandOver()
        {
            Guard("HandOver", () => Persist("handover", "settings changed"));
        }

        private void Persist(string reason, string closeReason)
        {
            reloading = true;
            retryAtMs = -1;
            // Queued commands never started: forget them, so that the server's resend
            // after the reload runs them (once).
            foreach (Envelope pendingCommand in queued)
            {
                ledger.Forget(pendingCommand.RequestId);
            }
            queued.Clear();
            // Close first: frames already queued (compile_finished, say) get their chance to
            // go out; events that still could not are kept for the next connection.
            Connection conn = current;
            current = null;
            if (conn != null)
            {
                List<string> dropped = conn.CloseBounded(ClosePolicy.GoingAway, closeReason, ReloadCloseWaitMs);
                for (int i = dropped.Count - 1; i >= 0; i--)
                {
                    events.AddFirst(dropped[i]);
                }
                while (events.Count > MaxQueuedEvents)
                {
                    events.RemoveFirst();
                    droppedEvents++;
                }
            }
            IStateStore store = services.ReloadStore;
            store.Set(KeyLedger, ledger.Save());
            store.Set(KeyDeferred, settle.Save());
            store.Set(KeyUnsent, SaveUnsent());
            store.Set(KeyEvents, SaveEvents());
            store.Set(KeyRecent, SaveRecent());
            store.Set(KeyConnSeq, connSeq.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (lastCompileFinished != null)
            {
                store.Set(KeyCompileFinished, Json.Compact(lastCompileFinished));
            }
            store.Set(KeyReloading, reason);
            SetState(LinkState.Reloading);
        }

        /// <summary>Main thread, every editor update: timers and deferred commands.</summary>
        public void Tick()
        {
            Guard("Tick", () =>
            {
                if (!started || reloading)
                {
                    return;
                }
                long now = services.Clock.NowMs;
                if (settle.Count > 0)
                {
                    IEditorProbe probe = services.Probe;
                    bool compiling = probe != null && probe.IsCompiling;
                    bool updating = probe != null && probe.IsUpdating;
                    bool changing = probe != null && probe.IsChangingPlayMode;
                    IList<CompilerMessageInfo> standing = probe != null && probe.HasCompileErrors ? StandingErrors() : null;
                    foreach (SettledCommand s in settle.Tick(now, compiling, updating, changing, standing))
                    {
                        Settle(s);
                    }
                }
                ConnectIfDue();
            });
        }

        /// <summary>A domain event (selection_changed, ...): sent now, or queued while disconnected.</summary>
        public void SendEvent(string type, JObject body)
        {
            Guard("SendEvent", () =>
            {
                if (string.IsNullOrEmpty(type))
                {
                    return;
                }
                string text = Envelope.Build(type, Envelope.NewId(), body ?? new JObject(), sessionId);
                Connection conn = current;
                if (conn != null && conn.Welcomed && !conn.Ended)
                {
                    conn.Send(text, true);
                    return;
                }
                events.AddLast(text);
                while (events.Count > MaxQueuedEvents)
                {
                    events.RemoveFirst();
                    droppedEvents++;
                }
            });
        }

        public void NotifyCompileStarted()
        {
            lastCompileFinished = null;
            lastCompileErrors = new List<CompilerMessageInfo>();
            SendEvent("compile_started", new JObject());
        }

        /// <summary>Sends compile_finished and answers the AfterCompile commands that end in errors.</summary>
        public void NotifyCompileFinished(IList<CompilerMessageInfo> messages)
        {
            Guard("NotifyCompileFinished", () =>
            {
                JArray errors = new JArray();
                foreach (JToken e in SettleMachine.ErrorList(messages))
                {
                    JObject o = (JObject)e;
                    o.Remove("severity");
                    errors.Add(o);
                }
                var body = new JObject();
                body["success"] = errors.Count == 0;
                body["errors"] = errors;
                lastCompileFinished = body;
                lastCompileErrors = new List<CompilerMessageInfo>();
                if (messages != null)
                {
                    foreach (CompilerMessageInfo m in messages)
                    {
                        if (m != null && m.IsError)
                        {
                            lastCompileErrors.Add(m);
                        }
                    }
                }
                SendEvent("compile_finished", body);
                foreach (SettledCommand s in settle.CompileFinished(messages, services.Clock.NowMs))
                {
                    Settle(s);
                }
            });
        }

        /// <summary>
        /// Main thread: the host's callback for an AwaitCallback command (e.g. the test
        /// framework's RunFinished). The command waiting for key is answered with its base
        /// result and result's properties laid over it, exactly once, on whichever connection
        /// is live (or after the next welcome). True when a waiting command took it, or when it
        /// came before Start and is kept until the link has restored its state. False (and
        /// logged) when no command waits for the key: already answered, timed out, or never
        /// known. Never throws.
        /// </summary>
        public bool CompleteDeferred(string key, JObject result)
        {
            bool taken = false;
            Guard("CompleteDeferred", () => { taken = FinishKey(key, result, null); });
            return taken;
        }

        /// <summary>As CompleteDeferred, but the command is answered with this error.</summary>
        public bool FailDeferred(string key, string error)
        {
            bool taken = false;
            Guard("FailDeferred", () => { taken = FinishKey(key, null, string.IsNullOrEmpty(error) ? "failed in the editor" : error); });
            return taken;
        }

        /// <summary>Main thread: whether an AwaitCallback command waits for this key.</summary>
        public bool IsAwaiting(string key)
        {
            return settle.FindKey(key) != null;
        }

        public LinkSnapshot Snapshot()
        {
            return new LinkSnapshot
            {
                State = state,
                ServerUrl = options.ServerUrl,
                ProjectPath = projectPath,
                SessionId = sessionId,
                ConnSeq = connSeq,
                LastProblem = lastProblem,
                RecentCommands = new List<CommandRecord>(recent),
            };
        }

        // ── connection life ───────────────────────────────────────────────────────────

        private void StartCore()
        {
            if (started)
            {
                return;
            }
            started = true;
            stopped = false;
            reloading = false;
            IStateStore reload = services.ReloadStore;
            IStateStore project = services.ProjectStore;
            connSeq = Math.Max(ReadLong(project, KeyConnSeq), ReadLong(reload, KeyConnSeq));
            secret = project.Get(KeySecret);
            long now = services.Clock.NowMs;
            string problem;
            ledger.Load(reload.Get(KeyLedger), now, out problem);
            Warn(problem);
            settle.Load(reload.Get(KeyDeferred), out problem);
            Warn(problem);
            LoadUnsent(reload.Get(KeyUnsent));
            LoadEvents(reload.Get(KeyEvents));
            LoadRecent(reload.Get(KeyRecent));
            bool wasReloading = reload.Get(KeyReloading) == "1";
            string compileFinished = reload.Get(KeyCompileFinished);
            foreach (string key in new[] { KeyLedger, KeyDeferred, KeyUnsent, KeyEvents, KeyRecent, KeyReloading, KeyCompileFinished })
            {
                reload.Remove(key);
            }
            if (wasReloading && compileFinished != null)
            {
                // The reload followed a compile: say compile_finished again on the new
                // connection (as Unity packages do), in case the server never processed the
                // one sent just before the old socket closed.
                JToken body;
                string error;
                if (Json.TryParse(compileFinished, out body, out error) && body is JObject)
                {
                    lastCompileFinished = (JObject)body;
                    events.AddLast(Envelope.Build("compile_finished", Envelope.NewId(), lastCompileFinished, sessionId));
                }
            }
            // Received, not answered and not deferred: it was cut off (the editor went away
            // inside its handler). Whether it took effect is unknown; it is never run again,
            // and a resend is told so.
            var interrupted = new List<LedgerEntry>();
            foreach (LedgerEntry entry in ledger.Entries)
            {
                if (entry.State == LedgerState.Received && !settle.Contains(entry.RequestId))
                {
                    interrupted.Add(entry);
                }
            }
            foreach (LedgerEntry entry in interrupted)
            {
                ledger.Record(entry.RequestId, entry.Command + "_response", Envelope.ErrorBody(entry.RequestId,
                    entry.Command + " was interrupted by a domain reload before it finished; whether it took effect is unknown: check the editor's state before running it again"));
            }
            if (wasReloading)
            {
                foreach (SettledCommand s in settle.Reloaded(now))
                {
                    Settle(s);
                }
            }
            // Completions the host reported before this link had restored its commands.
            List<EarlyCompletion> before = new List<EarlyCompletion>(early);
            early.Clear();
            foreach (EarlyCompletion c in before)
            {
                FinishKey(c.Key, c.Result, c.Error);
            }
            Connect();
        }

        private void Connect()
        {
            if (stopped || reloading)
            {
                return;
            }
            retryAtMs = -1;
            connSeq = Math.Max(connSeq, Math.Max(ReadLong(services.ProjectStore, KeyConnSeq), ReadLong(services.ReloadStore, KeyConnSeq))) + 1;
            string seqText = connSeq.ToString(System.Globalization.CultureInfo.InvariantCulture);
            services.ProjectStore.Set(KeyConnSeq, seqText);
            services.ReloadStore.Set(KeyConnSeq, seqText);
            Uri uri;
            try
            {
                uri = Handshake.ConnectUri(options.ServerUrl, options.Token);
            }
            catch (Exception e)
            {
                stopped = true;
                lastProblem = "the server URL '" + options.ServerUrl + "' is not valid: " + e.Message;
                log.Error(lastProblem);
                SetState(LinkState.Stopped);
                return;
            }
            var conn = new Connection(++connectionNumber, services.Sockets.Create(), connSeq);
            current = conn;
            SetState(LinkState.Connecting);
            string seed = Json.Compact(Handshake.Seed(projectPath, options.UnityVersion, sessionId, connSeq, secret));
            Task.Run(() => RunConnection(conn, uri, seed));
        }

        private void ConnectIfDue()
        {
            if (retryAtMs >= 0 && current == null && !stopped && !reloading && services.Clock.NowMs >= retryAtMs)
            {
                Connect();
            }
        }

        private void DropCurrent(int code, string reason)
        {
            Connection conn = current;
            current = null;
            if (conn != null)
            {
                conn.Ended = true;
                Task.Run(() => conn.CloseBounded(code, reason, 1000));
            }
        }

        private void ScheduleRetry(long delayMs)
        {
            retryAtMs = services.Clock.NowMs + delayMs;
            SetState(LinkState.WaitingToRetry);
            // An idle editor may not tick: wake the main thread when the retry is due.
            Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, delayMs))).ContinueWith(t => Post("retry", ConnectIfDue));
        }

        // ── background: one task per connection ───────────────────────────────────────

        private async Task RunConnection(Connection conn, Uri uri, string seed)
        {
            try
            {
                using (var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.WelcomeTimeoutMs)))
                {
                    using (CancellationTokenRegistration reg = conn.Cancel.Token.Register(timeout.Cancel))
                    {
                        await conn.Socket.ConnectAsync(uri, null, timeout.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception e)
            {
                string why = conn.Cancel.IsCancellationRequested ? "connection dropped" : "could not connect to " + options.ServerUrl + ": " + ClientWebSocketAdapter.Describe(e);
                conn.Ended = true;
                conn.ReaderDone.Set();
                conn.Abort();
                Post("closed", () => OnClosed(conn, ClosePolicy.Abnormal, why));
                return;
            }
            conn.OpenedWatchMs = Connection.WatchMs;
            conn.Received();
            conn.SendLater(seed);
            Task watcher = Task.Run(() => Watch(conn));
            SocketMessage end = null;
            while (end == null)
            {
                SocketMessage message;
                try
                {
                    message = await conn.Socket.ReceiveAsync(conn.Cancel.Token).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    message = new SocketMessage(null, true, ClosePolicy.Abnormal, ClientWebSocketAdapter.Describe(e));
                }
                if (message == null || message.Closed)
                {
                    end = message ?? new SocketMessage(null, true, ClosePolicy.Abnormal, "");
                    break;
                }
                conn.Received();
                try
                {
                    OnFrame(conn, message.Text);
                }
                catch (Exception e)
                {
                    Post("frame", () => log.Error("a frame from the server could not be handled: " + e));
                }
            }
            conn.Ended = true;
            conn.ReaderDone.Set();
            conn.Abort();
            try
            {
                conn.Socket.Dispose();
            }
            catch (Exception)
            {
                // already gone
            }
            int code = end.CloseCode;
            string reason = end.CloseReason;
            Post("closed", () => OnClosed(conn, code, reason));
            await watcher.ConfigureAwait(false);
        }

        /// <summary>Welcome timeout, heartbeat cadence and a dead-peer check, off the main thread.</summary>
        private async Task Watch(Connection conn)
        {
            long interval = Math.Max(50, Math.Min(1000, options.HeartbeatMs / 4));
            while (!conn.Ended)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(interval), conn.Cancel.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    return;
                }
                long now = Connection.WatchMs;
                if (!conn.WelcomeSeen)
                {
                    if (now - conn.OpenedWatchMs >= options.WelcomeTimeoutMs)
                    {
                        conn.Abort();
                        return;
                    }
                    continue;
                }
                if (now - conn.LastSendMs >= options.HeartbeatMs)
                {
                    conn.SendLater(Envelope.Build("hb", Envelope.NewId(), new JObject(), sessionId));
                }
                if (now - conn.LastReceiveMs >= 3 * options.HeartbeatMs)
                {
                    conn.Abort(); // no frame (not even a pong) for three heartbeats: the peer is gone
                    return;
                }
            }
        }

        /// <summary>Reader thread: parse, answer hb, ack commands, hand the rest to the main thread.</summary>
        private void OnFrame(Connection conn, string text)
        {
            if (conn.Ended)
            {
                // Closing: nothing more is taken on (an unacked command is one the server may
                // safely send again); the reader only waits for the server's close.
                return;
            }
            Envelope env;
            string code;
            string message;
            string refId;
            if (!Envelope.TryParse(text, out env, out code, out message, out refId))
            {
                var body = new JObject();
                body["code"] = code;
                body["message"] = message;
                body["ref_id"] = refId;
                conn.Send(Envelope.Build("error", Envelope.NewId(), body, sessionId));
                Post("frame", () => log.Warn("rejected a frame from the server: " + message + " (" + code + ")"));
                return;
            }
            if (env.Type == "hb")
            {
                conn.Send(Envelope.Build("pong", env.Id, new JObject(), sessionId));
                return;
            }
            if (env.Type == "pong" || env.Type == "ack")
            {
                return;
            }
            if (env.Type == "welcome")
            {
                conn.WelcomeSeen = true;
            }
            else if (env.IsCommand)
            {
                conn.Send(Envelope.Ack(env.Type, env.Id, sessionId));
            }
            conn.Inbox.Enqueue(env);
            if (conn.ClaimDrain())
            {
                Post("frame", () => Drain(conn));
            }
        }

        // ── main thread: frames ───────────────────────────────────────────────────────

        private void Drain(Connection conn)
        {
            conn.ReleaseDrain();
            Envelope env;
            while (conn.Inbox.TryDequeue(out env))
            {
                switch (env.Type)
                {
                    case "welcome":
                        OnWelcome(conn, env);
                        break;
                    case "cancel":
                        OnCancel(env);
                        break;
                    case "error":
                        OnServerError(env);
                        break;
                    default:
                        if (env.IsCommand)
                        {
                            Admit(env);
                        }
                        break;
                }
            }
            RunQueued();
        }

        private void OnWelcome(Connection conn, Envelope env)
        {
            if (conn != current || reloading)
            {
                return;
            }
            conn.Welcomed = true;
            conn.WelcomedAtMs = services.Clock.NowMs;
            immediateRetries = 0;
            string newSecret = Json.NonEmptyString(env.Body["session_secret"]);
            if (newSecret != null && newSecret != secret)
            {
                secret = newSecret;
                services.ProjectStore.Set(KeySecret, secret);
            }
            lastProblem = null;
            log.Info("connected to " + options.ServerUrl + " as " + sessionId + " (conn_seq " + conn.ConnSeq + ")");
            SetState(LinkState.Connected);
            if (droppedEvents > 0)
            {
                log.Info(droppedEvents + " editor event(s) were dropped while disconnected");
                droppedEvents = 0;
            }
            foreach (string text in events)
            {
                conn.Send(text, true);
            }
            events.Clear();
            foreach (KeyValuePair<string, string> answer in unsent.ToArray())
            {
                SendTracked(conn, answer.Key, answer.Value);
            }
        }

        private void OnCancel(Envelope env)
        {
            string rid = Json.NonEmptyString(env.Body["request_id"]);
            if (rid == null)
            {
                return;
            }
            for (int i = 0; i < queued.Count; i++)
            {
                if (queued[i].RequestId == rid)
                {
                    Envelope cmd = queued[i];
                    queued.RemoveAt(i);
                    // Not started: dropped without an answer (the server has forgotten it). A
                    // resend of the same id gets this stored error.
                    ledger.Record(rid, cmd.Type + "_response", Envelope.ErrorBody(rid, "cancelled before it started"));
                    RecordCommand(cmd.Type, rid, "cancelled", 0);
                    return;
                }
            }
        }

        private void OnServerError(Envelope env)
        {
            string code = Json.NonEmptyString(env.Body["code"]) ?? "error";
            string message = Json.NonEmptyString(env.Body["message"]) ?? Json.Short(env.Body);
            if (code == "duplicate_response" || code == "unknown_request")
            {
                log.Info("server: " + message + " (" + code + ")");
            }
            else
            {
                log.Warn("the server reported an error: " + message + " (" + code + ")");
            }
        }

        private void OnClosed(Connection conn, int code, string reason)
        {
            if (conn != current)
            {
                return;
            }
            current = null;
            if (stopped || reloading)
            {
                return;
            }
            bool lived = conn.Welcomed && services.Clock.NowMs - conn.WelcomedAtMs >= options.LivedMs;
            CloseDecision decision = ClosePolicy.Decide(code, reason);
            lastProblem = decision.Problem;
            switch (decision.Action)
            {
                case CloseAction.Stop:
                    stopped = true;
                    log.Warn(decision.Problem);
                    SetState(LinkState.Stopped);
                    return;
                case CloseAction.RetryNow:
                    JumpConnSeq(reason);
                    if (immediateRetries < MaxImmediateRetries)
                    {
                        immediateRetries++;
                        Connect();
                        return;
                    }
                    log.Warn(decision.Problem);
                    ScheduleRetry(backoff.NextDelayMs());
                    return;
                default:
                    if (lived)
                    {
                        backoff.Reset();
                    }
                    if (conn.Welcomed)
                    {
                        log.Info("disconnected: " + decision.Problem + "; reconnecting");
                    }
                    ScheduleRetry(backoff.NextDelayMs());
                    return;
            }
        }

        /// <summary>4002 names the live connection's conn_seq: go above every number in the reason.</summary>
        private void JumpConnSeq(string reason)
        {
            if (string.IsNullOrEmpty(reason))
            {
                return;
            }
            foreach (Match m in Regex.Matches(reason, "[0-9]{1,18}"))
            {
                long n;
                if (long.TryParse(m.Value, out n) && n > connSeq)
                {
                    connSeq = n;
                }
            }
        }

        // ── main thread: commands ─────────────────────────────────────────────────────

        private void Admit(Envelope env)
        {
            string rid = env.RequestId;
            LedgerEntry known = ledger.Find(rid);
            if (known != null)
            {
                // Already received: acked again (by the reader), never executed again.
                if (known.State == LedgerState.Answered)
                {
                    SendAnswer(rid, Envelope.Build(known.AnswerType, rid, known.Answer, sessionId));
                }
                RecordCommand(env.Type, rid, known.State == LedgerState.Answered ? "duplicate: answered again" : "duplicate: still running", 0);
                return;
            }
            ledger.Admit(rid, env.Type, services.Clock.NowMs);
            queued.Add(env);
        }

        private void RunQueued()
        {
            if (executing)
            {
                return; // a handler that pumps the main thread must not re-enter
            }
            executing = true;
            try
            {
                while (queued.Count > 0 && !reloading)
                {
                    Envelope env = queued[0];
                    queued.RemoveAt(0);
                    Execute(env);
                }
            }
            finally
            {
                executing = false;
            }
        }

        private void Execute(Envelope env)
        {
            string rid = env.RequestId;
            string command = env.Type;
            long started = services.Clock.NowMs;
            CommandHandler handler = commands.Find(command);
            if (handler == null)
            {
                Complete(command, rid, null, "unknown command '" + command + "': this editor does not handle it (update the Movesia package?)", started);
                return;
            }
            var args = new JObject();
            foreach (JProperty p in env.Body.Properties())
            {
                if (p.Name != "request_id")
                {
                    args[p.Name] = p.Value;
                }
            }
            CommandOutcome outcome;
            try
            {
                outcome = handler(args);
            }
            catch (CommandException e)
            {
                Complete(command, rid, null, e.Message, started);
                return;
            }
            catch (Exception e)
            {
                log.Error(command + " failed: " + e);
                Complete(command, rid, null, command + " failed in the editor: " + e.GetType().Name + ": " + e.Message, started);
                return;
            }
            if (outcome == null)
            {
                Complete(command, rid, null, command + " gave no result (a bug in its handler)", started);
                return;
            }
            switch (outcome.Kind)
            {
                case OutcomeKind.Done:
                    Complete(command, rid, outcome.Result, null, started);
                    return;
                case OutcomeKind.AwaitCallback:
                    DeferredCommand other = settle.FindKey(outcome.Key);
                    if (other != null)
                    {
                        Complete(command, rid, null, command + " cannot wait for '" + outcome.Key + "': " + other.Command + " (" + other.RequestId + ") is already waiting for it", started);
                        return;
                    }
                    ForgetFinished(outcome.Key);
                    settle.Add(rid, command, outcome.Kind, outcome.Result, started, outcome.TimeoutMs, outcome.Key, outcome.TimeoutError);
                    RecordCommand(command, rid, "waiting for the editor to report its end", 0);
                    return;
                default:
                    settle.Add(rid, command, outcome.Kind, outcome.Result, started, options.SettleTimeoutMs);
                    RecordCommand(command, rid, outcome.Kind == OutcomeKind.AfterCompile ? "waiting for the compile" : "waiting for play mode", 0);
                    return;
            }
        }

        private void Settle(SettledCommand s)
        {
            if (s.Key != null)
            {
                RememberFinished(s.Key, s.Error != null ? "answered with an error" : "answered");
            }
            Complete(s.Command, s.RequestId, s.Result, s.Error, s.StartedMs);
        }

        /// <summary>The errors of the last failed compile this link saw, or one that says they exist.</summary>
        private IList<CompilerMessageInfo> StandingErrors()
        {
            if (lastCompileErrors.Count > 0)
            {
                return lastCompileErrors;
            }
            return new List<CompilerMessageInfo> { new CompilerMessageInfo("", 0, 0, StandingErrorMessage, true) };
        }

        // ── main thread: completions of AwaitCallback commands ───────────────────────

        private bool FinishKey(string key, JObject result, string error)
        {
            if (string.IsNullOrEmpty(key))
            {
                log.Warn("a completion without a key was ignored");
                return false;
            }
            if (!started)
            {
                // The host's callback came before Start (a new domain): keep it until the
                // deferred commands are restored.
                early.RemoveAll(c => c.Key == key);
                early.Add(new EarlyCompletion { Key = key, Result = result, Error = error });
                if (early.Count > MaxEarlyCompletions)
                {
                    log.Warn("dropped the early completion of '" + early[0].Key + "' (more than " + MaxEarlyCompletions + " before the link started)");
                    early.RemoveAt(0);
                }
                return true;
            }
            if (reloading && services.ReloadStore.Get(KeyReloading) == null)
            {
                log.Warn("the completion of '" + key + "' came after this link handed its state over; it was ignored");
                return false;
            }
            SettledCommand s = settle.Complete(key, result, error);
            if (s == null)
            {
                string how = FinishedHow(key);
                if (how != null)
                {
                    log.Info("ignored a second completion of '" + key + "': its command was already " + how);
                }
                else
                {
                    log.Warn("ignored a completion of '" + key + "': no command waits for it");
                }
                return false;
            }
            Settle(s);
            if (reloading)
            {
                // After PrepareForReload: what the next domain takes over was written already.
                IStateStore store = services.ReloadStore;
                store.Set(KeyLedger, ledger.Save());
                store.Set(KeyDeferred, settle.Save());
                store.Set(KeyUnsent, SaveUnsent());
                store.Set(KeyRecent, SaveRecent());
            }
            return true;
        }

        private void RememberFinished(string key, string how)
        {
            ForgetFinished(key);
            finishedKeys.AddLast(new KeyValuePair<string, string>(key, how));
            while (finishedKeys.Count > MaxFinishedKeys)
            {
                finishedKeys.RemoveFirst();
            }
        }

        private void ForgetFinished(string key)
        {
            LinkedListNode<KeyValuePair<string, string>> node = finishedKeys.First;
            while (node != null)
            {
                LinkedListNode<KeyValuePair<string, string>> next = node.Next;
                if (node.Value.Key == key)
                {
                    finishedKeys.Remove(node);
                }
                node = next;
            }
        }

        private string FinishedHow(string key)
        {
            foreach (KeyValuePair<string, string> p in finishedKeys)
            {
                if (p.Key == key)
                {
                    return p.Value;
                }
            }
            return null;
        }

        private void Complete(string command, string rid, JObject result, string error, long startedMs)
        {
            JObject body = error != null ? Envelope.ErrorBody(rid, error) : Envelope.ResponseBody(rid, result);
            string type = command + "_response";
            string text = Envelope.Build(type, rid, body, sessionId);
            // The ledger keeps the answer for a resend; one too large to keep is stored as an
            // error that says so, but this first answer still carries the whole result.
            ledger.Record(rid, type, body, text.Length);
            SendAnswer(rid, text);
            long took = Math.Max(0, services.Clock.NowMs - startedMs);
            RecordCommand(command, rid, error != null ? "error: " + error : "ok", took);
        }

        /// <summary>Keeps the answer until a socket took it; sends it now when connected.</summary>
        private void SendAnswer(string rid, string text)
        {
            unsent.RemoveAll(p => p.Key == rid);
            unsent.Add(new KeyValuePair<string, string>(rid, text));
            if (unsent.Count > MaxUnsentAnswers)
            {
                // The oldest stay in the ledger: a resend of their command is answered from there.
                unsent.RemoveRange(0, unsent.Count - MaxUnsentAnswers);
            }
            Connection conn = current;
            if (conn != null && conn.Welcomed && !conn.Ended)
            {
                SendTracked(conn, rid, text);
            }
        }

        private void SendTracked(Connection conn, string rid, string text)
        {
            conn.Send(text).ContinueWith(t =>
            {
                if (t.Result)
                {
                    Post("sent", () => unsent.RemoveAll(p => p.Key == rid && p.Value == text));
                }
            });
        }

        // ── helpers ───────────────────────────────────────────────────────────────────

        private void RecordCommand(string command, string rid, string outcome, long durationMs)
        {
            CommandRecord record = null;
            for (int i = 0; i < recent.Count; i++)
            {
                if (recent[i].RequestId == rid)
                {
                    record = recent[i];
                    recent.RemoveAt(i);
                    break;
                }
            }
            if (record == null)
            {
                record = new CommandRecord { Command = command, RequestId = rid };
            }
            record.Outcome = outcome;
            record.DurationMs = durationMs;
            recent.Insert(0, record);
            if (recent.Count > MaxRecentCommands)
            {
                recent.RemoveAt(recent.Count - 1);
            }
            RaiseChanged();
        }

        private void SetState(LinkState next)
        {
            state = next;
            RaiseChanged();
        }

        private void RaiseChanged()
        {
            Action handler = Changed;
            if (handler == null)
            {
                return;
            }
            try
            {
                handler();
            }
            catch (Exception e)
            {
                log.Error("a Changed listener failed: " + e);
            }
        }

        private void Post(string what, Action work)
        {
            try
            {
                services.MainThread.Post(() => Guard(what, work));
            }
            catch (Exception e)
            {
                log.Error("could not post " + what + " to the main thread: " + e.Message);
            }
        }

        private void Guard(string what, Action work)
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                try
                {
                    log.Error("internal error in " + what + ": " + e);
                }
                catch (Exception)
                {
                    // a broken log must not break the host either
                }
            }
        }

        private void Warn(string problem)
        {
            if (problem != null)
            {
                log.Warn(problem);
            }
        }

        private static long ReadLong(IStateStore store, string key)
        {
            long value;
            string text = store.Get(key);
            return text != null && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out value) ? value : 0;
        }

        private string SaveUnsent()
        {
            var list = new JArray();
            foreach (KeyValuePair<string, string> p in unsent)
            {
                var o = new JObject();
                o["id"] = p.Key;
                o["text"] = p.Value;
                list.Add(o);
            }
            return Json.Compact(list);
        }

        private void LoadUnsent(string text)
        {
            unsent.Clear();
            JArray list = ParseList(text, "unsent answers");
            foreach (JToken t in list)
            {
                JObject o = t as JObject;
                if (o != null && Json.NonEmptyString(o["id"]) != null && Json.NonEmptyString(o["text"]) != null)
                {
                    unsent.Add(new KeyValuePair<string, string>((string)o["id"], (string)o["text"]));
                }
            }
        }

        private string SaveEvents()
        {
            var list = new JArray();
            foreach (string e in events)
            {
                list.Add(e);
            }
            return Json.Compact(list);
        }

        private void LoadEvents(string text)
        {
            events.Clear();
            foreach (JToken t in ParseList(text, "queued events"))
            {
                if (t.Type == JTokenType.String)
                {
                    events.AddLast((string)t);
                }
            }
        }

        private string SaveRecent()
        {
            var list = new JArray();
            foreach (CommandRecord r in recent)
            {
                var o = new JObject();
                o["command"] = r.Command;
                o["id"] = r.RequestId;
                o["outcome"] = r.Outcome;
                o["ms"] = r.DurationMs;
                list.Add(o);
            }
            return Json.Compact(list);
        }

        private void LoadRecent(string text)
        {
            recent.Clear();
            foreach (JToken t in ParseList(text, "recent commands"))
            {
                JObject o = t as JObject;
                if (o != null)
                {
                    recent.Add(new CommandRecord
                    {
                        Command = (string)o["command"],
                        RequestId = (string)o["id"],
                        Outcome = (string)o["outcome"],
                        DurationMs = o["ms"] != null && o["ms"].Type == JTokenType.Integer ? (long)o["ms"] : 0,
                    });
                }
            }
        }

        private JArray ParseList(string text, string what)
        {
            if (string.IsNullOrEmpty(text))
            {
                return new JArray();
            }
            JToken token;
            string error;
            if (Json.TryParse(text, out token, out error) && token is JArray)
            {
                return (JArray)token;
            }
            log.Warn("the stored " + what + " could not be read; dropped");
            return new JArray();
        }

        private sealed class EarlyCompletion
        {
            public string Key;
            public JObject Result;
            public string Error;
        }

        private sealed class NullLog : ILog
        {
            public void Info(string message)
            {
            }

            public void Warn(string message)
            {
            }

            public void Error(string message)
            {
            }
        }
    }
}
