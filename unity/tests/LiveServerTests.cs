// The core against the LIVE Python server (a child process on a port chosen at run time):
// handshake, takeover, hb/pong, acks, a command round trip through a real MCP client, and a
// domain reload in the middle of write_script answered on the next connection.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    public sealed class SystemRandom : IRandom
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

    /// <summary>One editor process as the live tests drive it.</summary>
    public sealed class LiveEditor
    {
        public readonly PumpedMainThread Main = new PumpedMainThread();
        public readonly ListLog Log = new ListLog();
        public readonly RecordingSockets Sockets = new RecordingSockets();
        public readonly FakeProbe Probe = new FakeProbe();
        public readonly CommandTable Commands = new CommandTable();
        public readonly Dictionary<string, int> Runs = new Dictionary<string, int>();
        public MemoryStore ReloadStore = new MemoryStore();
        public MemoryStore ProjectStore;
        public readonly string ProjectPath;
        public readonly string Url;
        public long HeartbeatMs = 20000;
        public EditorLink Link;

        public LiveEditor(string url, string projectPath, MemoryStore projectStore = null)
        {
            Url = url;
            ProjectPath = projectPath;
            ProjectStore = projectStore ?? new MemoryStore();
            Commands.Register("get_editor_state", args =>
            {
                Count("get_editor_state");
                var r = new JObject();
                r["unity_version"] = "6000.0.1f1";
                r["project_path"] = ProjectPath;
                r["is_playing"] = false;
                r["is_paused"] = false;
                r["is_compiling"] = false;
                r["active_scene"] = "Main";
                r["loaded_scenes"] = new JArray("Main");
                r["selection"] = new JArray();
                return CommandOutcome.Done(r);
            });
            Commands.Register("write_script", args =>
            {
                Count("write_script");
                var r = new JObject();
                r["path"] = ProjectPaths.RequireAssetPath((string)args["path"], ".cs", false);
                r["created"] = true;
                return CommandOutcome.AfterCompile(r);
            });
        }

        public string SessionId
        {
            get { return Handshake.DeriveSessionId(ProjectPath); }
        }

        public void Count(string name)
        {
            lock (Runs)
            {
                int n;
                Runs.TryGetValue(name, out n);
                Runs[name] = n + 1;
            }
        }

        public int RunsOf(string name)
        {
            lock (Runs)
            {
                int n;
                return Runs.TryGetValue(name, out n) ? n : 0;
            }
        }

        public EditorLink Start()
        {
            var services = new LinkServices
            {
                Clock = new RealClock(),
                Random = new SystemRandom(),
                ReloadStore = ReloadStore,
                ProjectStore = ProjectStore,
                MainThread = Main,
                Log = Log,
                Sockets = Sockets,
                Probe = Probe,
            };
            Link = new EditorLink(new LinkOptions { ServerUrl = Url, ProjectPath = ProjectPath, UnityVersion = "6000.0.1f1", HeartbeatMs = HeartbeatMs }, services, Commands);
            Link.Start();
            return Link;
        }

        public void WaitConnected()
        {
            Main.RunUntil(() => Link.State == LinkState.Connected, "connected; log: " + string.Join(" | ", Log.Snapshot()), Link);
        }

        public JObject Await(Task<JObject> call)
        {
            Main.RunUntil(() => call.IsCompleted, "the tool call", Link, 60);
            return call.Result;
        }

        public List<JObject> Seeds()
        {
            return Sockets.Frames("out").Where(o => o["type"] == null && o["conn_seq"] != null).ToList();
        }

        public void Pump(int ms)
        {
            DateTime end = DateTime.UtcNow.AddMilliseconds(ms);
            while (DateTime.UtcNow < end)
            {
                Main.RunPending();
                Link.Tick();
                System.Threading.Thread.Sleep(5);
            }
        }
    }

    [TestFixture]
    public class LiveServerTests
    {
        private LiveServer server;

        [TestFixtureSetUp]
        public void StartServer()
        {
            server = new LiveServer(new Dictionary<string, string>
            {
                { "HEARTBEAT_SWEEP_MS", "100" },
                { "HEARTBEAT_PING_AFTER_MS", "300" },
                { "HEARTBEAT_MAX_IDLE_MS", "1500" },
            });
        }

        [TestFixtureTearDown]
        public void StopServer()
        {
            if (server != null)
            {
                server.Dispose();
            }
        }

        private static string NewProject()
        {
            return "/home/dev/LiveTests/Project-" + Guid.NewGuid().ToString("N").Substring(0, 8);
        }

        private JObject Tool(LiveEditor editor, string tool, JObject args)
        {
            JObject a = args ?? new JObject();
            a["project"] = editor.SessionId;
            return editor.Await(server.Mcp.Call(tool, a));
        }

        [Test]
        public void HandshakeGetsAWelcomeForTheDerivedSession()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            JObject welcome = editor.Sockets.Frames("in").First(o => (string)o["type"] == "welcome");
            Assert.AreEqual(editor.SessionId, (string)welcome["body"]["session"]);
            Assert.AreEqual(1, (long)welcome["body"]["conn_seq"]);
            Assert.AreEqual(1, (int)welcome["body"]["protocol"]);
            // Protocol 1.0 servers send no secret, 1.1 servers do: either way the core keeps
            // exactly what the welcome carried.
            Assert.AreEqual((string)welcome["body"]["session_secret"], editor.ProjectStore.Get(EditorLink.KeySecret));
            JArray honoured = welcome["body"]["capabilities"] as JArray;
            if (honoured != null)
            {
                CollectionAssert.IsSubsetOf(honoured.ToObject<string[]>(), Handshake.Capabilities);
            }
            editor.Link.Stop("test over");
        }

        [Test]
        public void AnEditorWithoutTheSessionSecretCannotTakeOverA11Session()
        {
            string project = NewProject();
            var first = new LiveEditor(server.UnityUrl, project);
            first.Start();
            first.WaitConnected();
            bool secretIssued = first.ProjectStore.Get(EditorLink.KeySecret) != null;
            var intruder = new LiveEditor(server.UnityUrl, project); // its own, empty project store
            intruder.ProjectStore.Set(EditorLink.KeyConnSeq, "100"); // a newer conn_seq, no secret
            intruder.Start();
            if (secretIssued)
            {
                // 1.1: refused with 4003; the live editor is untouched.
                intruder.Main.RunUntil(() => intruder.Link.State == LinkState.Stopped, "the intruder is refused", intruder.Link, 30);
                StringAssert.Contains("4003", intruder.Link.Snapshot().LastProblem);
                first.Pump(300);
                Assert.AreEqual(LinkState.Connected, first.Link.State);
                JObject result = Tool(first, "get_editor_state", null);
                Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
                Assert.AreEqual(1, first.RunsOf("get_editor_state"));
            }
            else
            {
                // 1.0: no secret exists, so the newer conn_seq takes over.
                intruder.WaitConnected();
                first.Main.RunUntil(() => first.Link.State == LinkState.Stopped, "superseded", first.Link, 30);
                StringAssert.Contains("4001", first.Link.Snapshot().LastProblem);
            }
            intruder.Link.Stop("test over");
            first.Link.Stop("test over");
        }

        [Test]
        public void TheAdapterTurnsNagleOffSoAnAnswerNeverWaitsBehindItsAck()
        {
            using (var socket = new ClientWebSocketAdapter())
            {
                socket.ConnectAsync(new Uri(server.UnityUrl), null, System.Threading.CancellationToken.None).Wait();
                Assert.IsTrue(socket.NoDelay, "TCP_NODELAY set on Mono's ClientWebSocket");
                socket.Abort();
            }
        }

        [Test]
        public void ACommandRoundTripsThroughARealMcpClient()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            JObject result = Tool(editor, "get_editor_state", null);
            Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
            Assert.AreEqual(editor.ProjectPath, (string)result["structured"]["project_path"]);
            Assert.AreEqual("Main", (string)result["structured"]["active_scene"]);
            Assert.AreEqual(1, editor.RunsOf("get_editor_state"));
            editor.Link.Stop("test over");
        }

        [Test]
        public void EveryCommandIsAckedBeforeItsAnswer()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            Tool(editor, "get_editor_state", null);
            JObject command = editor.Sockets.Frames("in").First(o => (string)o["type"] == "get_editor_state");
            string rid = (string)command["body"]["request_id"];
            List<JObject> outbound = editor.Sockets.Frames("out");
            int ack = outbound.FindIndex(o => (string)o["type"] == "ack" && (string)o["id"] == rid);
            int answer = outbound.FindIndex(o => (string)o["type"] == "get_editor_state_response" && (string)o["id"] == rid);
            Assert.That(ack, Is.GreaterThanOrEqualTo(0), "acked");
            Assert.That(answer, Is.GreaterThan(ack), "answered after the ack");
            Assert.AreEqual("get_editor_state", (string)outbound[ack]["body"]["type"]);
            editor.Link.Stop("test over");
        }

        [Test]
        public void UnknownCommandErrorReachesTheMcpClient()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            JObject result = Tool(editor, "get_selection", null);
            Assert.IsTrue((bool)result["is_error"]);
            StringAssert.Contains("get_selection", (string)result["text"]);
            editor.Link.Stop("test over");
        }

        [Test]
        public void ServerHeartbeatIsAnsweredAndKeepsAnIdleLinkAlive()
        {
            // The server pings after 300 ms idle and closes after 1500 ms; the core's own hb is off.
            var editor = new LiveEditor(server.UnityUrl, NewProject()) { HeartbeatMs = 3600000 };
            editor.Start();
            editor.WaitConnected();
            editor.Main.RunUntil(() => editor.Sockets.Frames("in").Count(o => (string)o["type"] == "hb") >= 6, "several server hb", editor.Link, 30);
            List<string> hbIds = editor.Sockets.Frames("in").Where(o => (string)o["type"] == "hb").Select(o => (string)o["id"]).ToList();
            List<string> pongIds = editor.Sockets.Frames("out").Where(o => (string)o["type"] == "pong").Select(o => (string)o["id"]).ToList();
            CollectionAssert.IsSubsetOf(hbIds.Take(hbIds.Count - 1).ToList(), pongIds, "every hb answered with a pong of its id");
            Assert.AreEqual(LinkState.Connected, editor.Link.State);
            Assert.AreEqual(1, editor.Seeds().Count, "never closed as idle, never reconnected");
            editor.Link.Stop("test over");
        }

        [Test]
        public void TheCoresOwnHeartbeatGetsPongs()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject()) { HeartbeatMs = 100 };
            editor.Start();
            editor.WaitConnected();
            editor.Main.RunUntil(() => editor.Sockets.Frames("in").Count(o => (string)o["type"] == "pong") >= 2, "pongs", editor.Link, 30);
            string hb = (string)editor.Sockets.Frames("out").First(o => (string)o["type"] == "hb")["id"];
            Assert.IsTrue(editor.Sockets.Frames("in").Any(o => (string)o["type"] == "pong" && (string)o["id"] == hb));
            editor.Link.Stop("test over");
        }

        [Test]
        public void ANewerEditorOfTheSameProjectTakesOverAndTheOldOneStops()
        {
            string project = NewProject();
            var shared = new MemoryStore(); // the project's Library/ file: both see one conn_seq
            var first = new LiveEditor(server.UnityUrl, project, shared);
            first.Start();
            first.WaitConnected();
            var second = new LiveEditor(server.UnityUrl, project, shared);
            second.Start();
            second.WaitConnected();
            first.Main.RunUntil(() => first.Link.State == LinkState.Stopped, "the first editor stops", first.Link);
            StringAssert.Contains("4001", first.Link.Snapshot().LastProblem);
            StringAssert.Contains("another editor of this project", first.Link.Snapshot().LastProblem);
            Assert.That((long)second.Seeds()[0]["conn_seq"], Is.GreaterThan((long)first.Seeds()[0]["conn_seq"]));
            first.Pump(600);
            Assert.AreEqual(1, first.Seeds().Count, "the superseded editor does not reconnect");
            JObject result = Tool(second, "get_editor_state", null);
            Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
            Assert.AreEqual(1, second.RunsOf("get_editor_state"));
            Assert.AreEqual(0, first.RunsOf("get_editor_state"));
            second.Link.Stop("test over");
        }

        [Test]
        public void AReloadMidCommandIsAnsweredOnTheNextConnection()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            var args = new JObject();
            args["path"] = "Assets/Scripts/Spinner.cs";
            args["contents"] = "public class Spinner {}";
            args["project"] = editor.SessionId;
            Task<JObject> call = server.Mcp.Call("write_script", args);
            editor.Main.RunUntil(() => editor.Link.DeferredCount == 1, "write_script deferred", editor.Link, 60);
            editor.Probe.IsCompiling = true;
            editor.Link.NotifyCompileStarted();
            editor.Link.Tick();
            editor.Link.NotifyCompileFinished(new List<CompilerMessageInfo>());
            editor.Pump(100);
            editor.Link.PrepareForReload(); // beforeAssemblyReload: the domain goes away
            editor.Probe.IsCompiling = false;
            EditorLink before = editor.Link;
            editor.Start(); // the new domain: a new core from the same stores
            Assert.AreNotSame(before, editor.Link);
            JObject result = editor.Await(call);
            Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
            Assert.AreEqual(true, (bool)result["structured"]["compiled"]);
            Assert.AreEqual("Assets/Scripts/Spinner.cs", (string)result["structured"]["path"]);
            Assert.AreEqual(1, editor.RunsOf("write_script"));
            List<JObject> seeds = editor.Seeds();
            Assert.AreEqual(2, seeds.Count);
            Assert.That((long)seeds[1]["conn_seq"], Is.GreaterThan((long)seeds[0]["conn_seq"]));
            JObject command = editor.Sockets.Frames("in").First(o => (string)o["type"] == "write_script");
            JObject answer = editor.Sockets.Frames("out").Last(o => (string)o["type"] == "write_script_response");
            Assert.AreEqual((string)command["id"], (string)answer["id"], "the original request id");
            editor.Link.Stop("test over");
        }

        [Test]
        public void ACompileErrorIsAnsweredWithItsFileAndLine()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            var args = new JObject();
            args["path"] = "Assets/Scripts/Broken.cs";
            args["contents"] = "public class Broken {";
            args["project"] = editor.SessionId;
            Task<JObject> call = server.Mcp.Call("write_script", args);
            editor.Main.RunUntil(() => editor.Link.DeferredCount == 1, "write_script deferred", editor.Link, 60);
            editor.Probe.IsCompiling = true;
            editor.Link.NotifyCompileStarted();
            editor.Link.Tick();
            editor.Probe.IsCompiling = false;
            editor.Link.NotifyCompileFinished(new List<CompilerMessageInfo> { new CompilerMessageInfo("Assets/Scripts/Broken.cs", 1, 22, "} expected", true) });
            JObject result = editor.Await(call);
            Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
            Assert.AreEqual(false, (bool)result["structured"]["compiled"]);
            JObject error = (JObject)result["structured"]["errors"][0];
            Assert.AreEqual("Assets/Scripts/Broken.cs", (string)error["file"]);
            Assert.AreEqual(1, (int)error["line"]);
            Assert.AreEqual(1, editor.Seeds().Count, "no reload after a failed compile");
            editor.Link.Stop("test over");
        }

        [Test]
        public void ABadPathIsRefusedBeforeAnythingHappens()
        {
            var editor = new LiveEditor(server.UnityUrl, NewProject());
            editor.Start();
            editor.WaitConnected();
            var args = new JObject();
            args["path"] = "Assets/Scripts/CON.cs"; // Windows cannot store it
            args["contents"] = "x";
            JObject result = Tool(editor, "write_script", args);
            Assert.IsTrue((bool)result["is_error"]);
            StringAssert.Contains("reserved device name", (string)result["text"]);
            // The server refuses it (protocol 1.1 hardening) before it reaches the editor; the
            // core's own refusal of the same path is covered by the ProjectPaths tests.
            Assert.AreEqual(0, editor.RunsOf("write_script"));
            Assert.AreEqual(0, editor.Link.DeferredCount);
            editor.Link.Stop("test over");
        }
    }

    [TestFixture]
    public class LiveServerRestartTests
    {
        [Test]
        public void AfterTheServerShutsDownTheEditorBacksOffAndComesBack()
        {
            var first = new LiveServer(null);
            int port = first.Port;
            var editor = new LiveEditor(first.UnityUrl, "/home/dev/LiveTests/Restart-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            LiveServer second = null;
            try
            {
                editor.Start();
                editor.WaitConnected();
                first.Terminate(); // graceful: the server closes the editor with 1001
                editor.Main.RunUntil(() => editor.Link.State == LinkState.WaitingToRetry, "backing off", editor.Link, 60);
                StringAssert.Contains("1001", editor.Link.Snapshot().LastProblem);
                second = new LiveServer(null, port); // the same address again
                editor.Main.RunUntil(() => editor.Link.State == LinkState.Connected, "connected to the new server", editor.Link, 60);
                List<JObject> seeds = editor.Seeds();
                Assert.That((long)seeds[seeds.Count - 1]["conn_seq"], Is.GreaterThan((long)seeds[0]["conn_seq"]));
                var args = new JObject();
                args["project"] = editor.SessionId;
                JObject result = editor.Await(second.Mcp.Call("get_editor_state", args));
                Assert.IsFalse((bool)result["is_error"], (string)result["text"]);
                Assert.AreEqual(editor.ProjectPath, (string)result["structured"]["project_path"]);
            }
            finally
            {
                if (editor.Link != null)
                {
                    editor.Link.Stop("test over");
                }
                first.Dispose();
                if (second != null)
                {
                    second.Dispose();
                }
            }
        }
    }

    [TestFixture]
    public class LiveServerCancelTests
    {
        [Test]
        public void ACommandTheServerGaveUpOnIsDroppedIfItHasNotStarted()
        {
            using (var server = new LiveServer(new Dictionary<string, string> { { "UNITY_COMMAND_TIMEOUT", "1" } }))
            {
                var editor = new LiveEditor(server.UnityUrl, "/home/dev/LiveTests/Cancel-" + Guid.NewGuid().ToString("N").Substring(0, 8));
                editor.Start();
                editor.WaitConnected();
                JObject welcome = editor.Sockets.Frames("in").First(o => (string)o["type"] == "welcome");
                JArray honoured = welcome["body"]["capabilities"] as JArray;
                bool cancels = honoured != null && honoured.Any(t => (string)t == "cancel");
                var args = new JObject();
                args["project"] = editor.SessionId;
                // The main thread is busy (not pumped): the command is received and acked
                // by the reader, and waits; the server times out after 1 s.
                Task<JObject> call = server.Mcp.Call("get_editor_state", args);
                Assert.IsTrue(call.Wait(TimeSpan.FromSeconds(60)), "the call ended");
                Assert.IsTrue((bool)call.Result["is_error"], "timed out");
                RecordingSockets sockets = editor.Sockets;
                string rid = (string)sockets.WaitForFrame("in", o => (string)o["type"] == "get_editor_state", "the command frame", 30)["id"];
                sockets.WaitForFrame("out", o => (string)o["type"] == "ack" && (string)o["id"] == rid, "acked on receipt", 30);
                if (cancels)
                {
                    // 1.1: the server sends cancel; the command never runs, nothing is answered.
                    sockets.WaitForFrame("in", o => (string)o["type"] == "cancel" && (string)o["body"]["request_id"] == rid, "a cancel frame", 30);
                    editor.Pump(300);
                    Assert.AreEqual(0, editor.RunsOf("get_editor_state"));
                    Assert.IsFalse(editor.Sockets.Frames("out").Any(o => (string)o["type"] == "get_editor_state_response"));
                    Assert.AreEqual("cancelled", editor.Link.Snapshot().RecentCommands[0].Outcome);
                }
                else
                {
                    // 1.0: no cancel; the late answer is sent and the server drops it.
                    editor.Main.RunUntil(() => editor.Sockets.Frames("out").Any(o => (string)o["type"] == "get_editor_state_response"), "the late answer", editor.Link, 30);
                    Assert.AreEqual(1, editor.RunsOf("get_editor_state"));
                }
                Assert.AreEqual(LinkState.Connected, editor.Link.State);
                editor.Link.Stop("test over");
            }
        }
    }
}
