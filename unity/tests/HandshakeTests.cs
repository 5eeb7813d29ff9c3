using System;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class HandshakeTests
    {
        // Expected values computed with the server's handshake.derive_session_id.
        [TestCase("/Users/dev/Projects/SimProject", "p-406aec9c98603b4d")]
        [TestCase("C:\\Users\\Dev\\My Game\\", "p-c1780aaa0cfaeb41")]
        [TestCase("/home/ana/Jeu Été/", "p-25f6fbba0f0f9334")]
        public void SessionIdFollowsTheServerRule(string path, string expected)
        {
            Assert.AreEqual(expected, Handshake.DeriveSessionId(path));
        }

        [Test]
        public void SessionIdIgnoresSeparatorsTrailingSlashAndCase()
        {
            string a = Handshake.DeriveSessionId("C:/Users/Dev/My Game");
            Assert.AreEqual(a, Handshake.DeriveSessionId("c:\\users\\dev\\my game\\"));
            Assert.AreNotEqual(a, Handshake.DeriveSessionId("C:/Users/Dev/My Game 2"));
        }

        [Test]
        public void SeedCarriesIdentityAndCapabilities()
        {
            JObject seed = Handshake.Seed("/p/A", "2021.3.1f1", "p-x", 7, null);
            Assert.AreEqual("/p/A", (string)seed["project_path"]);
            Assert.AreEqual("2021.3.1f1", (string)seed["unity_version"]);
            Assert.AreEqual("p-x", (string)seed["session_id"]);
            Assert.AreEqual(7, (long)seed["conn_seq"]);
            CollectionAssert.AreEqual(new[] { "command_ack", "dedup", "cancel" }, ((JArray)seed["capabilities"]).ToObject<string[]>());
            Assert.IsNull(seed["session_secret"], "no secret yet: none sent");
            Assert.IsNull(seed["type"], "the seed is not an envelope");
        }

        [Test]
        public void SeedPresentsTheSecretWhenKnown()
        {
            Assert.AreEqual("s3cret", (string)Handshake.Seed("/p/A", "x", "p-x", 1, "s3cret")["session_secret"]);
        }

        [Test]
        public void ConnectUriAddsAnEscapedToken()
        {
            Assert.AreEqual("ws://127.0.0.1:9/ws/unity", Handshake.ConnectUri("ws://127.0.0.1:9/ws/unity", null).ToString());
            Uri u = Handshake.ConnectUri("ws://127.0.0.1:9/ws/unity", "a b&c");
            Assert.AreEqual("?token=a%20b%26c", u.Query);
            Assert.AreEqual("?x=1&token=t", Handshake.ConnectUri("ws://h:1/?x=1", "t").Query);
        }

        [TestCase("C:\\Projects\\Game\\", "C:/Projects/Game")]
        [TestCase("/home/u/Game//", "/home/u/Game")]
        [TestCase("/", "/")]
        public void ProjectPathsAreNormalised(string raw, string expected)
        {
            Assert.AreEqual(expected, Handshake.NormaliseProjectPath(raw));
        }
    }

    [TestFixture]
    public class BackoffTests
    {
        [Test]
        public void FirstRetryIsFastThenDoublesToTheCap()
        {
            var b = new Backoff(new FixedRandom { Value = 0.5 });
            var seen = new long[9];
            for (int i = 0; i < seen.Length; i++)
            {
                seen[i] = b.NextDelayMs();
            }
            CollectionAssert.AreEqual(new long[] { 250, 500, 1000, 2000, 4000, 8000, 10000, 10000, 10000 }, seen);
        }

        [Test]
        public void JitterStaysWithinAQuarterAndUnderTheCap()
        {
            var low = new Backoff(new FixedRandom { Value = 0.0 });
            var high = new Backoff(new FixedRandom { Value = 0.999999 });
            Assert.AreEqual(187, low.NextDelayMs());
            Assert.AreEqual(312, high.NextDelayMs());
            for (int i = 0; i < 20; i++)
            {
                Assert.That(high.NextDelayMs(), Is.LessThanOrEqualTo(Backoff.CapMs));
            }
        }

        [Test]
        public void ResetStartsOverFast()
        {
            var b = new Backoff(new FixedRandom());
            b.NextDelayMs();
            b.NextDelayMs();
            b.NextDelayMs();
            Assert.AreEqual(3, b.Attempt);
            b.Reset();
            Assert.AreEqual(250, b.NextDelayMs());
        }
    }

    [TestFixture]
    public class ClosePolicyTests
    {
        [Test]
        public void SupersededStopsAndSaysWhy()
        {
            CloseDecision d = ClosePolicy.Decide(4001, "superseded by conn_seq 5 (was 4)");
            Assert.AreEqual(CloseAction.Stop, d.Action);
            StringAssert.Contains("another editor of this project", d.Problem);
            StringAssert.Contains("4001", d.Problem);
        }

        [Test]
        public void DuplicateRetriesAtOnce()
        {
            Assert.AreEqual(CloseAction.RetryNow, ClosePolicy.Decide(4002, "").Action);
        }

        [TestCase(4003, "authentication")]
        [TestCase(4006, "another project")]
        public void AuthAndProjectMismatchStopWithTheReason(int code, string words)
        {
            CloseDecision d = ClosePolicy.Decide(code, "the reason text");
            Assert.AreEqual(CloseAction.Stop, d.Action);
            StringAssert.Contains(words, d.Problem);
            StringAssert.Contains("the reason text", d.Problem);
        }

        [TestCase(1000)]
        [TestCase(1001)]
        [TestCase(1006)]
        [TestCase(1011)]
        [TestCase(4000)]
        [TestCase(4004)]
        [TestCase(4999)]
        public void EverythingElseBacksOff(int code)
        {
            CloseDecision d = ClosePolicy.Decide(code, null);
            Assert.AreEqual(CloseAction.Retry, d.Action);
            Assert.IsNotNullOrEmpty(d.Problem);
        }
    }

    [TestFixture]
    public class CommandTableTests
    {
        private static CommandOutcome Nothing(JObject args)
        {
            return CommandOutcome.Done(null);
        }

        [Test]
        public void RegistersAndFinds()
        {
            var t = new CommandTable();
            t.Register("get_selection", Nothing);
            Assert.IsTrue(t.Contains("get_selection"));
            Assert.IsFalse(t.Contains("set_selection"));
            Assert.IsFalse(t.Contains(null));
            CollectionAssert.AreEqual(new[] { "get_selection" }, t.Commands);
        }

        [Test]
        public void RefusesDuplicatesControlTypesAndNullHandlers()
        {
            var t = new CommandTable();
            t.Register("a", Nothing);
            Assert.Throws<InvalidOperationException>(() => t.Register("a", Nothing));
            Assert.Throws<ArgumentException>(() => t.Register("hb", Nothing));
            Assert.Throws<ArgumentNullException>(() => t.Register("b", null));
            Assert.AreEqual(1, t.Count);
        }

        [Test]
        public void OutcomeFactoriesNeverCarryNull()
        {
            Assert.AreEqual(OutcomeKind.Done, CommandOutcome.Done(null).Kind);
            Assert.IsNotNull(CommandOutcome.Done(null).Result);
            Assert.AreEqual(OutcomeKind.AfterCompile, CommandOutcome.AfterCompile(null).Kind);
            Assert.AreEqual(OutcomeKind.AfterPlayModeChange, CommandOutcome.AfterPlayModeChange(null).Kind);
        }
    }
}
