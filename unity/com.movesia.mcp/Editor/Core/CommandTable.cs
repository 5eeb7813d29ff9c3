using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    /// <summary>The commands this editor answers, by wire name.</summary>
    public sealed class CommandTable
    {
        private readonly Dictionary<string, CommandHandler> handlers = new Dictionary<string, CommandHandler>(StringComparer.Ordinal);

        public IEnumerable<string> Commands
        {
            get { return handlers.Keys; }
        }

        public int Count
        {
            get { return handlers.Count; }
        }

        /// <summary>Adds a handler; throws on a duplicate name, a control type or a null handler.</summary>
        public void Register(string command, CommandHandler handler)
        {
            if (string.IsNullOrEmpty(command))
            {
                throw new ArgumentException("a command needs a name");
            }
            if (handler == null)
            {
                throw new ArgumentNullException("handler", "command " + command + " needs a handler");
            }
            if (Envelope.ControlTypes.Contains(command))
            {
                throw new ArgumentException("'" + command + "' is a control type of the protocol, not a command");
            }
            if (handlers.ContainsKey(command))
            {
                throw new InvalidOperationException("command '" + command + "' is registered twice");
            }
            handlers[command] = handler;
        }

        public bool Contains(string command)
        {
            return command != null && handlers.ContainsKey(command);
        }

        public CommandHandler Find(string command)
        {
            CommandHandler handler;
            return command != null && handlers.TryGetValue(command, out handler) ? handler : null;
        }
    }

    public enum LinkState
    {
        Stopped,
        Connecting,
        Connected,
        WaitingToRetry,
        Reloading,
    }

    public sealed class LinkOptions
    {
        public string ServerUrl = "ws://127.0.0.1:8765/ws/unity";

        /// <summary>Absolute project folder, forward slashes, no trailing slash.</summary>
        public string ProjectPath;

        public string UnityVersion;

        /// <summary>Optional shared secret (MOVESIA_TOKEN), sent as ?token=.</summary>
        public string Token;

        /// <summary>How long a deferred (AfterCompile / AfterPlayModeChange) command may wait to settle.</summary>
        public long SettleTimeoutMs = 180000;

        /// <summary>Send an hb after this long without any outbound frame.</summary>
        public long HeartbeatMs = 20000;

        /// <summary>Give up on a connection that got no welcome within this long.</summary>
        public long WelcomeTimeoutMs = 10000;

        /// <summary>A connection that lived this long resets the backoff.</summary>
        public long LivedMs = 5000;
    }

    public sealed class LinkServices
    {
        public IClock Clock;
        public IRandom Random;

        /// <summary>Survives domain reloads (Unity: SessionState).</summary>
        public IStateStore ReloadStore;

        /// <summary>Survives editor restarts, per project (Unity: a file under Library/).</summary>
        public IStateStore ProjectStore;

        public IMainThread MainThread;
        public ILog Log;
        public ISocketFactory Sockets;
        public IEditorProbe Probe;
    }

    public sealed class CommandRecord
    {
        public string Command;
        public string RequestId;

        /// <summary>"ok", "error: ...", "waiting for compile", "duplicate", "cancelled", ...</summary>
        public string Outcome;

        public long DurationMs;
    }

    public sealed class LinkSnapshot
    {
        public LinkState State;
        public string ServerUrl;
        public string ProjectPath;
        public string SessionId;
        public long ConnSeq;

        /// <summary>e.g. "superseded by another editor of this project (4001)".</summary>
        public string LastProblem;

        /// <summary>Newest first, bounded.</summary>
        public IList<CommandRecord> RecentCommands;
    }
}
