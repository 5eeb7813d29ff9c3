// The seams between the Unity-free core and whatever hosts it (the Unity editor layer,
// the fake editor, the tests). The core never touches UnityEngine or UnityEditor: every
// service it needs comes in through one of these interfaces.
using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    /// <summary>Monotonic milliseconds (never wall-clock: it must not jump).</summary>
    public interface IClock
    {
        long NowMs { get; }
    }

    /// <summary>Randomness for backoff jitter.</summary>
    public interface IRandom
    {
        /// <summary>Uniform in [0, 1).</summary>
        double NextDouble();
    }

    /// <summary>
    /// String key/value state. The host gives the core two of them: one that survives a
    /// domain reload (Unity: SessionState) and one that also survives an editor restart and
    /// belongs to one project (Unity: a file under the project's Library/ folder).
    /// Called on the main thread only.
    /// </summary>
    public interface IStateStore
    {
        /// <summary>The stored value, or null when there is none.</summary>
        string Get(string key);

        void Set(string key, string value);

        void Remove(string key);
    }

    /// <summary>Runs work on the host's main thread (Unity: drained in EditorApplication.update).</summary>
    public interface IMainThread
    {
        /// <summary>Queue work; safe to call from any thread. Never runs it inline.</summary>
        void Post(Action work);
    }

    /// <summary>The host's console. Unity: Debug.Log with a "[Movesia]" prefix.</summary>
    public interface ILog
    {
        void Info(string message);

        void Warn(string message);

        void Error(string message);
    }

    /// <summary>One received WebSocket message, or the end of the stream.</summary>
    public sealed class SocketMessage
    {
        public SocketMessage(string text, bool closed, int closeCode, string closeReason)
        {
            Text = text;
            Closed = closed;
            CloseCode = closeCode;
            CloseReason = closeReason;
        }

        /// <summary>The message text (a binary message decoded as UTF-8), or null when closed.</summary>
        public string Text { get; private set; }

        public bool Closed { get; private set; }

        /// <summary>The peer's close code; 1006 when the socket died without one.</summary>
        public int CloseCode { get; private set; }

        public string CloseReason { get; private set; }
    }

    /// <summary>
    /// A client WebSocket. At most one ReceiveAsync and one SendAsync may be outstanding at
    /// a time (Mono's ClientWebSocket allows no more): the core keeps one reader loop and
    /// one serialised sender per socket.
    /// </summary>
    public interface ISocket : IDisposable
    {
        Task ConnectAsync(Uri uri, IDictionary<string, string> headers, CancellationToken cancel);

        Task SendAsync(string text, CancellationToken cancel);

        /// <summary>One whole message (fragments joined); Closed = true at the end.</summary>
        Task<SocketMessage> ReceiveAsync(CancellationToken cancel);

        Task CloseAsync(int code, string reason, CancellationToken cancel);

        /// <summary>Drop the connection at once, without a close handshake.</summary>
        void Abort();
    }

    public interface ISocketFactory
    {
        ISocket Create();
    }

    /// <summary>What the core needs to know of the editor's state to settle deferred commands.</summary>
    public interface IEditorProbe
    {
        /// <summary>Scripts are compiling (Unity: EditorApplication.isCompiling).</summary>
        bool IsCompiling { get; }

        /// <summary>Assets are importing (Unity: EditorApplication.isUpdating).</summary>
        bool IsUpdating { get; }

        /// <summary>A play mode change is under way (isPlayingOrWillChangePlaymode != isPlaying).</summary>
        bool IsChangingPlayMode { get; }

        /// <summary>
        /// The project's scripts do not compile as they stand: the last compile failed (Unity:
        /// EditorUtility.scriptCompilationFailed). A command that found nothing to compile is
        /// then answered compiled=false, not true.
        /// </summary>
        bool HasCompileErrors { get; }
    }

    /// <summary>One compiler message, as compile_finished and write_script report it.</summary>
    public sealed class CompilerMessageInfo
    {
        public CompilerMessageInfo(string file, int line, int column, string message, bool isError)
        {
            File = file;
            Line = line;
            Column = column;
            Message = message;
            IsError = isError;
        }

        public string File { get; private set; }

        public int Line { get; private set; }

        public int Column { get; private set; }

        public string Message { get; private set; }

        public bool IsError { get; private set; }
    }

    /// <summary>
    /// A command failed in a way the caller should hear about. The message is what the
    /// assistant reads: say what was wrong and what to do instead.
    /// </summary>
    public sealed class CommandException : Exception
    {
        public CommandException(string message) : base(message)
        {
        }
    }

    /// <summary>How a command ends, as its handler tells the core.</summary>
    public enum OutcomeKind
    {
        /// <summary>Answered now with Result.</summary>
        Done,

        /// <summary>
        /// The handler changed scripts or assets: answer once the editor has settled. With
        /// compile errors, Result gains compiled=false and errors; after a successful
        /// compile the domain reloads and the answer (compiled=true) goes out on the next
        /// connection with the original request_id; with nothing to compile, compiled=true
        /// once the editor has stayed quiet for a few ticks.
        /// </summary>
        AfterCompile,

        /// <summary>
        /// The handler asked for a play mode change, which may reload the domain: answer
        /// with Result once the change has happened, on whichever connection is live then.
        /// </summary>
        AfterPlayModeChange,

        /// <summary>
        /// The handler started work that ends in a callback of the host (a PlayMode test run:
        /// the test framework's RunFinished): answer when the host calls
        /// EditorLink.CompleteDeferred(Key, result) (or FailDeferred), across domain reloads,
        /// exactly once; an error when nothing completed it within TimeoutMs.
        /// </summary>
        AwaitCallback,
    }

    public sealed class CommandOutcome
    {
        /// <summary>Longest a key of AwaitCallback may be (it is stored and logged).</summary>
        public const int MaxKeyLength = 200;

        private CommandOutcome(OutcomeKind kind, JObject result)
        {
            Kind = kind;
            Result = result;
        }

        public OutcomeKind Kind { get; private set; }

        /// <summary>The answer (Done, AfterPlayModeChange) or the base of the answer (the others).</summary>
        public JObject Result { get; private set; }

        /// <summary>AwaitCallback: the name the completion will use.</summary>
        public string Key { get; private set; }

        /// <summary>AwaitCallback: how long to wait for the completion.</summary>
        public long TimeoutMs { get; private set; }

        /// <summary>AwaitCallback: the error answered on timeout (null: a generic one naming the command).</summary>
        public string TimeoutError { get; private set; }

        public static CommandOutcome Done(JObject result)
        {
            return new CommandOutcome(OutcomeKind.Done, result ?? new JObject());
        }

        public static CommandOutcome AfterCompile(JObject baseResult)
        {
            return new CommandOutcome(OutcomeKind.AfterCompile, baseResult ?? new JObject());
        }

        public static CommandOutcome AfterPlayModeChange(JObject result)
        {
            return new CommandOutcome(OutcomeKind.AfterPlayModeChange, result ?? new JObject());
        }

        /// <summary>
        /// Answer when the host calls EditorLink.CompleteDeferred(key, result): the answer is
        /// baseResult with result's properties laid over it. The wait survives domain reloads
        /// (it is kept in the reload store with baseResult); after timeoutMs without a
        /// completion the command is answered with timeoutError (or a generic error). The key
        /// must be unique among the commands waiting (a GUID in it is the simple way).
        /// </summary>
        public static CommandOutcome AwaitCallback(string key, JObject baseResult, long timeoutMs, string timeoutError = null)
        {
            if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
            {
                throw new ArgumentException("AwaitCallback needs a key of 1 to " + MaxKeyLength + " characters");
            }
            if (timeoutMs <= 0)
            {
                throw new ArgumentException("AwaitCallback needs a positive timeout");
            }
            var outcome = new CommandOutcome(OutcomeKind.AwaitCallback, baseResult ?? new JObject());
            outcome.Key = key;
            outcome.TimeoutMs = timeoutMs;
            outcome.TimeoutError = timeoutError;
            return outcome;
        }
    }

    /// <summary>
    /// A command handler: runs on the main thread with the command's parameters (the body
    /// without request_id), returns how it ends, or throws CommandException. Any other
    /// exception is caught by the core and answered as an error; it never reaches the
    /// user's console as an unhandled exception.
    /// </summary>
    public delegate CommandOutcome CommandHandler(JObject args);
}
