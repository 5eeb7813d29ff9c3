// A PlayMode test run as Unity does one, on the fake editor's clock: run_tests answers
// through CommandOutcome.AwaitCallback; the run then enters play mode (a domain reload: the
// core is rebuilt from the reload store), "runs" its tests, reports its end as the test
// framework's RunFinished does (EditorLink.CompleteDeferred on the new domain's link), and
// leaves play mode (a second reload). Fixed content: 2 passed, 1 failed, 1 skipped.
using System;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.FakeEditor
{
    public sealed class FakePlayMode
    {
        public const long EnterMs = 60;
        public const long RunMs = 150;
        public const long ExitMs = 60;
        public const long TimeoutMs = 570000;

        private enum Phase
        {
            Idle,
            Entering,
            Running,
            Exiting,
        }

        private readonly IClock clock;
        private readonly Func<EditorLink> link;
        private readonly Action<string> reload;
        private readonly ILog log;
        private Phase phase = Phase.Idle;
        private long dueMs;
        private long startedMs;
        private string key;
        private int offset;
        private int limit;

        /// <param name="link">The live link of the current domain.</param>
        /// <param name="reload">Simulates a domain reload (the argument says why).</param>
        public FakePlayMode(IClock clock, Func<EditorLink> link, Action<string> reload, ILog log)
        {
            this.clock = clock;
            this.link = link;
            this.reload = reload;
            this.log = log;
        }

        /// <summary>run_tests in PlayMode: starts the run; the answer waits for its end.</summary>
        public CommandOutcome Start(int offset, int limit)
        {
            if (phase != Phase.Idle)
            {
                throw new CommandException("a PlayMode test run started by run_tests is still going; wait for its answer before starting another");
            }
            this.offset = offset;
            this.limit = limit;
            key = "run_tests:" + Guid.NewGuid().ToString("N");
            startedMs = clock.NowMs;
            dueMs = startedMs + EnterMs;
            phase = Phase.Entering;
            return CommandOutcome.AwaitCallback(key, Result(0, 0, 0, new JArray(), 0.0, false), TimeoutMs,
                "the PlayMode test run did not report its end within " + (TimeoutMs / 1000) + " s");
        }

        /// <summary>Every main-loop turn.</summary>
        public void Tick()
        {
            long now = clock.NowMs;
            if (phase == Phase.Idle || now < dueMs)
            {
                return;
            }
            switch (phase)
            {
                case Phase.Entering:
                    phase = Phase.Running;
                    dueMs = now + RunMs;
                    reload("entering play mode for the PlayMode test run");
                    return;
                case Phase.Running:
                    phase = Phase.Exiting;
                    dueMs = now + ExitMs;
                    log.Info("PlayMode test run finished");
                    link().CompleteDeferred(key, Finished(now));  // RunFinished, in the play mode domain
                    return;
                default:
                    phase = Phase.Idle;
                    reload("leaving play mode");
                    return;
            }
        }

        private JObject Finished(long now)
        {
            var all = new JArray();
            var f = new JObject();
            f["name"] = "Fake.Tests.PlayerTests.FallsThroughTheFloor";
            f["message"] = "  Expected: greater than or equal to 0\n  But was:  -3.2\n";
            f["stack"] = "at Fake.Tests.PlayerTests+<FallsThroughTheFloor>d__3.MoveNext () in Assets/Tests/PlayerTests.cs:41\n";
            f["duration"] = 0.12;
            all.Add(f);
            var page = new JArray();
            for (int i = offset; i < all.Count && page.Count < limit; i++)
            {
                page.Add(all[i]);
            }
            JObject r = Result(2, all.Count, 1, page, (now - startedMs) / 1000.0, true);
            r["next_offset"] = offset + page.Count < all.Count ? (JToken)(offset + page.Count) : JValue.CreateNull();
            return r;
        }

        private JObject Result(int passed, int failed, int skipped, JArray failures, double seconds, bool complete)
        {
            var r = new JObject();
            r["mode"] = "PlayMode";
            r["passed"] = passed;
            r["failed"] = failed;
            r["skipped"] = skipped;
            r["total"] = passed + failed + skipped;
            r["duration"] = Math.Round(seconds, 3);
            r["failures"] = failures;
            r["offset"] = offset;
            r["next_offset"] = null;
            r["complete"] = complete;
            return r;
        }
    }
}
