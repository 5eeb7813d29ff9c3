// CommandOutcome.AwaitCallback and EditorLink.CompleteDeferred on the fake clock: a command
// answered by a host callback (a PlayMode test run's RunFinished), before and after a
// simulated domain reload, exactly once, with a timeout; and the synchronous path unchanged.
using System;
using System.Collections.Generic;
using System.Linq;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class AwaitCallbackTests
    {
        private const string Key = "run_tests:k1";

        /// <summary>run_tests as the editor layer shapes it: EditMode answers now, PlayMode waits for Key.</summary>
        private static void AddRunTests(Rig rig, long timeoutMs = 60000, string key = Key)
        {
            rig.Commands.Register("run_tests", args =>
            {
                rig.Count("run_tests");
                string mode = (string)args["mode"];
                if (mode == "EditMode")
                {
                    return CommandOutcome.Done(Counts(mode, 2, 1, true));
                }
                return CommandOutcome.AwaitCallback(key, Counts(mode, 0, 0, false), timeoutMs,
                    "the PlayMode run did not report its end within " + (timeoutMs / 1000) + " s");
            });
        }

        private static JObject Counts(string mode, int passed, int failed, bool complete)
        {
            var r = new JObject();
            r["mode"] = mode;
            r["passed"] = passed;
            r["failed"] = failed;
            r["complete"] = complete;
            return r;
        }

        private static JObject Mode(string mode)
        {
            var o = new JObject();
            o["mode"] = mode;
            return o;
        }

        private static JObject Body(Rig rig, FakeSocket s, string rid)
        {
            return (JObject)rig.Answers(s, rid).Single()["body"];
        }

        private static void TickQuietly(Rig rig, int ticks, long stepMs)
        {
            for (int i = 0; i < ticks; i++)
            {
                rig.Clock.Advance(stepMs);
                rig.Link.Tick();
            }
            rig.Main.RunPending();
        }

        private static bool Logged(Rig rig, string level, string part)
        {
            return rig.Log.Snapshot().Any(l => l.StartsWith(level + ": ", StringComparison.Ordinal) && l.Contains(part));
        }

        [Test]
        public void TheEditModePathIsStillAnsweredAtOnce()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "e1", Mode("EditMode"));
            rig.Main.RunUntil(() => rig.Answers(s, "e1").Count == 1, "answer");
            JObject body = Body(rig, s, "e1");
            Assert.AreEqual(2, (int)body["passed"]);
            Assert.AreEqual(true, (bool)body["complete"]);
            Assert.AreEqual(0, rig.Link.DeferredCount);
        }

        [Test]
        public void QuietDoesNotAnswerItOnlyItsCompletionDoes()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            Assert.IsTrue(rig.Link.IsAwaiting(Key));
            TickQuietly(rig, 20, 1000); // long quiet: an AfterPlayModeChange would have settled here
            Assert.AreEqual(0, rig.Answers(s, "p1").Count, "the run has not reported its end");
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 7, 2, true)));
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "answer");
            JObject body = Body(rig, s, "p1");
            Assert.AreEqual(7, (int)body["passed"]);
            Assert.AreEqual(2, (int)body["failed"]);
            Assert.AreEqual(true, (bool)body["complete"]);
            Assert.AreEqual("PlayMode", (string)body["mode"]);
            Assert.AreEqual("p1", (string)body["request_id"]);
            Assert.AreEqual(0, rig.Link.DeferredCount);
            Assert.IsFalse(rig.Link.IsAwaiting(Key));
        }

        [Test]
        public void TheCompletionIsLaidOverTheBaseResult()
        {
            var rig = new Rig();
            rig.Commands.Register("job", a =>
            {
                var b = new JObject();
                b["job"] = "J";
                b["state"] = "running";
                return CommandOutcome.AwaitCallback("job:1", b, 60000);
            });
            FakeSocket s = rig.Connect();
            s.PushCommand("job", "j1", null);
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            var done = new JObject();
            done["state"] = "done";
            done["extra"] = 3;
            rig.Link.CompleteDeferred("job:1", done);
            rig.Main.RunUntil(() => rig.Answers(s, "j1").Count == 1, "answer");
            JObject body = Body(rig, s, "j1");
            Assert.AreEqual("J", (string)body["job"], "kept from the base");
            Assert.AreEqual("done", (string)body["state"], "replaced by the completion");
            Assert.AreEqual(3, (int)body["extra"], "added by the completion");
        }

        [Test]
        public void ItSurvivesADomainReloadAndIsAnsweredOnTheNewConnection()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            FakeSocket after = rig.Reload(); // entering play mode reloaded the domain
            Assert.AreEqual(1, rig.Link.DeferredCount, "the wait survived the reload");
            Assert.IsTrue(rig.Link.IsAwaiting(Key));
            // The server sends it again on the new connection (dedup): acked, not run again.
            after.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => after.SentOfType("ack").Any(a => (string)a["id"] == "p1"), "ack of the resend");
            TickQuietly(rig, 10, 1000);
            Assert.AreEqual(0, rig.Answers(after, "p1").Count);
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 4, 0, true)));
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "answer on the new connection");
            Assert.AreEqual(0, rig.Answers(s, "p1").Count, "nothing on the old socket");
            JObject body = Body(rig, after, "p1");
            Assert.AreEqual(4, (int)body["passed"]);
            Assert.AreEqual(true, (bool)body["complete"]);
            Assert.AreEqual(1, rig.RunsOf("run_tests"), "run once");
        }

        [Test]
        public void ItSurvivesTwoReloadsAndAHandOver()
        {
            var rig = new Rig();
            AddRunTests(rig);
            rig.Connect().PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Reload(); // into play mode
            rig.Reload(); // out of play mode
            rig.Link.HandOver(); // settings applied
            rig.Link = null;
            rig.Build();
            FakeSocket last = rig.Connect();
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 1, 1, true)));
            rig.Main.RunUntil(() => rig.Answers(last, "p1").Count == 1, "answer");
            Assert.AreEqual(1, (int)Body(rig, last, "p1")["failed"]);
        }

        [Test]
        public void ACompletionBeforeTheNewDomainsLinkStartedIsKeptUntilItHas()
        {
            var rig = new Rig();
            AddRunTests(rig);
            rig.Connect().PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Link.PrepareForReload();
            rig.Link = null;
            rig.Build(); // the new domain's link, not started yet
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 5, 0, true)), "kept for Start");
            FakeSocket after = rig.Connect();
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "answer after the welcome");
            Assert.AreEqual(5, (int)Body(rig, after, "p1")["passed"]);
            Assert.AreEqual(0, rig.Link.DeferredCount);
        }

        [Test]
        public void ACompletionBetweenPrepareForReloadAndTheReloadIsNotLost()
        {
            var rig = new Rig();
            AddRunTests(rig);
            rig.Connect().PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            EditorLink old = rig.Link;
            old.PrepareForReload();
            Assert.IsTrue(old.CompleteDeferred(Key, Counts("PlayMode", 6, 0, true)));
            rig.Link = null;
            rig.Build();
            FakeSocket after = rig.Connect();
            Assert.AreEqual(0, rig.Link.DeferredCount, "answered already, in the stores");
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "the stored answer goes out");
            Assert.AreEqual(6, (int)Body(rig, after, "p1")["passed"]);
            // and a resend is answered from the ledger, not run
            after.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 2, "answered again");
            Assert.AreEqual(1, rig.RunsOf("run_tests"));
        }

        [Test]
        public void ASecondCompletionIsIgnoredAndLogged()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 1, 0, true)));
            Assert.IsFalse(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 99, 99, true)));
            Assert.IsFalse(rig.Link.FailDeferred(Key, "late"));
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "answer");
            TickQuietly(rig, 3, 100);
            Assert.AreEqual(1, rig.Answers(s, "p1").Count, "answered exactly once");
            Assert.AreEqual(1, (int)Body(rig, s, "p1")["passed"], "the first completion wins");
            Assert.IsTrue(Logged(rig, "info", "ignored a second completion of '" + Key + "'"));
            Assert.IsFalse(rig.Log.Snapshot().Any(l => l.StartsWith("error: ", StringComparison.Ordinal)), "nothing thrown into the console");
        }

        [Test]
        public void ACompletionForAnUnknownKeyChangesNothing()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            int sentBefore = s.Sent().Count;
            Assert.IsFalse(rig.Link.CompleteDeferred("run_tests:other", Counts("PlayMode", 1, 0, true)));
            Assert.IsFalse(rig.Link.CompleteDeferred(null, null));
            Assert.IsFalse(rig.Link.FailDeferred("", "x"));
            rig.Main.RunPending();
            Assert.AreEqual(sentBefore, s.Sent().Count, "nothing sent");
            Assert.AreEqual(1, rig.Link.DeferredCount, "the real waiter still waits");
            Assert.IsTrue(Logged(rig, "warn", "ignored a completion of 'run_tests:other': no command waits for it"));
            Assert.IsTrue(Logged(rig, "warn", "a completion without a key was ignored"));
            // the link keeps serving
            s.PushCommand("echo", "e1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "e1").Count == 1, "echo");
            Assert.IsTrue(rig.Link.CompleteDeferred(Key, null));
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "the real waiter's answer");
            Assert.AreEqual(false, (bool)Body(rig, s, "p1")["complete"], "no result: the base result as it was");
        }

        [Test]
        public void NothingCompletingItIsAnsweredWithTheTimeoutError()
        {
            var rig = new Rig();
            AddRunTests(rig, 5000);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            TickQuietly(rig, 1, 4999);
            Assert.AreEqual(0, rig.Answers(s, "p1").Count, "not yet");
            TickQuietly(rig, 1, 1);
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "the timeout answer");
            JObject body = Body(rig, s, "p1");
            Assert.AreEqual(false, (bool)body["success"]);
            Assert.AreEqual("the PlayMode run did not report its end within 5 s", (string)body["error"]);
            Assert.AreEqual(0, rig.Link.DeferredCount);
            Assert.IsFalse(rig.Link.CompleteDeferred(Key, Counts("PlayMode", 1, 0, true)), "too late");
            Assert.IsTrue(Logged(rig, "info", "already answered with an error"));
            rig.Main.RunPending();
            Assert.AreEqual(1, rig.Answers(s, "p1").Count);
        }

        [Test]
        public void TheTimeoutRunsOnAcrossAReload()
        {
            var rig = new Rig();
            AddRunTests(rig, 5000);
            rig.Connect().PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Clock.Advance(3000);
            FakeSocket after = rig.Reload();
            TickQuietly(rig, 1, 1999);
            Assert.AreEqual(0, rig.Answers(after, "p1").Count, "not yet");
            TickQuietly(rig, 1, 1);
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "the timeout answer");
            Assert.AreEqual(false, (bool)Body(rig, after, "p1")["success"]);
        }

        [Test]
        public void ADeadlinePassedBeforeTheReloadIsNotRenewedByIt()
        {
            var rig = new Rig();
            AddRunTests(rig, 5000);
            rig.Connect().PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            rig.Clock.Advance(6000); // past the deadline, no tick saw it: the reload comes first
            FakeSocket after = rig.Reload();
            TickQuietly(rig, 1, 1);
            rig.Main.RunUntil(() => rig.Answers(after, "p1").Count == 1, "the timeout answer");
            Assert.AreEqual(false, (bool)Body(rig, after, "p1")["success"]);
            Assert.AreEqual("the PlayMode run did not report its end within 5 s", (string)Body(rig, after, "p1")["error"]);
        }

        [Test]
        public void AGenericTimeoutErrorNamesTheCommand()
        {
            var m = new SettleMachine();
            m.Add("r", "job", OutcomeKind.AwaitCallback, null, 0, 2000, "job:1", null);
            Assert.AreEqual(0, m.Tick(1999, false, false, false).Count);
            SettledCommand s = m.Tick(2000, false, false, false).Single();
            Assert.IsNull(s.Result);
            StringAssert.StartsWith("job did not finish within 2 s", s.Error);
            Assert.AreEqual("job:1", s.Key);
        }

        [Test]
        public void FailDeferredAnswersAnError()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            Assert.IsTrue(rig.Link.FailDeferred(Key, "the test run could not start: compile errors"));
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "answer");
            JObject body = Body(rig, s, "p1");
            Assert.AreEqual(false, (bool)body["success"]);
            Assert.AreEqual("the test run could not start: compile errors", (string)body["error"]);
        }

        [Test]
        public void TwoCommandsCannotWaitForOneKey()
        {
            var rig = new Rig();
            AddRunTests(rig);
            FakeSocket s = rig.Connect();
            s.PushCommand("run_tests", "p1", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Link.DeferredCount == 1, "deferred");
            s.PushCommand("run_tests", "p2", Mode("PlayMode"));
            rig.Main.RunUntil(() => rig.Answers(s, "p2").Count == 1, "refused");
            StringAssert.Contains("run_tests (p1) is already waiting for it", (string)Body(rig, s, "p2")["error"]);
            Assert.AreEqual(1, rig.Link.DeferredCount);
            rig.Link.CompleteDeferred(Key, null);
            rig.Main.RunUntil(() => rig.Answers(s, "p1").Count == 1, "p1 still answered");
        }

        [Test]
        public void ABadKeyIsAnErrorAnswerNotAnException()
        {
            var rig = new Rig();
            rig.Commands.Register("job", a => CommandOutcome.AwaitCallback("", null, 1000));
            FakeSocket s = rig.Connect();
            s.PushCommand("job", "j1", null);
            rig.Main.RunUntil(() => rig.Answers(s, "j1").Count == 1, "answer");
            StringAssert.Contains("AwaitCallback needs a key", (string)Body(rig, s, "j1")["error"]);
            Assert.AreEqual(0, rig.Link.DeferredCount);
        }

        [Test]
        public void CompilesAndReloadsDoNotEndIt()
        {
            var m = new SettleMachine();
            m.Add("r", "run_tests", OutcomeKind.AwaitCallback, Counts("PlayMode", 0, 0, false), 0, 60000, Key, "late");
            Assert.AreEqual(0, m.CompileFinished(new List<CompilerMessageInfo> { new CompilerMessageInfo("A.cs", 1, 1, "x", true) }, 10).Count);
            Assert.AreEqual(0, m.Reloaded(20).Count);
            Assert.AreEqual(0, m.Tick(30000, false, false, false).Count);
            var copy = new SettleMachine();
            string problem;
            copy.Load(m.Save(), out problem);
            Assert.IsNull(problem);
            DeferredCommand d = copy.FindKey(Key);
            Assert.IsNotNull(d, "the key survives the store");
            Assert.AreEqual("late", d.TimeoutError);
            Assert.AreEqual(60000, d.DeadlineMs);
            SettledCommand s = copy.Complete(Key, Counts("PlayMode", 3, 0, true), null);
            Assert.AreEqual(3, (int)s.Result["passed"]);
            Assert.IsNull(copy.Complete(Key, null, null), "exactly once");
        }
    }
}
