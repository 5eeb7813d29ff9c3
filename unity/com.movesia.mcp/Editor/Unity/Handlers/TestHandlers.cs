// list_tests and run_tests through the Unity Test Framework API (com.unity.test-framework:
// TestRunnerApi, Filter, ICallbacks). The package is a dependency in package.json and the
// editor assembly references UnityEditor.TestRunner.
//
// EditMode runs synchronously (ExecutionSettings.runSynchronously): the callbacks fire
// inside Execute and the answer is complete at once. PlayMode runs enter play mode, which
// may reload the domain (twice: in and out): the answer waits in the core
// (CommandOutcome.AwaitCallback, kept in the reload store) and is sent from the test
// framework's RunFinished, whose listener is registered again in every domain
// (Hook, from the bootstrap's InitializeOnLoad), with the counts and failures read from the
// result tree it is given, complete: true. What RunFinished needs (the key, the page, the
// start) is kept in SessionState (PlayModeRunRecord). A run the test framework cannot
// start or finish (a build error, a failing IPrebuildSetup) is reported through
// IErrorCallbacks.OnError: the command is answered with that message, not left to time out.
using System;
using System.Collections.Generic;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;
using UnityEditor.TestTools.TestRunner.Api;
using UnityEngine;

namespace Movesia.Mcp.Editor
{
    internal static class TestHandlers
    {
        // The test tree of each mode, from RetrieveTestList (which may call back later).
        private static readonly Dictionary<TestMode, ITestAdaptor> Trees = new Dictionary<TestMode, ITestAdaptor>();
        private static TestRunnerApi api;

        private static TestRunnerApi Api
        {
            get
            {
                if (api == null)
                {
                    api = ScriptableObject.CreateInstance<TestRunnerApi>();
                }
                return api;
            }
        }

        public static CommandOutcome ListTests(JObject args)
        {
            string only = Args.OptionalString(args, "mode");
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            int limit = Args.Int(args, "limit", 100, 1, 500);
            var modes = new List<TestMode>();
            if (only == null || only == "EditMode")
            {
                modes.Add(TestMode.EditMode);
            }
            if (only == null || only == "PlayMode")
            {
                modes.Add(TestMode.PlayMode);
            }
            if (modes.Count == 0)
            {
                throw new CommandException("unknown mode '" + only + "'; use EditMode or PlayMode");
            }
            var tests = new List<JObject>();
            foreach (TestMode mode in modes)
            {
                ITestAdaptor tree = Tree(mode);
                if (tree == null)
                {
                    throw new CommandException("Unity is still loading the " + mode + " test list; call list_tests again in a moment");
                }
                Collect(tree, mode, null, tests);
            }
            var page = new JArray();
            for (int i = offset; i < tests.Count && page.Count < limit; i++)
            {
                page.Add(tests[i]);
            }
            int end = offset + page.Count;
            return CommandOutcome.Done(ListResult(page, tests.Count, offset, end < tests.Count ? (JToken)end : JValue.CreateNull()));
        }

        // builds: ListTestsResult
        private static JObject ListResult(JArray page, int total, int offset, JToken next)
        {
            return new JObject
            {
                { "tests", page },
                { "total", total },
                { "offset", offset },
                { "next_offset", next },
            };
        }

        private static ITestAdaptor Tree(TestMode mode)
        {
            ITestAdaptor tree;
            if (Trees.TryGetValue(mode, out tree))
            {
                return tree;
            }
            TestMode wanted = mode;
            Api.RetrieveTestList(mode, delegate(ITestAdaptor root) { Trees[wanted] = root; });
            Trees.TryGetValue(mode, out tree);  // set already when Unity called back at once
            return tree;
        }

        // builds: TestInfo
        private static void Collect(ITestAdaptor node, TestMode mode, string assembly, List<JObject> into)
        {
            if (node.IsTestAssembly)
            {
                assembly = node.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
                    ? node.Name.Substring(0, node.Name.Length - 4)
                    : node.Name;
            }
            if (!node.IsSuite)
            {
                into.Add(new JObject
                {
                    { "name", node.FullName },
                    { "mode", mode.ToString() },
                    { "assembly", assembly ?? "" },
                    { "categories", new JArray(node.Categories ?? new string[0]) },
                });
                return;
            }
            if (node.HasChildren)
            {
                foreach (ITestAdaptor child in node.Children)
                {
                    Collect(child, mode, assembly, into);
                }
            }
        }

        /// <summary>Under the server's 600 s for run_tests, so the caller hears this editor's error, not a timeout.</summary>
        public const long PlayModeTimeoutMs = 570000;

        private const string RecordKey = "run_tests.playmode";

        // A synchronous (EditMode) run of ours is in Execute: the listener leaves it alone.
        private static bool syncRunActive;

        // A PlayMode run that reported its end inside Execute (nothing to run, say), before
        // the core was waiting for it: the handler answers with this at once.
        private static string startingKey;
        private static JObject finishedWhileStarting;
        private static string failedWhileStarting;
        private static Listener listener;

