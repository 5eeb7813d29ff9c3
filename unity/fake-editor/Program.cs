// FakeEditor.exe: the real core with an in-memory scene behind the same CommandTable.
//
//   mono FakeEditor.exe --url ws://127.0.0.1:PORT/ws/unity --project DIR [--state FILE]
//
// write_script writes DIR/Assets/..., then a simulated compile runs: a script with
// unbalanced braces or an "#error" line fails with file/line (no reload); otherwise a
// domain reload follows: the core is torn down (PrepareForReload), rebuilt from the state
// store in --state (a JSON file; default DIR/Library/Movesia/fake-reload.json), and
// reconnects with a higher conn_seq to answer with the original request_id. A PlayMode
// run_tests reloads twice (into and out of play mode) and is answered from the run's end
// (FakePlayMode). Logs to stderr.
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Movesia.Mcp.Core;

namespace Movesia.Mcp.FakeEditor
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            string url = null;
            string project = null;
            string state = null;
            for (int i = 0; i < args.Length; i++)
            {
                string value = i + 1 < args.Length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--url":
                        url = value;
                        i++;
                        break;
                    case "--project":
                        project = value;
                        i++;
                        break;
                    case "--state":
                        state = value;
                        i++;
                        break;
                    case "-h":
                    case "--help":
                        Console.Error.WriteLine("usage: mono FakeEditor.exe --url WS_URL --project DIR [--state FILE]");
                        return 0;
                    default:
                        Console.Error.WriteLine("FakeEditor: unknown argument '" + args[i] + "'");
                        return 2;
                }
            }
            if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(project))
            {
                Console.Error.WriteLine("usage: mono FakeEditor.exe --url WS_URL --project DIR [--state FILE]");
                return 2;
            }
            string projectPath = Handshake.NormaliseProjectPath(Path.GetFullPath(project));
            Directory.CreateDirectory(Path.Combine(projectPath, "Assets"));
            string library = Path.Combine(Path.Combine(projectPath, "Library"), "Movesia");
            state = state ?? Path.Combine(library, "fake-reload.json");
            var app = new FakeEditorApp(url, projectPath, state, Path.Combine(library, "project-state.json"));
            return app.Run();
        }
    }

    public sealed class StderrLog : ILog
    {
        public void Info(string message)
        {
            Write("info", message);
        }

        public void Warn(string message)
        {
            Write("warning", message);
        }

        public void Error(string message)
        {
            Write("error", message);
        }

        private static void Write(string level, string message)
        {
            Console.Error.WriteLine("[Movesia] " + level + ": " + message);
        }
    }

    public sealed class StopwatchClock : IClock
    {
        // One watch for the process: like Unity's timeSinceStartup it runs on across reloads.
        private static readonly Stopwatch Watch = Stopwatch.StartNew();

        public long NowMs
        {
            get { return Watch.ElapsedMilliseconds; }
        }
    }

    public sealed class SharedRandom : IRandom
    {
        private readonly Random random = new Random();

        public double NextDouble()
        {
            lock (random)
            {
                return random.NextDouble();
            }
        }
    }

    public sealed class QueueMainThread : IMainThread
    {
        public readonly BlockingCollection<Action> Work = new BlockingCollection<Action>();

        public void Post(Action work)
        {
            Work.Add(work);
        }
    }

    public sealed class FakeEditorApp
    {
        private readonly string url;
        private readonly string projectPath;
        private readonly string reloadStatePath;
        private readonly string projectStatePath;
        private readonly QueueMainThread main = new QueueMainThread();
        private readonly StderrLog log = new StderrLog();
        private readonly StopwatchClock clock = new StopwatchClock();
        private readonly FakeCompiler compiler;
        private readonly CommandTable commands;
        private readonly FakePlayMode playMode;
        private EditorLink link;
        private int reloads;

        public FakeEditorApp(string url, string projectPath, string reloadStatePath, string projectStatePath)
        {
            this.url = url;
            this.projectPath = projectPath;
            this.reloadStatePath = reloadStatePath;
            this.projectStatePath = projectStatePath;
            compiler = new FakeCompiler(projectPath);
            // The scene and the handlers live in the "native" editor: they survive reloads.
            playMode = new FakePlayMode(clock, () => link, why => DomainReload(why, false), log);
            commands = new FakeHandlers(new FakeScene(), projectPath, compiler).Table(playMode);
        }

        public int Run()
        {
            log.Info("fake editor for " + projectPath + " → " + url);
            BuildLink();
            while (true)
            {
                Action work;
                if (main.Work.TryTake(out work, 5))
                {
                    Run(work);
                    while (main.Work.TryTake(out work))
                    {
                        Run(work);
                    }
                }
                link.Tick();
                playMode.Tick();
                FakeCompiler.Step step = compiler.Tick(clock.NowMs);
                switch (step)
                {
                    case FakeCompiler.Step.Started:
                        link.NotifyCompileStarted();
                        break;
                    case FakeCompiler.Step.Failed:
                        log.Info("compile failed: " + compiler.LastErrors.Count + " error(s)");
                        link.NotifyCompileFinished(compiler.LastErrors);
                        break;
                    case FakeCompiler.Step.Succeeded:
                        link.NotifyCompileFinished(compiler.LastErrors);
                        DomainReload("compiled", true);
                        break;
                }
            }
        }

        private void Run(Action work)
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                log.Error("main-thread work failed: " + e);
            }
        }

        private void BuildLink()
        {
            var services = new LinkServices
            {
                Clock = clock,
                Random = new SharedRandom(),
                ReloadStore = new FileStore(reloadStatePath),
                ProjectStore = new FileStore(projectStatePath),
                MainThread = main,
                Log = log,
                Sockets = new ClientWebSocketFactory(),
                Probe = compiler,
            };
            link = new EditorLink(new LinkOptions { ServerUrl = url, ProjectPath = projectPath, UnityVersion = FakeHandlers.UnityVersion }, services, commands);
            link.Start();
        }

        /// <summary>beforeAssemblyReload → the domain is gone → a new core from the stores.</summary>
        private void DomainReload(string why, bool afterCompile)
        {
            reloads++;
            log.Info("domain reload " + reloads + " (" + why + ")");
            link.PrepareForReload();
            link = null;
            // Work posted by the old domain's threads dies with it.
            Action stale;
            while (main.Work.TryTake(out stale))
            {
            }
            Thread.Sleep(50);
            if (afterCompile)
            {
                compiler.Reloaded();
            }
            BuildLink();
        }
    }
}
