// list_tests and run_tests through the Unity Test Framework API (com.unity.test-framework:
// TestRunnerApi, Filter, ICallbacks). The package is a dependency in package.json and the
// editor assembly references UnityEditor.TestRunner.
//
// EditMode runs synchronously (ExecutionSettings.runSynchronously): the callbacks fire
// inside Execute and the answer is complete. PlayMode runs enter play mode, which may
// reload the domain; the core has no deferral that waits for a callback, so the answer is
// deferred with AfterPlayModeChange and its result object is filled in by RunFinished;
// "complete" says whether the run had finished when the core answered (see checklist).
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
            JObject pending = RunResult(modeName, 0, 0, 0, 0.0, new JArray(), offset, JValue.CreateNull(), false);
            var run = new Run(pending, offset, Args.Int(args, "limit", 50, 1, 200));
            Api.RegisterCallbacks(run);
            var settings = new ExecutionSettings(filter);
            settings.runSynchronously = mode == TestMode.EditMode;
            try
            {
                Api.Execute(settings);
            }
            catch (Exception)
            {
                Api.UnregisterCallbacks(run);
                throw;
            }
            if (mode == TestMode.EditMode)
            {
                if (!run.Finished)
                {
                    throw new CommandException("the EditMode run did not finish synchronously (UnityTest coroutine tests need a PlayMode run, or the Test Runner window)");
                }
                return CommandOutcome.Done(run.Result);
            }
            return CommandOutcome.AfterPlayModeChange(run.Result);
        }

        private static string[] Names(List<string> values)
        {
            return values.Count > 0 ? values.ToArray() : null;
        }

        /// <summary>One run's callbacks: counts the leaf results, keeps the failures.</summary>
        private sealed class Run : ICallbacks
        {
            private readonly int offset;
            private readonly int limit;
            private readonly DateTime started = DateTime.UtcNow;
            private int passed;
            private int failed;
            private int skipped;
            private readonly List<JObject> failures = new List<JObject>();

            public Run(JObject pending, int offset, int limit)
            {
                this.offset = offset;
                this.limit = limit;
                Result = pending;
            }

            public JObject Result { get; private set; }

            public bool Finished { get; private set; }

            public void RunStarted(ITestAdaptor testsToRun)
            {
            }

            public void TestStarted(ITestAdaptor test)
            {
            }

            public void TestFinished(ITestResultAdaptor result)
            {
                if (result.HasChildren || result.Test == null || result.Test.IsSuite)
                {
                    return;
                }
                switch (result.TestStatus)
                {
                    case TestStatus.Passed:
                        passed++;
                        break;
                    case TestStatus.Failed:
                        failed++;
                        failures.Add(Failure(result));
                        break;
                    default:
                        skipped++;  // Skipped, Ignored and Inconclusive
                        break;
                }
            }

            public void RunFinished(ITestResultAdaptor result)
            {
                var page = new JArray();
                for (int i = offset; i < failures.Count && page.Count < limit; i++)
                {
                    page.Add(failures[i]);
                }
                int end = offset + page.Count;
                JObject done = RunResult(
                    (string)Result["mode"], passed, failed, skipped,
                    (DateTime.UtcNow - started).TotalSeconds, page, offset,
                    end < failures.Count ? (JToken)end : JValue.CreateNull(), true);
                foreach (JProperty p in done.Properties())
                {
                    Result[p.Name] = p.Value;  // the same object the core may be holding
                }
                Finished = true;
                Api.UnregisterCallbacks(this);
            }
        }

        // builds: TestFailure
        private static JObject Failure(ITestResultAdaptor result)
        {
            return new JObject
            {
                { "name", result.FullName },
                { "message", result.Message ?? "" },
                { "stack", result.StackTrace ?? "" },
                { "duration", Values.Num((float)result.Duration) },
            };
        }

        // builds: RunTestsResult
        private static JObject RunResult(string mode, int passed, int failed, int skipped, double seconds,
            JArray failures, int offset, JToken next, bool complete)
        {
            return new JObject
            {
                { "mode", mode },
                { "passed", passed },
                { "failed", failed },
                { "skipped", skipped },
                { "total", passed + failed + skipped },
                { "duration", Math.Round(seconds, 3) },
                { "failures", failures },
                { "offset", offset },
                { "next_offset", next },
                { "complete", complete },
            };
        }
    }
}