        /// <summary>
        /// Every domain (the bootstrap's InitializeOnLoad): listen for the end of runs, so a
        /// PlayMode run started before a domain reload is still answered after it (callbacks
        /// registered with the test framework do not survive a reload).
        /// </summary>
        public static void Hook()
        {
            if (listener != null)
            {
                return;
            }
            listener = new Listener();
            Api.RegisterCallbacks(listener);
        }

        private static SessionStateStore Records
        {
            get { return new SessionStateStore(MovesiaSettings.ProjectKey(EditorContext.ProjectPath)); }
        }

        public static CommandOutcome RunTests(JObject args)
        {
            string modeName = Args.RequiredString(args, "mode");
            TestMode mode;
            if (modeName == "EditMode")
            {
                mode = TestMode.EditMode;
            }
            else if (modeName == "PlayMode")
            {
                mode = TestMode.PlayMode;
            }
            else
            {
                throw new CommandException("unknown mode '" + modeName + "'; use EditMode or PlayMode");
            }
            var filter = new Filter
            {
                testMode = mode,
                testNames = Names(Args.StringList(args, "test_names")),
                groupNames = Names(Args.StringList(args, "group_names")),
                categoryNames = Names(Args.StringList(args, "categories")),
                assemblyNames = Names(Args.StringList(args, "assemblies")),
            };
            int offset = Args.Int(args, "offset", 0, 0, int.MaxValue);
            int limit = Args.Int(args, "limit", 50, 1, 200);
            var settings = new ExecutionSettings(filter);
            settings.runSynchronously = mode == TestMode.EditMode;
            if (mode == TestMode.EditMode)
            {
                return RunEditMode(settings, modeName, offset, limit);
            }
            JObject finishedAtOnce;
            string failedAtOnce;
            string key = StartPlayMode(settings, modeName, offset, limit, out finishedAtOnce, out failedAtOnce);
            if (failedAtOnce != null)
            {
                throw new CommandException(failedAtOnce);
            }
            if (finishedAtOnce != null)
            {
                return CommandOutcome.Done(finishedAtOnce);
            }
            // The base of the answer, should it ever go out unfinished; RunFinished lays the
            // counts over it (complete: true).
            JObject notFinished = TestRunReport.Build(modeName, 0, 0, 0, 0.0, new JArray(), offset, JValue.CreateNull(), false);
            return CommandOutcome.AwaitCallback(key, notFinished, PlayModeTimeoutMs,
                "the PlayMode test run did not report its end within " + (PlayModeTimeoutMs / 1000)
                + " s; it may still be running: look at the Test Runner window, or run fewer tests (test_names, group_names, categories)");
        }

        private static CommandOutcome RunEditMode(ExecutionSettings settings, string modeName, int offset, int limit)
        {
            var run = new Run(modeName, offset, limit);
            Api.RegisterCallbacks(run);
            syncRunActive = true;
            try
            {
                Api.Execute(settings);
            }
            finally
            {
                syncRunActive = false;
                Api.UnregisterCallbacks(run);
            }
            if (run.Error != null)
            {
                throw new CommandException(RunError(run.Error));
            }
            if (!run.Finished)
            {
                throw new CommandException("the EditMode run did not finish synchronously (UnityTest coroutine tests need a PlayMode run, or the Test Runner window)");
            }
            return CommandOutcome.Done(run.Result);
        }

        /// <summary>
        /// Starts the run; its key, and the result (or the test framework's error) when it
        /// ended inside Execute already.
        /// </summary>
        private static string StartPlayMode(ExecutionSettings settings, string modeName, int offset, int limit,
            out JObject finishedAtOnce, out string failedAtOnce)
        {
            EditorLink link = EditorContext.Link;
            PlayModeRunRecord running = PlayModeRunRecord.FromJson(Records.Get(RecordKey));
            if (running != null && link != null && link.IsAwaiting(running.Key))
            {
                throw new CommandException("a PlayMode test run started by run_tests is still going; wait for its answer (or stop it in the Test Runner window) before starting another");
            }
            Hook();
            var record = new PlayModeRunRecord
            {
                Key = "run_tests:" + Guid.NewGuid().ToString("N"),
                Mode = modeName,
                Offset = offset,
                Limit = limit,
                StartedUtcTicks = DateTime.UtcNow.Ticks,
            };
            Records.Set(RecordKey, record.ToJson());
            startingKey = record.Key;
            finishedWhileStarting = null;
            failedWhileStarting = null;
            try
            {
                Api.Execute(settings);
            }
            catch (Exception)
            {
                Records.Remove(RecordKey);
                throw;
            }
            finally
            {
                startingKey = null;
            }
            finishedAtOnce = finishedWhileStarting;
            failedAtOnce = failedWhileStarting;
            finishedWhileStarting = null;
            failedWhileStarting = null;
            return record.Key;
        }

        /// <summary>The answer's error for a run the test framework reported as failed (OnError).</summary>
        private static string RunError(string message)
        {
            string reason = string.IsNullOrEmpty(message) ? "no reason given" : message.Trim();
            return "the test run failed before its tests could finish: " + reason
                + " (fix the compile errors or the failing IPrebuildSetup, then run again)";
        }

        private static string[] Names(List<string> values)
        {
            return values.Count > 0 ? values.ToArray() : null;
        }

