// The wire envelope (PROTOCOL.md §2): building outbound frames and checking inbound ones.
using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    /// <summary>One parsed inbound envelope.</summary>
    public sealed class Envelope
    {
        public const int ProtocolVersion = 1;

        /// <summary>Envelope types that belong to the link itself, never commands.</summary>
        public static readonly HashSet<string> ControlTypes = new HashSet<string>(StringComparer.Ordinal)
        {
            "hb", "pong", "ack", "error", "welcome", "cancel", "hello",
        };

        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        public Envelope(string type, string id, JObject body, string session)
        {
            Type = type;
            Id = id;
            Body = body ?? new JObject();
            Session = session;
        }

        public string Type { get; private set; }

        public string Id { get; private set; }

        public JObject Body { get; private set; }

        public string Session { get; private set; }

        /// <summary>body.request_id when it is a non-empty string, else null.</summary>
        public string RequestId
        {
            get { return Json.NonEmptyString(Body["request_id"]); }
        }

        /// <summary>A command: a body with a request_id and a type that is not a control type.</summary>
        public bool IsCommand
        {
            get { return RequestId != null && !ControlTypes.Contains(Type); }
        }

        /// <summary>
        /// Checks one inbound frame. Never throws: a bad frame gives false with a code
        /// (invalid_json, not_an_object, unsupported_version, missing_type, missing_id,
        /// invalid_body, invalid_session) and a message; refId is the frame's id if it had one.
        /// </summary>
        public static bool TryParse(string text, out Envelope envelope, out string code, out string message, out string refId)
        {
            envelope = null;
            code = null;
            message = null;
            refId = null;
            JToken token;
            string error;
            if (!Json.TryParse(text, out token, out error))
            {
                code = "invalid_json";
                message = "frame is not valid JSON: " + error;
                return false;
            }
            JObject data = token as JObject;
            if (data == null)
            {
                code = "not_an_object";
                message = "envelope must be a JSON object, got " + Json.Kind(token);
                return false;
            }
            refId = Json.NonEmptyString(data["id"]);
            JToken v = data["v"];
            if (v != null && !(v.Type == JTokenType.Integer && v.Value<long>() == ProtocolVersion))
            {
                code = "unsupported_version";
                message = "protocol version " + Json.Short(v) + " is not supported (expected 1)";
                return false;
            }
            string type = Json.NonEmptyString(data["type"]);
            if (type == null)
            {
                code = "missing_type";
                message = "envelope needs a non-empty string 'type'";
                return false;
            }
            if (refId == null)
            {
                code = "missing_id";
                message = "envelope needs a non-empty string 'id'";
                return false;
            }
            JToken body = data["body"];
            if (body != null && body.Type != JTokenType.Null && body.Type != JTokenType.Object)
            {
                code = "invalid_body";
                message = "'body' must be an object, got " + Json.Kind(body);
                return false;
            }
            JToken session = data["session"];
            if (session != null && session.Type != JTokenType.Null && session.Type != JTokenType.String)
            {
                code = "invalid_session";
                message = "'session' must be a string";
                return false;
            }
            envelope = new Envelope(type, refId, body as JObject, session == null ? null : (string)session);
            return true;
        }

        /// <summary>The JSON text of an outbound envelope (source "unity", ts in unix seconds).</summary>
        public static string Build(string type, string id, JObject body, string session)
        {
            var sw = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            using (var w = new JsonTextWriter(sw))
            {
                w.Formatting = Formatting.None;
                w.WriteStartObject();
                w.WritePropertyName("v");
                w.WriteValue(ProtocolVersion);
                w.WritePropertyName("source");
                w.WriteValue("unity");
                w.WritePropertyName("type");
                w.WriteValue(type);
                w.WritePropertyName("ts");
                w.WriteValue(UnixSeconds());
                w.WritePropertyName("id");
                w.WriteValue(id ?? NewId());
                w.WritePropertyName("body");
                if (body == null)
                {
                    w.WriteStartObject();
                    w.WriteEndObject();
                }
                else
                {
                    body.WriteTo(w);
                }
                w.WritePropertyName("session");
                if (session == null)
                {
                    w.WriteNull();
                }
                else
                {
                    w.WriteValue(session);
                }
                w.WriteEndObject();
            }
            return sw.ToString();
        }

        /// <summary>The ack of a command: id = the command's id, body {"type": command}.</summary>
        public static string Ack(string commandType, string id, string session)
        {
            var body = new JObject();
            body["type"] = commandType;
            return Build("ack", id, body, session);
        }

        /// <summary>An answer: type "&lt;command&gt;_response", id = request_id, body.request_id first.</summary>
        public static string Response(string commandType, string requestId, JObject result, string session)
        {
            return Build(commandType + "_response", requestId, ResponseBody(requestId, result), session);
        }

        /// <summary>request_id first, then every field of result (a result's own request_id is overwritten).</summary>
        public static JObject ResponseBody(string requestId, JObject result)
        {
            var body = new JObject();
            body["request_id"] = requestId;
            if (result != null)
            {
                foreach (var property in result.Properties())
                {
                    if (property.Name != "request_id")
                    {
                        body[property.Name] = property.Value.DeepClone();
                    }
                }
            }
            return body;
        }

        /// <summary>The failure body: {request_id, success:false, error}.</summary>
        public static JObject ErrorBody(string requestId, string error)
        {
            var body = new JObject();
            body["request_id"] = requestId;
            body["success"] = false;
            body["error"] = error;
            return body;
        }

        public static string NewId()
        {
            return Guid.NewGuid().ToString("N");
        }

        public static long UnixSeconds()
        {
            return (long)(DateTime.UtcNow - Epoch).TotalSeconds;
        }
    }

    /// <summary>Small JSON helpers (Newtonsoft 6 and 13 alike; dates are never parsed).</summary>
    public static class Json
    {
        public const int MaxDepth = 128;

        public static bool TryParse(string text, out JToken token, out string error)
        {
            token = null;
            error = null;
            if (text == null)
            {
                error = "no text";
                return false;
            }
            try
            {
                token = Parse(text);
                return true;
            }
            catch (Exception e)
            {
                error = e.Message;
                token = null;
                return false;
            }
        }

        /// <summary>Parses one JSON value; throws JsonException on bad or trailing content.</summary>
        public static JToken Parse(string text)
        {
            using (var reader = new JsonTextReader(new StringReader(text)))
            {
                reader.DateParseHandling = DateParseHandling.None;
                reader.MaxDepth = MaxDepth;
                JToken token = JToken.ReadFrom(reader);
                while (reader.Read())
                {
                    if (reader.TokenType != JsonToken.Comment)
                    {
                        throw new JsonReaderException("unexpected content after the JSON value");
                    }
                }
                return token;
            }
        }

        public static JObject ParseObject(string text)
        {
            JObject obj = Parse(text) as JObject;
            if (obj == null)
            {
                throw new JsonReaderException("expected a JSON object");
            }
            return obj;
        }

        public static string Compact(JToken token)
        {
            return token == null ? "null" : token.ToString(Formatting.None);
        }

        public static string NonEmptyString(JToken token)
        {
            if (token == null || token.Type != JTokenType.String)
            {
                return null;
            }
            string s = (string)token;
            return string.IsNullOrEmpty(s) ? null : s;
        }

        public static string Kind(JToken token)
        {
            if (token == null)
            {
                return "nothing";
            }
            switch (token.Type)
            {
                case JTokenType.Array:
                    return "an array";
                case JTokenType.Object:
                    return "an object";
                case JTokenType.String:
                    return "a string";
                case JTokenType.Boolean:
                    return "a boolean";
                case JTokenType.Null:
                    return "null";
                case JTokenType.Integer:
                    return "an integer";
                case JTokenType.Float:
                    return "a number";
                default:
                    return token.Type.ToString().ToLowerInvariant();
            }
        }

        /// <summary>A token as short text for an error message.</summary>
        public static string Short(JToken token)
        {
            string text = Compact(token);
            return text.Length > 40 ? text.Substring(0, 40) + "…" : text;
        }
    }
}
