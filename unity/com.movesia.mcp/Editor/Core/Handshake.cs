// Who this editor is (PROTOCOL.md §3): the session id derived from the project path, the
// seed handshake object, and the close-code policy (§9).
using System;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    public static class Handshake
    {
        /// <summary>What this core declares (PROTOCOL.md §3.6).</summary>
        public static readonly string[] Capabilities = { "command_ack", "dedup", "cancel" };

        /// <summary>
        /// The server's rule (handshake.derive_session_id): "p-" + the first 16 hex digits
        /// of sha256 of the path with "\" → "/", trailing "/" stripped, lower-cased.
        /// </summary>
        public static string DeriveSessionId(string projectPath)
        {
            if (string.IsNullOrEmpty(projectPath))
            {
                throw new ArgumentException("a project path is needed to derive the session id");
            }
            string normal = projectPath.Replace('\\', '/').TrimEnd('/').ToLowerInvariant();
            using (var sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(normal));
                var sb = new StringBuilder("p-", 18);
                for (int i = 0; i < 8; i++)
                {
                    sb.Append(hash[i].ToString("x2"));
                }
                return sb.ToString();
            }
        }

        /// <summary>The first frame of every connection (no envelope).</summary>
        public static JObject Seed(string projectPath, string unityVersion, string sessionId, long connSeq, string secret)
        {
            var seed = new JObject();
            seed["project_path"] = projectPath;
            seed["unity_version"] = unityVersion ?? "";
            seed["session_id"] = sessionId;
            seed["conn_seq"] = connSeq;
            seed["capabilities"] = new JArray(Capabilities);
            if (!string.IsNullOrEmpty(secret))
            {
                seed["session_secret"] = secret;
            }
            return seed;
        }

        /// <summary>The socket URL: the server URL plus ?token= when a token is configured.</summary>
        public static Uri ConnectUri(string serverUrl, string token)
        {
            string url = serverUrl;
            if (!string.IsNullOrEmpty(token))
            {
                url += (url.IndexOf('?') >= 0 ? "&" : "?") + "token=" + Uri.EscapeDataString(token);
            }
            return new Uri(url);
        }

        /// <summary>Project paths as the core keeps them: forward slashes, no trailing slash.</summary>
        public static string NormaliseProjectPath(string path)
        {
            if (string.IsNullOrEmpty(path))
            {
                return path;
            }
            string p = path.Replace('\\', '/');
            while (p.Length > 1 && p.EndsWith("/", StringComparison.Ordinal))
            {
                p = p.Substring(0, p.Length - 1);
            }
            return p;
        }
    }

    /// <summary>What to do after the server closed the socket.</summary>
    public enum CloseAction
    {
        /// <summary>Do not reconnect (superseded, authentication, project mismatch).</summary>
        Stop,

        /// <summary>Bump conn_seq and connect again at once (duplicate_session).</summary>
        RetryNow,

        /// <summary>Connect again after the backoff delay.</summary>
        Retry,
    }

    public sealed class CloseDecision
    {
        public CloseDecision(CloseAction action, string problem)
        {
            Action = action;
            Problem = problem;
        }

        public CloseAction Action { get; private set; }

        /// <summary>What to tell the user (null when nothing went wrong).</summary>
        public string Problem { get; private set; }
    }

    public static class ClosePolicy
    {
        public const int NormalClosure = 1000;
        public const int GoingAway = 1001;
        public const int Abnormal = 1006;
        public const int HandshakeFailed = 4000;
        public const int Superseded = 4001;
        public const int DuplicateSession = 4002;
        public const int AuthenticationFailed = 4003;
        public const int SessionExpired = 4004;
        public const int ProjectMismatch = 4006;

        public static CloseDecision Decide(int code, string reason)
        {
            string why = string.IsNullOrEmpty(reason) ? "" : ": " + reason;
            switch (code)
            {
                case Superseded:
                    return new CloseDecision(CloseAction.Stop,
                        "superseded by another editor of this project (4001)" + why + "; not reconnecting (press Reconnect to take over again)");
                case DuplicateSession:
                    return new CloseDecision(CloseAction.RetryNow, "the server already had a newer connection of this project (4002)" + why);
                case AuthenticationFailed:
                    return new CloseDecision(CloseAction.Stop,
                        "the server refused this editor (4003 authentication failed" + why + "); check MOVESIA_TOKEN and the session secret, then press Reconnect");
                case ProjectMismatch:
                    return new CloseDecision(CloseAction.Stop,
                        "the server bound this session to another project (4006 project mismatch" + why + ")");
                case GoingAway:
                    return new CloseDecision(CloseAction.Retry, "the server is shutting down (1001)" + why);
                case NormalClosure:
                    return new CloseDecision(CloseAction.Retry, "the server closed the connection (1000)" + why);
                case HandshakeFailed:
                    return new CloseDecision(CloseAction.Retry, "the server did not accept the handshake (4000)" + why);
                case SessionExpired:
                    return new CloseDecision(CloseAction.Retry, "the server closed an idle connection (4004)" + why);
                case Abnormal:
                    return new CloseDecision(CloseAction.Retry, "the connection was lost" + why);
                default:
                    return new CloseDecision(CloseAction.Retry, "the connection closed with code " + code + why);
            }
        }
    }

    /// <summary>
    /// Reconnect delays: the first retry fast (250 ms), then doubling, each with ±25 %
    /// jitter, capped at 10 s. Reset after a connection that lived.
    /// </summary>
    public sealed class Backoff
    {
        public const long FirstMs = 250;
        public const long CapMs = 10000;
        public const double Jitter = 0.25;

        private readonly IRandom random;
        private int attempt;

        public Backoff(IRandom random)
        {
            this.random = random;
        }

        public int Attempt
        {
            get { return attempt; }
        }

        /// <summary>The delay before the next attempt; each call counts one attempt.</summary>
        public long NextDelayMs()
        {
            double baseMs = FirstMs;
            for (int i = 0; i < attempt && baseMs < CapMs; i++)
            {
                baseMs *= 2;
            }
            if (baseMs > CapMs)
            {
                baseMs = CapMs;
            }
            attempt++;
            double r = random == null ? 0.5 : random.NextDouble();
            double delay = baseMs * (1.0 - Jitter + 2 * Jitter * r);
            if (delay > CapMs)
            {
                delay = CapMs;
            }
            return (long)delay;
        }

        public void Reset()
        {
            attempt = 0;
        }
    }
}