        /// <summary>Counts a finished leaf; suites and results with children are not tests.</summary>
        private static void Count(ITestResultAdaptor result, TestRunReport report)
        {
            if (result.HasChildren || result.Test == null || result.Test.IsSuite)
            {
                return;
            }
            switch (result.TestStatus)
            {
                case TestStatus.Passed:
                    report.Pass();
                    break;
                case TestStatus.Failed:
                    report.Fail(result.FullName, result.Message, result.StackTrace, result.Duration);
                    break;
                default:
                    report.Skip();  // Skipped, Ignored and Inconclusive
                    break;
            }
        }

        /// <summary>Every leaf of a run's result tree (RunFinished's argument), depth first.</summary>
        private static void Walk(ITestResultAdaptor node, TestRunReport report, int depth)
        {
            if (node == null || depth > 64)
            {
                return;
            }
            if (!node.HasChildren)
            {
                Count(node, report);
                return;
            }
            foreach (ITestResultAdaptor child in node.Children)
            {
                Walk(child, report, depth + 1);
            }
        }

        /// <summary>One synchronous (EditMode) run's callbacks: counts the leaf results as they finish.</summary>
        private sealed class Run : IErrorCallbacks
        {
            private readonly string mode;
            private readonly int offset;
            private readonly int limit;
            private readonly DateTime started = DateTime.UtcNow;
            private readonly TestRunReport report = new TestRunReport();

            public Run(string mode, int offset, int limit)
            {
                this.mode = mode;
                this.offset = offset;
                this.limit = limit;
            }

            public JObject Result { get; private set; }

            public bool Finished { get; private set; }

            /// <summary>The test framework's error message, when the run failed (OnError).</summary>
            public string Error { get; private set; }

            public void RunStarted(ITestAdaptor testsToRun)
            {
            }

            public void TestStarted(ITestAdaptor test)
            {
            }

            public void TestFinished(ITestResultAdaptor result)
            {
                Count(result, report);
            }

            public void RunFinished(ITestResultAdaptor result)
            {
                Result = report.Result(mode, (DateTime.UtcNow - started).TotalSeconds, offset, limit);
                Finished = true;
            }

            public void OnError(string message)
            {
                Error = message ?? "";
            }
        }

        /// <summary>
        /// Registered once per domain: answers the PlayMode run of the record, whichever domain
        /// its RunFinished fires in. Never throws into the test framework.
        /// </summary>
        private sealed class Listener : IErrorCallbacks
        {
            public void RunStarted(ITestAdaptor testsToRun)
            {
            }

            public void TestStarted(ITestAdaptor test)
            {
            }

            public void TestFinished(ITestResultAdaptor result)
            {
            }

            public void RunFinished(ITestResultAdaptor result)
            {
                try
                {
                    Finish(result);
                }
                catch (Exception e)
                {
                    EditorContext.LogError("run_tests: could not report the end of the PlayMode run: " + e);
                }
            }

            public void OnError(string message)
            {
                try
                {
                    Fail(message);
                }
                catch (Exception e)
                {
                    EditorContext.LogError("run_tests: could not report the failed PlayMode run: " + e);
                }
            }

            /// <summary>The record's run failed to run: its command gets the error at once.</summary>
            private static void Fail(string message)
            {
                if (syncRunActive)
                {
                    return;  // our EditMode run: its own callbacks answer it
                }
                SessionStateStore records = Records;
                PlayModeRunRecord record = PlayModeRunRecord.FromJson(records.Get(RecordKey));
                if (record == null)
                {
                    return;  // a run started from the Test Runner window
                }
                records.Remove(RecordKey);
                string error = RunError(message);
                if (startingKey == record.Key)
                {
                    failedWhileStarting = error;  // the handler has not returned yet
                    return;
                }
                EditorLink link = EditorContext.Link;
                if (link == null)
                {
                    EditorContext.LogError("run_tests: the PlayMode run failed but the link is not running: " + error);
                    return;
                }
                link.FailDeferred(record.Key, error);  // logs, never throws, when nobody waits any more
            }

            private static void Finish(ITestResultAdaptor result)
            {
                if (syncRunActive)
                {
                    return;  // our EditMode run: its own callbacks answer it
                }
                SessionStateStore records = Records;
                PlayModeRunRecord record = PlayModeRunRecord.FromJson(records.Get(RecordKey));
                if (record == null)
                {
                    return;  // a run started from the Test Runner window
                }
                var report = new TestRunReport();
                Walk(result, report, 0);
                JObject answer = report.Result(record.Mode, record.SecondsSince(DateTime.UtcNow), record.Offset, record.Limit);
                records.Remove(RecordKey);
                if (startingKey == record.Key)
                {
                    finishedWhileStarting = answer;  // the handler has not returned yet
                    return;
                }
                EditorLink link = EditorContext.Link;
                if (link == null)
                {
                    EditorContext.LogError("run_tests: the PlayMode run finished but the link is not running; its answer is lost");
                    return;
                }
                link.CompleteDeferred(record.Key, answer);  // logs, never throws, when nobody waits any more
            }
        }
    }
}
