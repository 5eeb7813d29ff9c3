// The real Python server as a child process on a port chosen at run time (SERVER_PORT=0,
// the bound port read back from its log), and an MCP client (mcp_driver.py) that calls its
// tools over streamable HTTP.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.WebSockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using NUnit.Framework;

namespace Movesia.Mcp.Tests
{
    public sealed class LiveServer : IDisposable
    {
        private static readonly Regex Listening = new Regex(@"Unity listener on ws://127\.0\.0\.1:(\d+)/ws/unity");
        private readonly Process process;
        private readonly StringBuilder log = new StringBuilder();
        private readonly ManualResetEventSlim ready = new ManualResetEventSlim();
        private McpDriver driver;

        public LiveServer(IDictionary<string, string> env)
            : this(env, 0)
        {
        }

        /// <summary>port 0: the system picks one, read back from the server's log.</summary>
        public LiveServer(IDictionary<string, string> env, int port)
        {
            string python = Environment.GetEnvironmentVariable("MOVESIA_PYTHON") ?? "python3";
            var info = new ProcessStartInfo(python, "-m movesia_mcp --transport http")
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
                WorkingDirectory = RepoRoot,
            };
            info.EnvironmentVariables["SERVER_HOST"] = "127.0.0.1";
            info.EnvironmentVariables["SERVER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            info.EnvironmentVariables["LOG_LEVEL"] = "INFO";
            info.EnvironmentVariables.Remove("MOVESIA_TOKEN");
            if (env != null)
            {
                foreach (var pair in env)
                {
                    info.EnvironmentVariables[pair.Key] = pair.Value;
                }
            }
            process = new Process { StartInfo = info };
            process.ErrorDataReceived += (s, e) => OnLine(e.Data);
            process.OutputDataReceived += (s, e) => OnLine(e.Data);
            try
            {
                process.Start();
            }
            catch (Exception e)
            {
                Assert.Fail("could not start the server with " + python + ": " + e.Message);
            }
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            if (!ready.Wait(TimeSpan.FromSeconds(60)))
            {
                Dispose();
                Assert.Fail("the server did not report its port; its log:\n" + Log);
            }
        }

        public static string RepoRoot
        {
            get
            {
                string root = Environment.GetEnvironmentVariable("MOVESIA_REPO_ROOT");
                if (!string.IsNullOrEmpty(root))
                {
                    return root;
                }
                string dir = AppDomain.CurrentDomain.BaseDirectory;
                while (dir != null && !File.Exists(Path.Combine(dir, "pyproject.toml")))
                {
                    dir = Path.GetDirectoryName(dir);
                }
                return dir ?? Directory.GetCurrentDirectory();
            }
        }

        public int Port { get; private set; }

        public string UnityUrl
        {
            get { return "ws://127.0.0.1:" + Port + "/ws/unity"; }
        }

        public string McpUrl
        {
            get { return "http://127.0.0.1:" + Port + "/mcp"; }
        }

        public string Log
        {
            get
            {
                lock (log)
                {
                    return log.ToString();
                }
            }
        }

        public McpDriver Mcp
        {
            get
            {
                if (driver == null)
                {
                    driver = new McpDriver(McpUrl);
                }
                return driver;
            }
        }

        private void OnLine(string line)
        {
            if (line == null)
            {
                return;
            }
            lock (log)
            {
                log.AppendLine(line);
            }
            Match m = Listening.Match(line);
            if (m.Success && !ready.IsSet)
            {
                Port = int.Parse(m.Groups[1].Value);
                ready.Set();
            }
        }

        /// <summary>SIGTERM: the server shuts down gracefully (it closes editors with 1001).</summary>
        public void Terminate()
        {
            try
            {
                using (Process kill = Process.Start(new ProcessStartInfo("kill", "-TERM " + process.Id) { UseShellExecute = false }))
                {
                    kill.WaitForExit(10000);
                }
                process.WaitForExit(30000);
            }
            catch (Exception)
            {
                // already gone
            }
        }

