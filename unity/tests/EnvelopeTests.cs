using System;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    [TestFixture]
    public class EnvelopeTests
    {
        private static Envelope Parse(string text)
        {
            Envelope env;
            string code, message, refId;
            Assert.IsTrue(Envelope.TryParse(text, out env, out code, out message, out refId), "rejected: " + message);
            return env;
        }

        private static string Reject(string text, out string refId)
        {
            Envelope env;
            string code, message;
            Assert.IsFalse(Envelope.TryParse(text, out env, out code, out message, out refId));
            Assert.IsNull(env);
            Assert.IsNotNullOrEmpty(message);
            return code;
        }

        [Test]
        public void BuildCarriesEveryField()
        {
            var body = new JObject();
            body["x"] = 1;
            JObject o = JObject.Parse(Envelope.Build("scene_saved", "abc", body, "p-1"));
            Assert.AreEqual(1, (int)o["v"]);
            Assert.AreEqual("unity", (string)o["source"]);
            Assert.AreEqual("scene_saved", (string)o["type"]);
            Assert.AreEqual("abc", (string)o["id"]);
            Assert.AreEqual(1, (int)o["body"]["x"]);
            Assert.AreEqual("p-1", (string)o["session"]);
            long ts = (long)o["ts"];
            Assert.That(Math.Abs(ts - Envelope.UnixSeconds()), Is.LessThan(120), "ts is unix seconds");
        }

        [Test]
        public void BuildWithoutBodyOrSessionSendsEmptyObjectAndNull()
        {
            JObject o = JObject.Parse(Envelope.Build("hb", null, null, null));
            Assert.AreEqual(JTokenType.Object, o["body"].Type);
            Assert.AreEqual(0, ((JObject)o["body"]).Count);
            Assert.AreEqual(JTokenType.Null, o["session"].Type);
            Assert.AreEqual(32, ((string)o["id"]).Length);
        }

        [Test]
        public void ParsesACommand()
        {
            Envelope env = Parse("{\"v\":1,\"type\":\"get_hierarchy\",\"id\":\"r1\",\"body\":{\"request_id\":\"r1\",\"depth\":2},\"session\":\"s\"}");
            Assert.AreEqual("get_hierarchy", env.Type);
            Assert.AreEqual("r1", env.RequestId);
            Assert.IsTrue(env.IsCommand);
            Assert.AreEqual(2, (int)env.Body["depth"]);
            Assert.AreEqual("s", env.Session);
        }

        [Test]
        public void DefaultsVersionAndBody()
        {
            Envelope env = Parse("{\"type\":\"welcome\",\"id\":\"w\"}");
            Assert.AreEqual(0, env.Body.Count);
            Assert.IsFalse(env.IsCommand);
            Envelope nullBody = Parse("{\"type\":\"x\",\"id\":\"w\",\"body\":null}");
            Assert.AreEqual(0, nullBody.Body.Count);
        }

        [TestCase("not json", "invalid_json")]
        [TestCase("{\"type\":\"a\",\"id\":\"1\"} trailing", "invalid_json")]
        [TestCase("[1,2]", "not_an_object")]
        [TestCase("\"text\"", "not_an_object")]
        [TestCase("{\"v\":2,\"type\":\"a\",\"id\":\"1\"}", "unsupported_version")]
        [TestCase("{\"v\":\"1\",\"type\":\"a\",\"id\":\"1\"}", "unsupported_version")]
        [TestCase("{\"id\":\"1\"}", "missing_type")]
        [TestCase("{\"type\":\"\",\"id\":\"1\"}", "missing_type")]
        [TestCase("{\"type\":\"a\"}", "missing_id")]
        [TestCase("{\"type\":\"a\",\"id\":7}", "missing_id")]
        [TestCase("{\"type\":\"a\",\"id\":\"1\",\"body\":[1]}", "invalid_body")]
        [TestCase("{\"type\":\"a\",\"id\":\"1\",\"session\":5}", "invalid_session")]
        public void RejectsBadFramesWithTheirCode(string text, string expected)
        {
            string refId;
            Assert.AreEqual(expected, Reject(text, out refId));
        }

        [Test]
        public void RejectionKeepsTheFrameId()
        {
            string refId;
            Assert.AreEqual("invalid_body", Reject("{\"type\":\"a\",\"id\":\"req-9\",\"body\":3}", out refId));
            Assert.AreEqual("req-9", refId);
        }

        [Test]
        public void ControlTypesAreNeverCommands()
        {
            foreach (string t in new[] { "ack", "hb", "pong", "error", "welcome", "cancel" })
            {
                Envelope env = Parse("{\"type\":\"" + t + "\",\"id\":\"1\",\"body\":{\"request_id\":\"1\"}}");
                Assert.IsFalse(env.IsCommand, t);
            }
        }

        [Test]
        public void DateLikeStringsRoundTripUnchanged()
        {
            Envelope env = Parse("{\"type\":\"a\",\"id\":\"1\",\"body\":{\"when\":\"2024-01-02T03:04:05Z\"}}");
            Assert.AreEqual(JTokenType.String, env.Body["when"].Type);
            Assert.AreEqual("2024-01-02T03:04:05Z", (string)env.Body["when"]);
        }

        [Test]
        public void ResponseBodyPutsRequestIdFirstAndWins()
        {
            var result = new JObject();
            result["request_id"] = "wrong";
            result["total"] = 3;
            JObject o = JObject.Parse(Envelope.Response("find_objects", "r5", result, "s"));
            Assert.AreEqual("find_objects_response", (string)o["type"]);
            Assert.AreEqual("r5", (string)o["id"]);
            Assert.AreEqual("r5", (string)o["body"]["request_id"]);
            Assert.AreEqual(3, (int)o["body"]["total"]);
            Assert.AreEqual("request_id", ((JObject)o["body"]).Properties().GetEnumerator().MoveNextAndGet().Name);
        }

        [Test]
        public void ErrorBodyIsAFailure()
        {
            JObject b = Envelope.ErrorBody("r", "boom");
            Assert.AreEqual("r", (string)b["request_id"]);
            Assert.AreEqual(false, (bool)b["success"]);
            Assert.AreEqual("boom", (string)b["error"]);
        }

        [Test]
        public void AckNamesTheCommand()
        {
            JObject o = JObject.Parse(Envelope.Ack("write_script", "r7", "s"));
            Assert.AreEqual("ack", (string)o["type"]);
            Assert.AreEqual("r7", (string)o["id"]);
            Assert.AreEqual("write_script", (string)o["body"]["type"]);
        }

        [Test]
        public void DeeplyNestedFrameIsRejectedNotThrown()
        {
            string text = "{\"type\":\"a\",\"id\":\"1\",\"body\":{\"x\":" + new string('[', 500) + new string(']', 500) + "}}";
            string refId;
            Assert.AreEqual("invalid_json", Reject(text, out refId));
        }
    }

    internal static class EnumeratorExtensions
    {
        public static T MoveNextAndGet<T>(this System.Collections.Generic.IEnumerator<T> e)
        {
            Assert.IsTrue(e.MoveNext());
            return e.Current;
        }
    }
}
