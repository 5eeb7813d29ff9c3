// Hand-written compile-time stubs of the Unity Test Framework API (package
// com.unity.test-framework, assembly UnityEditor.TestRunner) that list_tests and run_tests
// use. Written from the package's public API documentation; not in UnityCsReference, so
// check_stubs.py cannot see them: checked by hand against the package 1.1.33 and 1.4.6
// (see Documentation~/stubs.md). Never shipped.
using System;
using System.Collections.Generic;

namespace UnityEditor.TestTools.TestRunner.Api
{
    [Flags]
    public enum TestMode
    {
        EditMode = 1 << 0,
        PlayMode = 1 << 1,
    }

    public enum TestStatus
    {
        Inconclusive,
        Skipped,
        Passed,
        Failed,
    }

    public interface ITestAdaptor
    {
        string Name { get; }

        string FullName { get; }

        bool IsSuite { get; }

        bool IsTestAssembly { get; }

        bool HasChildren { get; }

        IEnumerable<ITestAdaptor> Children { get; }

        string[] Categories { get; }

        TestMode TestMode { get; }
    }

    public interface ITestResultAdaptor
    {
        ITestAdaptor Test { get; }

        string FullName { get; }

        TestStatus TestStatus { get; }

        string Message { get; }

        string StackTrace { get; }

        double Duration { get; }

        bool HasChildren { get; }

        IEnumerable<ITestResultAdaptor> Children { get; }
    }

    public interface ICallbacks
    {
        void RunStarted(ITestAdaptor testsToRun);

        void RunFinished(ITestResultAdaptor result);

        void TestStarted(ITestAdaptor test);

        void TestFinished(ITestResultAdaptor result);
    }

    public interface IErrorCallbacks : ICallbacks
    {
        void OnError(string message);
    }

    public class Filter
    {
        public TestMode testMode;

        public string[] testNames;

        public string[] groupNames;

        public string[] categoryNames;

        public string[] assemblyNames;
    }

    public class ExecutionSettings
    {
        public ExecutionSettings(params Filter[] filtersToExecute) { }

        public bool runSynchronously;
    }

    public class TestRunnerApi : UnityEngine.ScriptableObject
    {
        public string Execute(ExecutionSettings executionSettings) { throw null; }

        public void RegisterCallbacks<T>(T testCallbacks, int priority = 0) where T : ICallbacks { throw null; }

        public void UnregisterCallbacks<T>(T testCallbacks) where T : ICallbacks { throw null; }

        public void RetrieveTestList(TestMode testMode, Action<ITestAdaptor> callback) { throw null; }
    }
}