        public void Dispose()
        {
            if (driver != null)
            {
                driver.Dispose();
                driver = null;
            }
            try
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit(10000);
                }
            }
            catch (Exception)
            {
                // already gone
            }
        }
    }

    /// <summary>The MCP client: mcp_driver.py in a child process, one JSON line per call.</summary>
    public sealed class McpDriver : IDisposable
    {
        private readonly Process process;
        private readonly ConcurrentDictionary<int, TaskCompletionSource<JObject>> pending = new ConcurrentDictionary<int, TaskCompletionSource<JObject>>();
        private readonly ManualResetEventSlim ready = new ManualResetEventSlim();
        private readonly StringBuilder errors = new StringBuilder();
        private int next;

        public McpDriver(string url)
        {
            string python = Environment.GetEnvironmentVariable("MOVESIA_PYTHON") ?? "python3";
            string script = Path.Combine(Path.Combine(Path.Combine(LiveServer.RepoRoot, "unity"), "tests"), "mcp_driver.py");
            var info = new ProcessStartInfo(python, "\"" + script + "\" " + url)
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                RedirectStandardInput = true,
            };
            process = new Process { StartInfo = info };
            process.OutputDataReceived += (s, e) => OnLine(e.Data);
            process.ErrorDataReceived += (s, e) =>
            {
                if (e.Data != null)
                {
                    lock (errors)
                    {
                        errors.AppendLine(e.Data);
                    }
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!ready.Wait(TimeSpan.FromSeconds(60)))
            {
                Assert.Fail("the MCP driver did not start: " + errors);
            }
        }

        /// <summary>Starts a tool call; the task ends with {is_error, structured, text}.</summary>
        public Task<JObject> Call(string tool, JObject args)
        {
            int id = Interlocked.Increment(ref next);
            var tcs = new TaskCompletionSource<JObject>();
            pending[id] = tcs;
            var request = new JObject();
            request["id"] = id;
            request["tool"] = tool;
            request["args"] = args ?? new JObject();
            lock (process)
            {
                process.StandardInput.WriteLine(request.ToString(Newtonsoft.Json.Formatting.None));
                process.StandardInput.Flush();
            }
            return tcs.Task;
        }

        private void OnLine(string line)
        {
            if (string.IsNullOrEmpty(line))
            {
                return;
            }
            JObject o;
            try
            {
                o = JObject.Parse(line);
            }
            catch (Exception)
            {
                return;
            }
            if (o["ready"] != null)
            {
                ready.Set();
                return;
            }
            TaskCompletionSource<JObject> tcs;
            if (o["id"] != null && pending.TryRemove((int)o["id"], out tcs))
            {
                tcs.TrySetResult(o);
            }
        }

        public void Dispose()
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                }
            }
            catch (Exception)
            {
                // already gone
            }
        }
    }

    /// <summary>Real ClientWebSockets whose traffic the test can read afterwards.</summary>
    public sealed class RecordingSockets : ISocketFactory
    {
        public readonly List<string> Events = new List<string>();

        public ISocket Create()
        {
            return new Recording(this, new ClientWebSocketAdapter());
        }

        public void Add(string line)
        {
            lock (Events)
            {
                Events.Add(line);
            }
        }

        public List<JObject> Frames(string direction)
        {
            var list = new List<JObject>();
            lock (Events)
            {
                foreach (string e in Events)
                {
                    if (e.StartsWith(direction + " ", StringComparison.Ordinal))
                    {
                        try
                        {
                            list.Add(JObject.Parse(e.Substring(direction.Length + 1)));
                        }
                        catch (Exception)
                        {
                            // not an object
                        }
                    }
                }
            }
            return list;
        }

        /// <summary>
        /// The first frame of direction that matches, waiting for it up to seconds: the
        /// reader thread records a frame when it has read it, which on a loaded machine may be
        /// after the server's answer to the MCP call reached the test.
        /// </summary>
        public JObject WaitForFrame(string direction, Func<JObject, bool> match, string what, double seconds)
        {
            DateTime end = DateTime.UtcNow.AddSeconds(seconds);
            while (true)
            {
                foreach (JObject frame in Frames(direction))
                {
                    if (match(frame))
                    {
                        return frame;
                    }
                }
                Assert.That(DateTime.UtcNow, Is.LessThan(end), what);
                System.Threading.Thread.Sleep(5);
            }
        }

        private sealed class Recording : ISocket
        {
            private readonly RecordingSockets owner;
            private readonly ISocket inner;

            public Recording(RecordingSockets owner, ISocket inner)
            {
                this.owner = owner;
                this.inner = inner;
            }

            public Task ConnectAsync(Uri uri, IDictionary<string, string> headers, CancellationToken cancel)
            {
                owner.Add("connect " + uri);
                return inner.ConnectAsync(uri, headers, cancel);
            }

            public Task SendAsync(string text, CancellationToken cancel)
            {
                owner.Add("out " + text);
                return inner.SendAsync(text, cancel);
            }

            public async Task<SocketMessage> ReceiveAsync(CancellationToken cancel)
            {
                SocketMessage m = await inner.ReceiveAsync(cancel).ConfigureAwait(false);
                owner.Add(m.Closed ? "closed " + m.CloseCode + " " + m.CloseReason : "in " + m.Text);
                return m;
            }

            public Task CloseAsync(int code, string reason, CancellationToken cancel)
            {
                return inner.CloseAsync(code, reason, cancel);
            }

            public void Abort()
            {
                inner.Abort();
            }

            public void Dispose()
            {
                inner.Dispose();
            }
        }
    }
}
