// The Unity-free half of run_tests: the counts and failure page of a run (RunTestsResult),
// and the record of a PlayMode run in progress that outlives the domain reloads it causes.
// No UnityEngine/UnityEditor here, so tests/unity drives it under Mono.
using System;
using System.Collections.Generic;
using System.Globalization;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Editor
{
    /// <summary>Leaf results of one run, in the order they finished.</summary>
    internal sealed class TestRunReport
    {
        private readonly List<JObject> failures = new List<JObject>();

        public int Passed { get; private set; }

        public int Failed { get; private set; }

        /// <summary>Skipped, Ignored and Inconclusive.</summary>
        public int Skipped { get; private set; }

        public void Pass()
        {
            Passed++;
        }

        public void Skip()
        {
            Skipped++;
        }

        public void Fail(string name, string message, string stack, double seconds)
        {
            Failed++;
            failures.Add(Failure(name, message, stack, seconds));
        }

        // builds: TestFailure
        private static JObject Failure(string name, string message, string stack, double seconds)
        {
            return new JObject
            {
                { "name", name ?? "" },
                { "message", message ?? "" },
                { "stack", stack ?? "" },
                { "duration", JsonValues.FromFloat((float)seconds) },
            };
        }

        /// <summary>The finished run: complete, with the page of failures from offset.</summary>
        public JObject Result(string mode, double seconds, int offset, int limit)
        {
            var page = new JArray();
            for (int i = offset; i < failures.Count && page.Count < limit; i++)
            {
                page.Add(failures[i]);
            }
            int end = offset + page.Count;
            return Build(mode, Passed, Failed, Skipped, seconds, page, offset,
                end < failures.Count ? (JToken)end : JValue.CreateNull(), true);
        }

        // builds: RunTestsResult
        internal static JObject Build(string mode, int passed, int failed, int skipped, double seconds,
            JArray failures, int offset, JToken next, bool complete)
        {
            return new JObject
            {
                { "mode", mode },
                { "passed", passed },
                { "failed", failed },
                { "skipped", skipped },
                { "total", passed + failed + skipped },
                { "duration", Math.Round(Math.Max(0.0, seconds), 3) },
                { "failures", failures },
                { "offset", offset },
                { "next_offset", next },
                { "complete", complete },
            };
        }
    }

    /// <summary>
    /// A PlayMode run started by run_tests and not yet reported: what RunFinished needs to
    /// answer it in whatever domain it fires (the key the core waits for, the page asked for,
    /// when it started). Kept in SessionState, as JSON.
    /// </summary>
    internal sealed class PlayModeRunRecord
    {
        public string Key;
        public string Mode = "PlayMode";
        public int Offset;
        public int Limit = 50;

        /// <summary>UTC ticks at the start (wall clock: the run spans domain reloads).</summary>
        public long StartedUtcTicks;

        public string ToJson()
        {
            var o = new JObject
            {
                { "key", Key },
                { "mode", Mode },
                { "offset", Offset },
                { "limit", Limit },
                { "started", StartedUtcTicks.ToString(CultureInfo.InvariantCulture) },
            };
            return Json.Compact(o);
        }

        /// <summary>The record, or null when the text is missing or not one (never throws).</summary>
        public static PlayModeRunRecord FromJson(string text)
        {
            JToken token;
            string error;
            if (string.IsNullOrEmpty(text) || !Json.TryParse(text, out token, out error))
            {
                return null;
            }
            JObject o = token as JObject;
            string key = o == null ? null : Json.NonEmptyString(o["key"]);
            if (key == null)
            {
                return null;
            }
            long ticks;
            string started = Json.NonEmptyString(o["started"]);
            var record = new PlayModeRunRecord
            {
                Key = key,
                Mode = Json.NonEmptyString(o["mode"]) ?? "PlayMode",
                Offset = o["offset"] != null && o["offset"].Type == JTokenType.Integer ? Math.Max(0, (int)o["offset"]) : 0,
                Limit = o["limit"] != null && o["limit"].Type == JTokenType.Integer ? Math.Max(1, (int)o["limit"]) : 50,
                StartedUtcTicks = started != null && long.TryParse(started, NumberStyles.Integer, CultureInfo.InvariantCulture, out ticks) ? ticks : 0,
            };
            return record;
        }

        /// <summary>Seconds since the start (0 when the start is unknown or in the future).</summary>
        public double SecondsSince(DateTime nowUtc)
        {
            if (StartedUtcTicks <= 0)
            {
                return 0.0;
            }
            double seconds = (nowUtc.Ticks - StartedUtcTicks) / (double)TimeSpan.TicksPerSecond;
            return seconds > 0 ? seconds : 0.0;
        }
    }
}
