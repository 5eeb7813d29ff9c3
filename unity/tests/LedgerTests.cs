using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class LedgerTests
    {
        private static JObject Answer(string rid, int n)
        {
            var r = new JObject();
            r["n"] = n;
            return Envelope.ResponseBody(rid, r);
        }

        [Test]
        public void AdmitsOnceThenKnowsTheId()
        {
            var l = new RequestLedger();
            Assert.IsTrue(l.Admit("r1", "echo", 0));
            Assert.IsFalse(l.Admit("r1", "echo", 5));
            Assert.AreEqual(LedgerState.Received, l.Find("r1").State);
            Assert.IsNull(l.Find("r2"));
        }

        [Test]
        public void RecordsTheAnswer()
        {
            var l = new RequestLedger();
            l.Admit("r1", "echo", 0);
            l.Record("r1", "echo_response", Answer("r1", 4));
            LedgerEntry e = l.Find("r1");
            Assert.AreEqual(LedgerState.Answered, e.State);
            Assert.AreEqual(4, (int)e.Answer["n"]);
            Assert.AreEqual("echo_response", e.AnswerType);
            Assert.IsNull(l.Record("unknown", "x", Answer("unknown", 1)));
        }

        [Test]
        public void IsBoundedByCountOldestFirst()
        {
            var l = new RequestLedger(3, 1000000, 1000);
            for (int i = 0; i < 5; i++)
            {
                l.Admit("r" + i, "echo", i);
            }
            Assert.AreEqual(3, l.Count);
            Assert.IsNull(l.Find("r0"));
            Assert.IsNull(l.Find("r1"));
            Assert.IsNotNull(l.Find("r4"));
        }

        [Test]
        public void ForgetsEntriesPastTheAgeBound()
        {
            var l = new RequestLedger(100, 1000, 1000);
            l.Admit("old", "echo", 0);
            l.Admit("new", "echo", 900);
            l.Record("old", "echo_response", Answer("old", 1));
            l.Record("new", "echo_response", Answer("new", 2));
            l.Prune(999);
            Assert.IsNotNull(l.Find("old"));
            l.Prune(1000);
            Assert.IsNull(l.Find("old"));
            Assert.IsNotNull(l.Find("new"));
        }

        [Test]
        public void DefaultAgeCoversInterruptTimeoutPlusTheLongestCommand()
        {
            // INTERRUPT_TIMEOUT + run_tests' timeout (the longest in the catalog)
            Assert.That(RequestLedger.DefaultMaxAgeMs, Is.GreaterThanOrEqualTo((120 + 600) * 1000));
        }

        [Test]
        public void AnEntryStillWaitingForItsAnswerIsNeverAgedOut()
        {
            var l = new RequestLedger(100, 1000, 1000);
            l.Admit("waiting", "run_tests", 0);
            l.Admit("answered", "echo", 10);
            l.Record("answered", "echo_response", Answer("answered", 1));
            l.Admit("young", "echo", 5000);
            l.Prune(5000);
            Assert.IsNotNull(l.Find("waiting"), "a deferred command's id must stay: a resend must not run it again");
            Assert.IsNull(l.Find("answered"));
            Assert.IsNotNull(l.Find("young"));
            l.Record("waiting", "run_tests_response", Answer("waiting", 2));
            l.Prune(5000);
            Assert.IsNull(l.Find("waiting"), "once answered it ages out like any other");
        }

        [Test]
        public void AnOversizedAnswerIsReplacedByAnErrorSayingSo()
        {
            var l = new RequestLedger(10, 100000, 200);
            l.Admit("big", "get_hierarchy", 0);
            var r = new JObject();
            r["blob"] = new string('x', 500);
            LedgerEntry e = l.Record("big", "get_hierarchy_response", Envelope.ResponseBody("big", r));
            Assert.AreEqual(false, (bool)e.Answer["success"]);
            StringAssert.Contains("larger than the 200", (string)e.Answer["error"]);
            Assert.AreEqual("big", (string)e.Answer["request_id"]);
        }

        [Test]
        public void SaveAndLoadKeepEntriesAndAnswers()
        {
            var l = new RequestLedger();
            l.Admit("a", "echo", 10);
            l.Admit("b", "write_script", 20);
            l.Record("a", "echo_response", Answer("a", 1));
            var copy = new RequestLedger();
            string problem;
            copy.Load(l.Save(), 30, out problem);
            Assert.IsNull(problem);
            Assert.AreEqual(2, copy.Count);
            Assert.AreEqual(LedgerState.Answered, copy.Find("a").State);
            Assert.AreEqual(1, (int)copy.Find("a").Answer["n"]);
            Assert.AreEqual(LedgerState.Received, copy.Find("b").State);
            Assert.AreEqual("write_script", copy.Find("b").Command);
        }

        [Test]
        public void AClockThatWentBackKeepsEntriesLongerNeverShorter()
        {
            var l = new RequestLedger(10, 1000, 1000);
            l.Admit("a", "echo", 50000);
            l.Record("a", "echo_response", Answer("a", 1));
            var copy = new RequestLedger(10, 1000, 1000);
            string problem;
            copy.Load(l.Save(), 10, out problem); // a new process: its clock starts near zero
            copy.Prune(500);
            Assert.IsNotNull(copy.Find("a"));
            copy.Prune(1010);
            Assert.IsNull(copy.Find("a"));
        }

        [Test]
        public void ForgetRemovesOneIdAndEntriesAreOldestFirst()
        {
            var l = new RequestLedger();
            l.Admit("a", "echo", 1);
            l.Admit("b", "echo", 2);
            l.Admit("c", "echo", 3);
            Assert.IsTrue(l.Forget("b"));
            Assert.IsFalse(l.Forget("b"));
            CollectionAssert.AreEqual(new[] { "a", "c" }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(l.Entries, e => e.RequestId)));
            Assert.IsTrue(l.Admit("b", "echo", 4), "a forgotten id can be admitted again");
        }

        [TestCase("not json")]
        [TestCase("{\"a\":1}")]
        public void UnreadableStoredLedgerGivesAnEmptyOneAndAProblem(string text)
        {
            var l = new RequestLedger();
            l.Admit("x", "echo", 0);
            string problem;
            l.Load(text, 0, out problem);
            Assert.AreEqual(0, l.Count);
            Assert.IsNotNull(problem);
        }
    }

    [TestFixture]
    public class SettleMachineTests
    {
        private static readonly IList<CompilerMessageInfo> Errors = new List<CompilerMessageInfo>
        {
            new CompilerMessageInfo("Assets/Scripts/A.cs", 12, 5, "; expected", true),
            new CompilerMessageInfo("Assets/Scripts/B.cs", 3, 1, "unused variable", false),
        };

        private static JObject Base()
        {
            var b = new JObject();
            b["path"] = "Assets/Scripts/A.cs";
            b["created"] = true;
            return b;
        }

        private static List<SettledCommand> Quiet(SettleMachine m, long start, int ticks, long step)
        {
            var all = new List<SettledCommand>();
            for (int i = 0; i < ticks; i++)
            {
                all.AddRange(m.Tick(start + i * step, false, false, false));
            }
            return all;
        }

        [Test]
        public void NothingToCompileAnswersAfterEnoughQuietTicksAndTime()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 60000);
            Assert.AreEqual(0, m.Tick(0, false, false, false).Count);
            Assert.AreEqual(0, m.Tick(100, false, false, false).Count);
            Assert.AreEqual(0, m.Tick(200, false, false, false).Count, "3 ticks but only 200 ms");
            Assert.AreEqual(0, m.Tick(499, false, false, false).Count);
            List<SettledCommand> done = m.Tick(500, false, false, false);
            Assert.AreEqual(1, done.Count);
            Assert.AreEqual(true, (bool)done[0].Result["compiled"]);
            Assert.AreEqual(0, ((JArray)done[0].Result["errors"]).Count);
            Assert.AreEqual("Assets/Scripts/A.cs", (string)done[0].Result["path"]);
            Assert.AreEqual(0, m.Count);
        }

        [Test]
        public void TimeAloneIsNotEnoughWithoutTicks()
        {
            var m = new SettleMachine();
            m.Add("r", "refresh_assets", OutcomeKind.AfterCompile, null, 0, 60000);
            Assert.AreEqual(0, m.Tick(0, false, false, false).Count);
            Assert.AreEqual(0, m.Tick(5000, false, false, false).Count, "two ticks only");
            Assert.AreEqual(1, m.Tick(5001, false, false, false).Count);
        }

        [Test]
        public void BusyEditorRestartsTheQuietWindow()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 60000);
            Assert.AreEqual(0, Quiet(m, 0, 2, 300).Count);
            Assert.AreEqual(0, m.Tick(600, true, false, false).Count, "compiling");
            Assert.AreEqual(0, m.Tick(700, false, true, false).Count, "importing");
            Assert.AreEqual(0, Quiet(m, 800, 3, 100).Count, "three ticks, 200 ms");
            Assert.AreEqual(1, m.Tick(1300, false, false, false).Count);
        }

        [Test]
        public void CompileErrorsAnswerAtOnceWithCompiledFalse()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 60000);
            m.Tick(10, true, false, false);
            List<SettledCommand> done = m.CompileFinished(Errors, 20);
            Assert.AreEqual(1, done.Count);
            JObject r = done[0].Result;
            Assert.AreEqual(false, (bool)r["compiled"]);
            JArray errors = (JArray)r["errors"];
            Assert.AreEqual(1, errors.Count, "warnings are not errors");
            Assert.AreEqual("Assets/Scripts/A.cs", (string)errors[0]["file"]);
            Assert.AreEqual(12, (int)errors[0]["line"]);
            Assert.AreEqual(5, (int)errors[0]["column"]);
            Assert.AreEqual("; expected", (string)errors[0]["message"]);
            Assert.AreEqual("error", (string)errors[0]["severity"]);
            Assert.AreEqual(true, (bool)r["created"], "the handler's base result is kept");
            Assert.AreEqual(0, m.Count);
        }

        [Test]
        public void ASuccessfulCompileWaitsForTheReloadThenAnswersCompiled()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 60000);
            Assert.AreEqual(0, m.CompileFinished(new List<CompilerMessageInfo>(), 100).Count);
            Assert.AreEqual(DeferredPhase.CompiledOk, m.Items[0].Phase);
            var restored = new SettleMachine();
            string problem;
            restored.Load(m.Save(), out problem);
            Assert.IsNull(problem);
            List<SettledCommand> done = restored.Reloaded(5);
            Assert.AreEqual(1, done.Count);
            Assert.AreEqual("r", done[0].RequestId);
            Assert.AreEqual(true, (bool)done[0].Result["compiled"]);
            Assert.AreEqual(0, restored.Count);
        }

        [Test]
        public void ASuccessfulCompileWithoutReloadAnswersOnceQuiet()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 60000);
            m.Tick(0, true, false, false);
            m.CompileFinished(null, 100);
            List<SettledCommand> done = Quiet(m, 200, 4, 200);
            Assert.AreEqual(1, done.Count);
            Assert.AreEqual(true, (bool)done[0].Result["compiled"]);
        }

        [Test]
        public void TheCapAnswersWithAnError()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, Base(), 0, 3000);
            Assert.AreEqual(0, m.Tick(2999, true, false, false).Count);
            List<SettledCommand> done = m.Tick(3000, true, false, false);
            Assert.AreEqual(1, done.Count);
            Assert.IsNull(done[0].Result);
            StringAssert.Contains("still compiling", done[0].Error);
        }

        [Test]
        public void PlayModeChangeAnswersWhenTheChangeIsOver()
        {
            var m = new SettleMachine();
            var b = new JObject();
            b["is_playing"] = true;
            b["is_paused"] = false;
            m.Add("p", "set_play_mode", OutcomeKind.AfterPlayModeChange, b, 0, 60000);
            for (int i = 0; i < 10; i++)
            {
                Assert.AreEqual(0, m.Tick(i * 200, false, false, true).Count, "still changing");
            }
            Assert.AreEqual(0, m.CompileFinished(Errors, 2000).Count, "compile results do not settle play mode");
            List<SettledCommand> done = Quiet(m, 2100, 6, 100);
            Assert.AreEqual(1, done.Count);
            Assert.AreEqual(true, (bool)done[0].Result["is_playing"]);
            Assert.IsNull(done[0].Result["compiled"]);
        }

        [Test]
        public void PlayModeSurvivesAReloadAndKeepsWaiting()
        {
            var m = new SettleMachine();
            m.Add("p", "set_play_mode", OutcomeKind.AfterPlayModeChange, null, 100000, 60000);
            m.Tick(100100, false, false, true);
            var restored = new SettleMachine();
            string problem;
            restored.Load(m.Save(), out problem);
            Assert.AreEqual(0, restored.Reloaded(50).Count, "a new process clock");
            Assert.AreEqual(1, restored.Count);
            Assert.AreEqual(0, restored.Tick(60, false, false, true).Count);
            Assert.AreEqual(1, Quiet(restored, 100, 4, 200).Count);
        }

        [Test]
        public void RemoveDropsACommand()
        {
            var m = new SettleMachine();
            m.Add("r", "write_script", OutcomeKind.AfterCompile, null, 0, 1000);
            Assert.IsTrue(m.Contains("r"));
            Assert.IsTrue(m.Remove("r"));
            Assert.IsFalse(m.Remove("r"));
            Assert.AreEqual(0, m.Tick(5000, false, false, false).Count);
        }
    }
}
