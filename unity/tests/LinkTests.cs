// EditorLink against a scripted socket: the handshake, acks, the ledger, cancel, deferred
// answers across a simulated domain reload, events and the close-code policy.
using System;
using System.Collections.Generic;
using System.Linq;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class LinkTests
    {
        private static JObject Args(string key, object value)
        {
            var o = new JObject();
            o[key] = JToken.FromObject(value);
            return o;
        }

        private static void AddWriteScript(Rig rig)
        {
            rig.Commands.Register("write_script", args =>
            {
                rig.Count("write_script");
                var r = new JObject();
                r["path"] = args["path"];
                r["created"] = true;
                return CommandOutcome.AfterCompile(r);
            });
        }

        private static JObject Seed(FakeSocket s)
        {
            return s.Sent()[0];
        }

        [Test]
        public void SeedHandshakeIdentifiesTheProject()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            JObject seed = Seed(s);
            Assert.AreEqual("/home/dev/Projects/Alpha", (string)seed["project_path"]);
            Assert.AreEqual(Handshake.DeriveSessionId("/home/dev/Projects/Alpha"), (string)seed["session_id"]);
            Assert.AreEqual(1, (long)seed["conn_seq"]);
            Assert.AreEqual("6000.0.1f1", (string)seed["unity_version"]);
            CollectionAssert.Contains(((JArray)seed["capabilities"]).ToObject<string[]>(), "dedup");
            Assert.AreEqual("/ws/unity", s.Uri.AbsolutePath);
            Assert.AreEqual(LinkState.Connected, rig.Link.Snapshot().State);
        }

        [Test]
        public void TokenGoesInTheQueryString()
        {
            var rig = new Rig();
            rig.Options = new LinkOptions { ServerUrl = "ws://127.0.0.1:1/ws/unity", ProjectPath = rig.ProjectPath, Token = "tok" };
            FakeSocket s = rig.Connect();
            Assert.AreEqual("?token=tok", s.Uri.Query);
        }

        [Test]
        public void ConnSeqKeepsRisingAcrossReloadsAndRestarts()
        {
            var rig = new Rig();
            rig.Connect();
            rig.Reload();
            Assert.AreEqual(2, (long)Seed(rig.Sockets.Last)["conn_seq"]);
            rig.Link.Stop("editor quits");
            rig.ReloadStore = new MemoryStore(); // an editor restart loses SessionState
            rig.Build();
            FakeSocket s = rig.Connect();
            Assert.AreEqual(3, (long)Seed(s)["conn_seq"]);
            Assert.AreEqual("3", rig.ProjectStore.Get(EditorLink.KeyConnSeq));
        }

        [Test]
        public void TheSessionSecretIsKeptAndPresentedNextTime()
        {
            var rig = new Rig();
            FakeSocket first = rig.Connect("secret-1");
            Assert.IsNull(Seed(first)["session_secret"]);
            Assert.AreEqual("secret-1", rig.ProjectStore.Get(EditorLink.KeySecret));
            rig.Reload();
            Assert.AreEqual("secret-1", (string)Seed(rig.Sockets.Last)["session_secret"]);
        }

        [Test]
        public void HbIsAnsweredWithPongOfTheSameId()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushEnvelope("hb", "hb-1", null);
            rig.Main.RunUntil(() => s.SentOfType("pong").Count == 1, "pong");
            Assert.AreEqual("hb-1", (string)s.SentOfType("pong")[0]["id"]);
        }

        [Test]
        public void ACommandIsAckedBeforeItIsAnswered()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", Args("x", 5));
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "the answer");
            List<JObject> sent = s.Sent();
            int ack = sent.FindIndex(o => (string)o["type"] == "ack" && (string)o["id"] == "r1");
            int answer = sent.FindIndex(o => (string)o["type"] == "echo_response");
            Assert.That(ack, Is.GreaterThan(0));
            Assert.That(answer, Is.GreaterThan(ack));
            Assert.AreEqual("echo", (string)sent[ack]["body"]["type"]);
            JObject body = (JObject)sent[answer]["body"];
            Assert.AreEqual("r1", (string)body["request_id"]);
            Assert.AreEqual(5, (int)body["echo"]["x"]);
            Assert.IsNull(body["echo"]["request_id"], "the handler gets the params without request_id");
            Assert.AreEqual(rig.Link.SessionId, (string)sent[answer]["session"]);
        }

        [Test]
        public void AnUnknownCommandIsAnErrorNamingIt()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("make_coffee", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "the answer");
            JObject body = (JObject)rig.Answers(s, "r1")[0]["body"];
            Assert.AreEqual(false, (bool)body["success"]);
            StringAssert.Contains("make_coffee", (string)body["error"]);
        }

        [Test]
        public void HandlerFailuresBecomeErrorsAndNeverEscape()
        {
            var rig = new Rig();
            rig.Commands.Register("refuse", a => { throw new CommandException("no such object 'Cube'"); });
            rig.Commands.Register("crash", a => { throw new NullReferenceException("oops"); });
            rig.Commands.Register("nothing", a => null);
            FakeSocket s = rig.Connect();
            s.PushCommand("refuse", "r1", null);
            s.PushCommand("crash", "r2", null);
            s.PushCommand("nothing", "r3", null);
            s.PushCommand("echo", "r4", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r4").Count == 1, "the last answer");
            Assert.AreEqual("no such object 'Cube'", (string)rig.Answers(s, "r1")[0]["body"]["error"]);
            StringAssert.Contains("NullReferenceException: oops", (string)rig.Answers(s, "r2")[0]["body"]["error"]);
            StringAssert.Contains("gave no result", (string)rig.Answers(s, "r3")[0]["body"]["error"]);
            Assert.IsTrue(rig.Log.Snapshot().Any(l => l.StartsWith("error: crash failed", StringComparison.Ordinal)));
            Assert.AreEqual(LinkState.Connected, rig.Link.State);
        }

        [Test]
        public void ADuplicateIsAckedAgainAndAnsweredAgainButNeverRunTwice()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", Args("n", 1));
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "first answer");
            s.PushCommand("echo", "r1", Args("n", 2));
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 2, "second answer");
            Assert.AreEqual(1, rig.RunsOf("echo"));
            Assert.AreEqual(2, s.SentOfType("ack").Count(o => (string)o["id"] == "r1"));
            List<JObject> answers = rig.Answers(s, "r1");
            Assert.AreEqual(1, (int)answers[1]["body"]["echo"]["n"], "the stored result, not a new run");
        }

        [Test]
        public void AHugeResultIsSentWholeButAResendGetsTheSizeError()
        {
            var rig = new Rig();
            rig.Commands.Register("big", a =>
            {
                rig.Count("big");
                var r = new JObject();
                r["blob"] = new string('x', RequestLedger.DefaultMaxAnswerChars + 10);
                return CommandOutcome.Done(r);
            });
            FakeSocket s = rig.Connect();
            s.PushCommand("big", "b1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "b1").Count == 1, "first answer");
            Assert.AreEqual(RequestLedger.DefaultMaxAnswerChars + 10, ((string)rig.Answers(s, "b1")[0]["body"]["blob"]).Length);
            s.PushCommand("big", "b1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "b1").Count == 2, "answer to the resend");
            JObject again = (JObject)rig.Answers(s, "b1")[1]["body"];
            Assert.AreEqual(false, (bool)again["success"]);
            StringAssert.Contains("larger than", (string)again["error"]);
            Assert.AreEqual(1, rig.RunsOf("big"));
        }

        [Test]
        public void ADuplicateOfADeferredCommandIsOnlyAcked()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            rig.Probe.IsCompiling = true;
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => s.SentOfType("ack").Count(o => (string)o["id"] == "w1") == 2, "second ack");
            rig.Link.Tick();
            rig.Main.RunPending();
            Assert.AreEqual(1, rig.RunsOf("write_script"));
            Assert.AreEqual(0, rig.Answers(s, "w1").Count);
        }

        [Test]
        public void ADuplicateAcrossAReloadIsNeverRunTwice()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", Args("n", 1));
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "answer");
            FakeSocket after = rig.Reload(); // the core is torn down and rebuilt from the stores
            after.PushCommand("echo", "r1", Args("n", 1));
            // The old answer may also go out again from the unsent list: duplicates are harmless.
            rig.Main.RunUntil(() => after.SentOfType("ack").Any(o => (string)o["id"] == "r1") && rig.Answers(after, "r1").Count >= 1, "stored answer");
            rig.Main.RunPending();
            Assert.AreEqual(1, rig.RunsOf("echo"));
            Assert.IsTrue(rig.Answers(after, "r1").All(o => (int)o["body"]["echo"]["n"] == 1));
        }

        [Test]
        public void ACommandCutOffByAReloadIsNeverRunAgainAndAResendIsToldSo()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "answer");
            // Simulate an editor that went away inside a handler: the ledger holds r2 as
            // received, with no answer and no deferred entry.
            var ledger = new RequestLedger();
            string problem;
            rig.Link.PrepareForReload();
            ledger.Load(rig.ReloadStore.Get(EditorLink.KeyLedger), rig.Clock.NowMs, out problem);
            ledger.Admit("r2", "echo", rig.Clock.NowMs);
            rig.ReloadStore.Set(EditorLink.KeyLedger, ledger.Save());
            rig.Link = null;
            rig.Build();
            FakeSocket after = rig.Connect();
            after.PushCommand("echo", "r2", null);
            rig.Main.RunUntil(() => rig.Answers(after, "r2").Count == 1, "answer to the resend");
            StringAssert.Contains("interrupted by a domain reload", (string)rig.Answers(after, "r2")[0]["body"]["error"]);
            Assert.AreEqual(1, rig.RunsOf("echo"), "r2 never ran");
        }

        [Test]
        public void CommandsQueuedBehindAReloadRunOnceWhenSentAgain()
        {
            var rig = new Rig();
            rig.Commands.Register("reload_now", a =>
            {
                rig.Count("reload_now");
                rig.Link.PrepareForReload(); // the domain goes away before the queue is done
                return CommandOutcome.Done(null);
            });
            FakeSocket s = rig.Connect();
            s.PushCommand("reload_now", "r1", null);
            s.PushCommand("echo", "r2", null);
            s.PushEnvelope("hb", "marker", null);
            DateTime end = DateTime.UtcNow.AddSeconds(20);
            while (s.SentOfType("pong").Count == 0)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(end), "pong");
                System.Threading.Thread.Sleep(2);
            }
            rig.Main.RunPending(); // both frames in one drain: r1 runs, r2 is still queued
            Assert.AreEqual(1, rig.RunsOf("reload_now"));
            Assert.AreEqual(0, rig.RunsOf("echo"));
            rig.Link = null;
            rig.Build();
            FakeSocket after = rig.Connect();
            after.PushCommand("echo", "r2", null); // the server sends it again after the reload
            rig.Main.RunUntil(() => rig.Answers(after, "r2").Count == 1, "r2 answered");
            Assert.AreEqual(1, rig.RunsOf("echo"));
            Assert.IsNull(rig.Answers(after, "r2")[0]["body"]["error"]);
        }

        [Test]
        public void CancelDropsACommandThatHasNotStarted()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", null);
            s.PushEnvelope("cancel", "c1", Args("request_id", "r1"));
            s.PushEnvelope("hb", "marker", null);
            // The reader answers hb itself: once the pong is out, both frames wait for the main thread.
            DateTime end = DateTime.UtcNow.AddSeconds(20);
            while (s.SentOfType("pong").Count == 0)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(end), "pong");
                System.Threading.Thread.Sleep(2);
            }
            rig.Main.RunPending();
            Assert.AreEqual(0, rig.RunsOf("echo"));
            Assert.AreEqual(0, rig.Answers(s, "r1").Count, "a cancelled command is not answered");
            Assert.AreEqual("cancelled", rig.Link.Snapshot().RecentCommands[0].Outcome);
            s.PushCommand("echo", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "answer to the resend");
            Assert.AreEqual("cancelled before it started", (string)rig.Answers(s, "r1")[0]["body"]["error"]);
            Assert.AreEqual(0, rig.RunsOf("echo"));
        }

        [Test]
        public void CancelOfAFinishedCommandChangesNothing()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "answer");
            s.PushEnvelope("cancel", "c1", Args("request_id", "r1"));
            s.PushCommand("echo", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 2, "again");
            Assert.IsNull(rig.Answers(s, "r1")[1]["body"]["error"]);
        }

        [Test]
        public void CompileErrorsAnswerTheDeferredCommandAndSendCompileFinished()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Probe.IsCompiling = true;
            rig.Link.NotifyCompileStarted();
            rig.Link.Tick();
            rig.Probe.IsCompiling = false;
            rig.Link.NotifyCompileFinished(new List<CompilerMessageInfo> { new CompilerMessageInfo("Assets/A.cs", 3, 7, "} expected", true) });
            rig.Main.RunUntil(() => rig.Answers(s, "w1").Count == 1, "answer");
            JObject body = (JObject)rig.Answers(s, "w1")[0]["body"];
            Assert.AreEqual(false, (bool)body["compiled"]);
            Assert.AreEqual(3, (int)body["errors"][0]["line"]);
            Assert.AreEqual("Assets/A.cs", (string)body["path"]);
            Assert.AreEqual(1, s.SentOfType("compile_started").Count);
            JObject finished = s.SentOfType("compile_finished").Single();
            Assert.AreEqual(false, (bool)finished["body"]["success"]);
            Assert.AreEqual("} expected", (string)finished["body"]["errors"][0]["message"]);
            Assert.AreEqual(7, (int)finished["body"]["errors"][0]["column"]);
        }

        [Test]
        public void ASuccessfulCompileIsAnsweredAfterTheReloadWithTheOriginalId()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Probe.IsCompiling = true;
            rig.Link.Tick();
            rig.Link.NotifyCompileFinished(new List<CompilerMessageInfo>());
            FakeSocket after = rig.Reload();
            rig.Main.RunUntil(() => rig.Answers(after, "w1").Count == 1, "answer on the new connection");
            Assert.AreEqual(0, rig.Answers(s, "w1").Count, "nothing on the old socket");
            JObject body = (JObject)rig.Answers(after, "w1")[0]["body"];
            Assert.AreEqual(true, (bool)body["compiled"]);
            Assert.AreEqual(0, ((JArray)body["errors"]).Count);
            Assert.AreEqual("w1", (string)body["request_id"]);
            Assert.That((long)Seed(after)["conn_seq"], Is.GreaterThan((long)Seed(s)["conn_seq"]));
            Assert.AreEqual(1, rig.RunsOf("write_script"));
            Assert.AreEqual(ClosePolicy.GoingAway, s.CloseCode, "PrepareForReload closes with 1001");
            // compile_finished again on the new connection, before the answer.
            List<JObject> sent = after.Sent();
            int finished = sent.FindIndex(o => (string)o["type"] == "compile_finished");
            Assert.That(finished, Is.GreaterThan(0));
            Assert.AreEqual(true, (bool)sent[finished]["body"]["success"]);
            Assert.That(sent.FindIndex(o => (string)o["type"] == "write_script_response"), Is.GreaterThan(finished));
        }

        [Test]
        public void AHandOverKeepsADeferredCommandWaitingForItsCompile()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Probe.IsCompiling = true;
            rig.Link.HandOver(); // settings applied: a new link, no domain reload
            rig.Link = null;
            rig.Build();
            FakeSocket after = rig.Connect();
            Assert.AreEqual(1, rig.Link.DeferredCount, "still waiting: no reload happened");
            rig.Link.NotifyCompileFinished(new List<CompilerMessageInfo> { new CompilerMessageInfo("Assets/A.cs", 2, 1, "; expected", true) });
            rig.Main.RunUntil(() => rig.Answers(after, "w1").Count == 1, "answer");
            Assert.AreEqual(false, (bool)rig.Answers(after, "w1")[0]["body"]["compiled"]);
            Assert.AreEqual(1, rig.RunsOf("write_script"));
            Assert.AreEqual(2, (long)Seed(after)["conn_seq"]);
        }

        [Test]
        public void NothingToCompileAnswersOnceTheEditorStaysQuiet()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            for (int i = 0; i < 5; i++)
            {
                rig.Clock.Advance(100);
                rig.Link.Tick();
            }
            rig.Main.RunPending();
            Assert.AreEqual(0, rig.Answers(s, "w1").Count, "400 ms of quiet is not enough");
            rig.Clock.Advance(200);
            rig.Link.Tick();
            rig.Main.RunUntil(() => rig.Answers(s, "w1").Count == 1, "answer");
            Assert.AreEqual(true, (bool)rig.Answers(s, "w1")[0]["body"]["compiled"]);
        }

        [Test]
        public void NothingToCompileInAProjectThatDoesNotCompileIsNotCompiledTrue()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            rig.Probe.HasCompileErrors = true; // errors from before this link (an editor restart)
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            for (int i = 0; i < 6; i++)
            {
                rig.Clock.Advance(100);
                rig.Link.Tick();
            }
            rig.Main.RunUntil(() => rig.Answers(s, "w1").Count == 1, "answer");
            JObject body = (JObject)rig.Answers(s, "w1")[0]["body"];
            Assert.AreEqual(false, (bool)body["compiled"]);
            JObject error = (JObject)((JArray)body["errors"]).Single();
            Assert.AreEqual(EditorLink.StandingErrorMessage, (string)error["message"]);
            Assert.AreEqual("error", (string)error["severity"]);
            Assert.AreEqual("", (string)error["file"]);
        }

        [Test]
        public void NothingToCompileAfterAFailedCompileReportsThatCompilesErrors()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Link.NotifyCompileStarted();
            rig.Link.NotifyCompileFinished(new List<CompilerMessageInfo>
            {
                new CompilerMessageInfo("Assets/A.cs", 4, 2, "; expected", true),
                new CompilerMessageInfo("Assets/B.cs", 9, 1, "unused variable", false),
            });
            rig.Main.RunUntil(() => rig.Answers(s, "w1").Count == 1, "w1 answered by the failed compile");
            rig.Probe.HasCompileErrors = true;
            // A change that compiles nothing (the same broken file again, say).
            s.PushCommand("write_script", "w2", Args("path", "Assets/Other.txt"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "w2 deferred");
            for (int i = 0; i < 6; i++)
            {
                rig.Clock.Advance(100);
                rig.Link.Tick();
            }
            rig.Main.RunUntil(() => rig.Answers(s, "w2").Count == 1, "w2 answered");
            JObject body = (JObject)rig.Answers(s, "w2")[0]["body"];
            Assert.AreEqual(false, (bool)body["compiled"]);
            JObject error = (JObject)((JArray)body["errors"]).Single(); // the warning is left out
            Assert.AreEqual("Assets/A.cs", (string)error["file"]);
            Assert.AreEqual(4, (int)error["line"]);
            Assert.AreEqual("; expected", (string)error["message"]);
            // Fixed: the probe clears, and nothing to compile is compiled=true again.
            rig.Probe.HasCompileErrors = false;
            s.PushCommand("write_script", "w3", Args("path", "Assets/Other.txt"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "w3 deferred");
            for (int i = 0; i < 6; i++)
            {
                rig.Clock.Advance(100);
                rig.Link.Tick();
            }
            rig.Main.RunUntil(() => rig.Answers(s, "w3").Count == 1, "w3 answered");
            Assert.AreEqual(true, (bool)rig.Answers(s, "w3")[0]["body"]["compiled"]);
        }

        [Test]
        public void APlayModeChangeIsAnsweredOnceOverEvenAcrossAReload()
        {
            var rig = new Rig();
            rig.Commands.Register("set_play_mode", a =>
            {
                rig.Count("set_play_mode");
                var r = new JObject();
                r["is_playing"] = true;
                r["is_paused"] = false;
                return CommandOutcome.AfterPlayModeChange(r);
            });
            FakeSocket s = rig.Connect();
            rig.Probe.IsChangingPlayMode = true;
            s.PushCommand("set_play_mode", "p1", Args("action", "play"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            for (int i = 0; i < 5; i++)
            {
                rig.Clock.Advance(300);
                rig.Link.Tick();
            }
            Assert.AreEqual(0, rig.Answers(s, "p1").Count, "still changing");
            FakeSocket after = rig.Reload(); // entering play mode reloaded the domain
            Assert.AreEqual(1, rig.Link.DeferredCount, "the command survived the reload");
            rig.Probe.IsChangingPlayMode = false;
            for (int i = 0; i < 4; i++)
            {
                rig.Clock.Advance(200);
                rig.Link.Tick();
            }
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "answer on the new connection");
            Assert.AreEqual(true, (bool)rig.Answers(after, "p1")[0]["body"]["is_playing"]);
            Assert.AreEqual(1, rig.RunsOf("set_play_mode"));
        }

        [Test]
        public void StopWhileConnectingLeavesNoSocketBehind()
        {
            var rig = new Rig();
            rig.Start();
            rig.Link.Stop("stopped at once");
            rig.Main.RunUntil(() => rig.Sockets.Count == 1 && rig.Sockets.Last.Aborted, "socket dropped");
            rig.Clock.Advance(60000);
            rig.Link.Tick();
            rig.Main.RunPending();
            Assert.AreEqual(LinkState.Stopped, rig.Link.State);
            Assert.AreEqual(1, rig.Sockets.Count);
            Assert.IsFalse(rig.Log.Snapshot().Any(l => l.StartsWith("error:", StringComparison.Ordinal)), string.Join("\n", rig.Log.Snapshot()));
        }

        [Test]
        public void AnAnswerThatCouldNotBeSentGoesOutAfterTheReconnect()
        {
            var rig = new Rig();
            AddWriteScript(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("write_script", "w1", Args("path", "Assets/A.cs"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            s.ServerClose(1001, "server restarting");
            rig.Main.RunUntil(() => rig.Link.State == LinkState.WaitingToRetry, "waiting to retry");
            rig.Clock.Advance(1000);
            rig.Link.Tick(); // settles the command while disconnected (and connects again)
            for (int i = 0; i < 3; i++)
            {
                rig.Clock.Advance(200);
                rig.Link.Tick();
            }
            rig.Main.RunUntil(() => rig.Sockets.Count == 2 && rig.Sockets.Last.Sent().Count > 0, "reconnect");
            FakeSocket after = rig.Sockets.Last;
            Assert.AreEqual(0, rig.Answers(after, "w1").Count, "not before the welcome");
            after.PushWelcome(null);
            rig.Main.RunUntil(() => rig.Answers(after, "w1").Count == 1, "answer after welcome");
            Assert.AreEqual(0, rig.Answers(s, "w1").Count);
        }

        [Test]
        public void EventsWaitForTheWelcomeAndTheQueueIsBounded()
        {
            var rig = new Rig();
            rig.Start();
            for (int i = 0; i < EditorLink.MaxQueuedEvents + 10; i++)
            {
                rig.Link.SendEvent("selection_changed", Args("n", i));
            }
            FakeSocket s = rig.Connect();
            rig.Main.RunUntil(() => s.SentOfType("selection_changed").Count == EditorLink.MaxQueuedEvents, "flushed events");
            List<JObject> events = s.SentOfType("selection_changed");
            Assert.AreEqual(10, (int)events[0]["body"]["n"], "the oldest were dropped");
            Assert.AreEqual(EditorLink.MaxQueuedEvents + 9, (int)events[events.Count - 1]["body"]["n"]);
            Assert.IsTrue(rig.Log.Snapshot().Any(l => l.Contains("10 editor event(s) were dropped")));
            rig.Link.SendEvent("scene_saved", Args("path", "Assets/S.unity"));
            rig.Main.RunUntil(() => s.SentOfType("scene_saved").Count == 1, "a live event");
        }

        [Test]
        public void EventsStuckInTheQueueAtAReloadGoOutOnTheNextConnection()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.HoldSends = true; // the network stalls: the first event stays in flight
            rig.Link.SendEvent("selection_changed", Args("n", 1));
            rig.Link.SendEvent("selection_changed", Args("n", 2));
            FakeSocket after = rig.Reload();
            rig.Main.RunUntil(() => after.SentOfType("selection_changed").Count == 1, "the queued event on the new socket");
            Assert.AreEqual(2, (int)after.SentOfType("selection_changed")[0]["body"]["n"]);
            Assert.AreEqual(0, s.SentOfType("selection_changed").Count);
        }

        [Test]
        public void SupersededStopsAndSaysWhy()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.ServerClose(4001, "superseded by conn_seq 9 (was 1)");
            rig.Main.RunUntil(() => rig.Link.State == LinkState.Stopped, "stopped");
            StringAssert.Contains("another editor of this project (4001)", rig.Link.Snapshot().LastProblem);
            rig.Clock.Advance(60000);
            rig.Link.Tick();
            rig.Main.RunPending();
            Assert.AreEqual(1, rig.Sockets.Count, "no reconnect after 4001");
        }

        [TestCase(4003)]
        [TestCase(4006)]
        public void AuthAndProjectMismatchStop(int code)
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.ServerClose(code, "reason " + code);
            rig.Main.RunUntil(() => rig.Link.State == LinkState.Stopped, "stopped");
            StringAssert.Contains("reason " + code, rig.Link.Snapshot().LastProblem);
            rig.Clock.Advance(60000);
            rig.Link.Tick();
            Assert.AreEqual(1, rig.Sockets.Count);
        }

        [Test]
        public void DuplicateSessionRetriesAtOnceAboveTheLiveConnSeq()
        {
            var rig = new Rig();
            rig.Start();
            rig.Main.RunUntil(() => rig.Sockets.Count == 1 && rig.Sockets.Last.Sent().Count > 0, "seed");
            rig.Sockets.Last.ServerClose(4002, "duplicate_session: conn_seq 1 is not newer than 41");
            rig.Main.RunUntil(() => rig.Sockets.Count == 2 && rig.Sockets.Last.Sent().Count > 0, "immediate retry");
            Assert.AreEqual(42, (long)Seed(rig.Sockets.Last)["conn_seq"]);
        }

        [Test]
        public void OtherClosesBackOffAndReconnect()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.ServerClose(1001, "server shutting down");
            rig.Main.RunUntil(() => rig.Link.State == LinkState.WaitingToRetry, "waiting");
            StringAssert.Contains("1001", rig.Link.Snapshot().LastProblem);
            rig.Clock.Advance(200);
            rig.Link.Tick();
            rig.Main.RunPending();
            Assert.AreEqual(1, rig.Sockets.Count, "not before the first backoff delay");
            rig.Clock.Advance(100);
            rig.Link.Tick();
            rig.Main.RunUntil(() => rig.Sockets.Count == 2 && rig.Sockets.Last.Sent().Count > 0, "reconnect");
            Assert.AreEqual(2, (long)Seed(rig.Sockets.Last)["conn_seq"]);
        }

        [Test]
        public void FailedConnectsBackOffLonger()
        {
            var rig = new Rig();
            rig.Sockets.FailConnect = true;
            rig.Start();
            rig.Main.RunUntil(() => rig.Link.State == LinkState.WaitingToRetry, "first failure");
            StringAssert.Contains("could not connect", rig.Link.Snapshot().LastProblem);
            rig.Clock.Advance(250);
            rig.Link.Tick();
            rig.Main.RunUntil(() => rig.Sockets.Count == 2 && rig.Link.State == LinkState.WaitingToRetry, "second failure");
            rig.Clock.Advance(250);
            rig.Link.Tick();
            Assert.AreEqual(2, rig.Sockets.Count, "the second delay is longer than the first");
            rig.Clock.Advance(250);
            rig.Link.Tick();
            rig.Main.RunUntil(() => rig.Sockets.Count == 3, "third attempt");
        }

        [Test]
        public void ABadFrameGetsAnErrorBackAndTheLinkStaysUp()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.Push("{\"type\":\"get_hierarchy\",\"id\":\"r1\",\"body\":[1]}");
            rig.Main.RunUntil(() => s.SentOfType("error").Count == 1, "error back");
            JObject err = s.SentOfType("error")[0];
            Assert.AreEqual("invalid_body", (string)err["body"]["code"]);
            Assert.AreEqual("r1", (string)err["body"]["ref_id"]);
            s.PushCommand("echo", "r2", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r2").Count == 1, "still serving");
        }

        [Test]
        public void ReconnectDropsTheSocketAndConnectsAgainAtOnce()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            s.ServerClose(4001, "superseded");
            rig.Main.RunUntil(() => rig.Link.State == LinkState.Stopped, "stopped");
            rig.Link.Reconnect();
            rig.Main.RunUntil(() => rig.Sockets.Count == 2 && rig.Sockets.Last.Sent().Count > 0, "new socket");
            Assert.IsNull(rig.Link.Snapshot().LastProblem);
            Assert.AreEqual(LinkState.Connecting, rig.Link.State);
        }

        [Test]
        public void StopMeansNoMoreReconnects()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            rig.Link.Stop("disabled in the window");
            rig.Main.RunUntil(() => s.Aborted, "socket closed");
            rig.Clock.Advance(60000);
            rig.Link.Tick();
            rig.Main.RunPending();
            Assert.AreEqual(LinkState.Stopped, rig.Link.State);
            Assert.AreEqual("disabled in the window", rig.Link.Snapshot().LastProblem);
            Assert.AreEqual(1, rig.Sockets.Count);
        }

        [Test]
        public void RecentCommandsAreNewestFirstAndBounded()
        {
            var rig = new Rig();
            FakeSocket s = rig.Connect();
            for (int i = 0; i < EditorLink.MaxRecentCommands + 5; i++)
            {
                s.PushCommand("echo", "r" + i, null);
            }
            string last = "r" + (EditorLink.MaxRecentCommands + 4);
            rig.Main.RunUntil(() => rig.Answers(s, last).Count == 1, "all answered");
            IList<CommandRecord> recent = rig.Link.Snapshot().RecentCommands;
            Assert.AreEqual(EditorLink.MaxRecentCommands, recent.Count);
            Assert.AreEqual(last, recent[0].RequestId);
            Assert.AreEqual("ok", recent[0].Outcome);
            Assert.AreEqual("echo", recent[0].Command);
        }

        [Test]
        public void ABrokenChangedListenerDoesNotBreakTheLink()
        {
            var rig = new Rig();
            rig.Build();
            int calls = 0;
            rig.Link.Changed += () =>
            {
                calls++;
                throw new InvalidOperationException("window gone");
            };
            FakeSocket s = rig.Connect();
            s.PushCommand("echo", "r1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "r1").Count == 1, "answer");
            Assert.That(calls, Is.GreaterThan(0));
            Assert.IsTrue(rig.Log.Snapshot().Any(l => l.Contains("Changed listener failed")));
        }

        [Test]
        public void TheCoreSendsItsOwnHeartbeatWhenIdle()
        {
            var rig = new Rig();
            rig.Options = new LinkOptions { ServerUrl = "ws://127.0.0.1:1/ws/unity", ProjectPath = rig.ProjectPath, HeartbeatMs = 60 };
            FakeSocket s = rig.Connect();
            rig.Main.RunUntil(() => s.SentOfType("hb").Count >= 1, "an hb");
            Assert.AreEqual(rig.Link.SessionId, (string)s.SentOfType("hb")[0]["session"]);
        }

        [Test]
        public void NoWelcomeInTimeDropsTheSocketAndRetries()
        {
            var rig = new Rig();
            rig.Options = new LinkOptions { ServerUrl = "ws://127.0.0.1:1/ws/unity", ProjectPath = rig.ProjectPath, WelcomeTimeoutMs = 100 };
            rig.Start();
            rig.Main.RunUntil(() => rig.Link.State == LinkState.WaitingToRetry, "gave up on the silent server");
            Assert.IsTrue(rig.Sockets.Last.Aborted);
        }

        [Test]
        public void ConstructorRefusesMissingServices()
        {
            Assert.Throws<ArgumentException>(() => new EditorLink(new LinkOptions { ProjectPath = "/p" }, new LinkServices(), new CommandTable()));
            Assert.Throws<ArgumentException>(() => new EditorLink(new LinkOptions(), new LinkServices(), new CommandTable()));
        }
    }
}
