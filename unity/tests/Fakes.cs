// Test doubles for the core's services: a hand-driven clock, a fixed random, in-memory
// stores, a main thread the test pumps, and a scripted socket.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    public sealed class FakeClock : IClock
    {
        private long now = 1000;

        public long NowMs
        {
            get { return Interlocked.Read(ref now); }
        }

        public void Advance(long ms)
        {
            Interlocked.Add(ref now, ms);
        }
    }

    public sealed class RealClock : IClock
    {
        private static readonly System.Diagnostics.Stopwatch Watch = System.Diagnostics.Stopwatch.StartNew();

        public long NowMs
        {
            get { return Watch.ElapsedMilliseconds; }
        }
    }

    public sealed class FixedRandom : IRandom
    {
        public double Value = 0.5;

        public double NextDouble()
        {
            return Value;
        }
    }

    public sealed class MemoryStore : IStateStore
    {
        public readonly Dictionary<string, string> Values = new Dictionary<string, string>();

        public string Get(string key)
        {
            lock (Values)
            {
                string v;
                return Values.TryGetValue(key, out v) ? v : null;
            }
        }

        public void Set(string key, string value)
        {
            lock (Values)
            {
                Values[key] = value;
            }
        }

        public void Remove(string key)
        {
            lock (Values)
            {
                Values.Remove(key);
            }
        }
    }

    /// <summary>A main thread the test drains by hand.</summary>
    public sealed class PumpedMainThread : IMainThread
    {
        private readonly ConcurrentQueue<Action> work = new ConcurrentQueue<Action>();

        public void Post(Action action)
        {
            work.Enqueue(action);
        }

        public int RunPending()
        {
            int n = 0;
            Action a;
            while (work.TryDequeue(out a))
            {
                a();
                n++;
            }
            return n;
        }

        /// <summary>Pumps (and ticks the link) until the condition holds; fails the test after a long while.</summary>
        public void RunUntil(Func<bool> condition, string what, EditorLink tick = null, int seconds = 20)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(seconds);
            while (true)
            {
                RunPending();
                if (tick != null)
                {
                    tick.Tick();
                    RunPending();
                }
                if (condition())
                {
                    return;
                }
                if (DateTime.UtcNow > end)
                {
                    Assert.Fail("gave up waiting for: " + what);
                }
                Thread.Sleep(2);
            }
        }
    }

    public sealed class ListLog : ILog
    {
        public readonly List<string> Lines = new List<string>();

        public void Info(string message)
        {
            Add("info: " + message);
        }

        public void Warn(string message)
        {
            Add("warn: " + message);
        }

        public void Error(string message)
        {
            Add("error: " + message);
        }

        public string[] Snapshot()
        {
            lock (Lines)
            {
                return Lines.ToArray();
            }
        }

        private void Add(string line)
        {
            lock (Lines)
            {
                Lines.Add(line);
            }
        }
    }

    public sealed class FakeProbe : IEditorProbe
    {
        public bool IsCompiling { get; set; }

        public bool IsUpdating { get; set; }

        public bool IsChangingPlayMode { get; set; }

        public bool HasCompileErrors { get; set; }
    }

    /// <summary>A socket whose peer is the test: it pushes inbound frames and reads what was sent.</summary>
    public sealed class FakeSocket : ISocket
    {
        private readonly BlockingCollection<SocketMessage> inbound = new BlockingCollection<SocketMessage>();
        private readonly List<string> sent = new List<string>();
        public Uri Uri;
        public bool FailConnect;
        public volatile bool Aborted;
        public int CloseCode;

        public Task ConnectAsync(Uri uri, IDictionary<string, string> headers, CancellationToken cancel)
        {
            Uri = uri;
            if (FailConnect)
            {
                var tcs = new TaskCompletionSource<bool>();
                tcs.SetException(new System.Net.WebSockets.WebSocketException("refused"));
                return tcs.Task;
            }
            return Task.FromResult(true);
        }

        /// <summary>While set, a send stays in flight until the socket is aborted (a stuck network).</summary>
        public volatile bool HoldSends;
        private readonly TaskCompletionSource<bool> held = new TaskCompletionSource<bool>();

        public Task SendAsync(string text, CancellationToken cancel)
        {
            if (HoldSends)
            {
                return held.Task;
            }
            if (Aborted)
            {
                var tcs = new TaskCompletionSource<bool>();
                tcs.SetException(new InvalidOperationException("socket aborted"));
                return tcs.Task;
            }
            lock (sent)
            {
                sent.Add(text);
            }
            return Task.FromResult(true);
        }

        public Task<SocketMessage> ReceiveAsync(CancellationToken cancel)
        {
            return Task.Run(() =>
            {
                try
                {
                    return inbound.Take(cancel);
                }
                catch (OperationCanceledException)
                {
                    return new SocketMessage(null, true, 1006, "aborted");
                }
            });
        }

        public Task CloseAsync(int code, string reason, CancellationToken cancel)
        {
            CloseCode = code;
            inbound.Add(new SocketMessage(null, true, code, reason));
            return Task.FromResult(true);
        }

        public void Abort()
        {
            held.TrySetException(new InvalidOperationException("socket aborted"));
            Aborted = true;
            inbound.Add(new SocketMessage(null, true, 1006, "aborted"));
        }

        public void Dispose()
        {
        }

        public void Push(string text)
        {
            inbound.Add(new SocketMessage(text, false, 0, null));
        }

        public void PushEnvelope(string type, string id, JObject body)
        {
            var o = new JObject();
            o["v"] = 1;
            o["source"] = "mcp";
            o["type"] = type;
            o["ts"] = 1;
            o["id"] = id;
            o["body"] = body ?? new JObject();
            o["session"] = "s";
            Push(o.ToString(Newtonsoft.Json.Formatting.None));
        }

        public void PushCommand(string type, string requestId, JObject args)
        {
            JObject body = args == null ? new JObject() : (JObject)args.DeepClone();
            body["request_id"] = requestId;
            PushEnvelope(type, requestId, body);
        }

        public void PushWelcome(string secret)
        {
            var body = new JObject();
            body["session"] = "s";
            body["conn_seq"] = 1;
            body["server"] = "movesia-mcp";
            body["protocol"] = 1;
            if (secret != null)
            {
                body["session_secret"] = secret;
            }
            PushEnvelope("welcome", "w-" + Guid.NewGuid().ToString("N"), body);
        }

        public void ServerClose(int code, string reason)
        {
            inbound.Add(new SocketMessage(null, true, code, reason));
        }

        public List<JObject> Sent()
        {
            lock (sent)
            {
                return sent.Select(s => JObject.Parse(s)).ToList();
            }
        }

        public List<JObject> SentOfType(string type)
        {
            return Sent().Where(o => (string)o["type"] == type).ToList();
        }
    }

    public sealed class FakeSockets : ISocketFactory
    {
        public readonly List<FakeSocket> Created = new List<FakeSocket>();
        public bool FailConnect;

        public ISocket Create()
        {
            var s = new FakeSocket { FailConnect = FailConnect };
            lock (Created)
            {
                Created.Add(s);
            }
            return s;
        }

        public int Count
        {
            get
            {
                lock (Created)
                {
                    return Created.Count;
                }
            }
        }

        public FakeSocket Last
        {
            get
            {
                lock (Created)
                {
                    return Created[Created.Count - 1];
                }
            }
        }
    }

    /// <summary>One editor as a test sees it: the link, its services and a command table.</summary>
    public sealed class Rig
    {
        public readonly FakeClock Clock = new FakeClock();
        public readonly FixedRandom Random = new FixedRandom();
        public MemoryStore ReloadStore = new MemoryStore();
        public MemoryStore ProjectStore = new MemoryStore();
        public readonly PumpedMainThread Main = new PumpedMainThread();
        public readonly ListLog Log = new ListLog();
        public readonly FakeSockets Sockets = new FakeSockets();
        public readonly FakeProbe Probe = new FakeProbe();
        public CommandTable Commands = new CommandTable();
        public readonly Dictionary<string, int> Runs = new Dictionary<string, int>();
        public string ProjectPath = "/home/dev/Projects/Alpha";
        public EditorLink Link;
        public LinkOptions Options;
        private bool linkStarted;

        public Rig()
        {
            Commands.Register("echo", args =>
            {
                Count("echo");
                var r = new JObject();
                r["echo"] = args;
                return CommandOutcome.Done(r);
            });
        }

        public void Count(string name)
        {
            int n;
            Runs.TryGetValue(name, out n);
            Runs[name] = n + 1;
        }

        public int RunsOf(string name)
        {
            int n;
            return Runs.TryGetValue(name, out n) ? n : 0;
        }

        public EditorLink Build()
        {
            var services = new LinkServices
            {
                Clock = Clock,
                Random = Random,
                ReloadStore = ReloadStore,
                ProjectStore = ProjectStore,
                MainThread = Main,
                Log = Log,
                Sockets = Sockets,
                Probe = Probe,
            };
            Options = Options ?? new LinkOptions { ServerUrl = "ws://127.0.0.1:1/ws/unity", ProjectPath = ProjectPath, UnityVersion = "6000.0.1f1" };
            Link = new EditorLink(Options, services, Commands);
            linkStarted = false;
            return Link;
        }

        /// <summary>Builds, starts, and completes the handshake on a fake socket.</summary>
        public void Start()
        {
            if (Link == null)
            {
                Build();
            }
            linkStarted = true;
            Link.Start();
        }

        public FakeSocket Connect(string secret = null)
        {
            if (Link == null)
            {
                Build();
            }
            if (!linkStarted)
            {
                linkStarted = true;
                Link.Start();
            }
            Main.RunUntil(() => Sockets.Count > 0 && !welcomed.Contains(Sockets.Last) && Sockets.Last.Sent().Count > 0, "the seed handshake", Link);
            FakeSocket s = Sockets.Last;
            welcomed.Add(s);
            s.PushWelcome(secret);
            Main.RunUntil(() => Link.State == LinkState.Connected, "Connected", Link);
            return s;
        }

        private readonly HashSet<FakeSocket> welcomed = new HashSet<FakeSocket>();

        /// <summary>Simulates a domain reload: PrepareForReload, then a new link over the same stores.</summary>
        public FakeSocket Reload(string secret = null)
        {
            Link.PrepareForReload();
            Link = null;
            Build();
            return Connect(secret);
        }

        public List<JObject> Answers(FakeSocket s, string requestId)
        {
            return s.Sent().Where(o => (string)o["id"] == requestId && ((string)o["type"]).EndsWith("_response", StringComparison.Ordinal)).ToList();
        }
    }
}
