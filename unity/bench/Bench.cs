// MovesiaBench.exe: the C# side of the dispatch benchmark (bench/bench_csharp.py).
//
//   mono MovesiaBench.exe --url WS_URL --mode core|bare|bare-ack [--project PATH]
//
// core: the real EditorLink (ack on receipt, ledger, main-thread hop, CommandTable) with a
//       no-op "echo" handler and a fake main thread: a dedicated thread that blocks on the
//       posted work and ticks the link, as EditorApplication.update would.
// bare: the floor. The same ClientWebSocketAdapter, one receive loop that parses each
//       command with Newtonsoft and sends the response envelope back: no ack, no ledger,
//       no thread hop.
// bare-ack: the floor plus an ack frame sent before each response (what the protocol's
//       command_ack costs on the wire, without the core).
// Runs until the server closes the socket. Logs to stderr.
using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Bench
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            string url = null;
            string mode = "core";
            string project = "/bench/BenchProject";
            for (int i = 0; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--url":
                        url = args[i + 1];
                        break;
                    case "--mode":
                        mode = args[i + 1];
                        break;
                    case "--project":
                        project = args[i + 1];
                        break;
                    default:
                        Console.Error.WriteLine("MovesiaBench: unknown argument " + args[i]);
                        return 2;
                }
            }
            if (url == null || (mode != "core" && mode != "bare" && mode != "bare-ack"))
            {
                Console.Error.WriteLine("usage: mono MovesiaBench.exe --url WS_URL --mode core|bare|bare-ack [--project PATH]");
                return 2;
            }
            try
            {
                return mode == "core" ? Core(url, project) : Bare(url, mode);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine("MovesiaBench: " + e);
                return 1;
            }
        }

        private static int Bare(string url, string mode)
        {
            bool ack = mode == "bare-ack";
            var socket = new ClientWebSocketAdapter();
            socket.ConnectAsync(new Uri(url), null, CancellationToken.None).Wait();
            socket.SendAsync("{\"bench\":\"" + mode + "\"}", CancellationToken.None).Wait();
            while (true)
            {
                SocketMessage m = socket.ReceiveAsync(CancellationToken.None).Result;
                if (m.Closed)
                {
                    return 0;
                }
                JObject command = Json.ParseObject(m.Text);
                string type = (string)command["type"];
                if (type == "welcome")
                {
                    continue;
                }
                string rid = (string)command["body"]["request_id"];
                if (ack)
                {
                    socket.SendAsync(Envelope.Ack(type, (string)command["id"], null), CancellationToken.None).Wait();
                }
                socket.SendAsync(Envelope.Build(type + "_response", rid, Envelope.ResponseBody(rid, null), null), CancellationToken.None).Wait();
            }
        }

        private static int Core(string url, string project)
        {
            var main = new PumpThread();
            var commands = new CommandTable();
            commands.Register("echo", a => CommandOutcome.Done(null));
            var services = new LinkServices
            {
                Clock = new WatchClock(),
                Random = new SeededRandom(),
                ReloadStore = new DictStore(),
                ProjectStore = new DictStore(),
                MainThread = main,
                Log = new ErrLog(),
                Sockets = new ClientWebSocketFactory(),
                Probe = null,
            };
            var link = new EditorLink(new LinkOptions { ServerUrl = url, ProjectPath = project, UnityVersion = "bench" }, services, commands);
            bool connectedOnce = false;
            bool done = false;
            link.Changed += () =>
            {
                LinkState s = link.State;
                if (s == LinkState.Connected)
                {
                    connectedOnce = true;
                }
                else if (connectedOnce && s != LinkState.Connecting)
                {
                    done = true; // the server closed the benchmark connection
                }
            };
            main.Post(link.Start);
            main.Run(link, () => done);
            link.Stop("benchmark over");
            return 0;
        }
    }

    internal sealed class PumpThread : IMainThread
    {
        private readonly BlockingCollection<Action> work = new BlockingCollection<Action>();

        public void Post(Action action)
        {
            work.Add(action);
        }

        public void Run(EditorLink link, Func<bool> done)
        {
            while (!done())
            {
                Action a;
                if (work.TryTake(out a, 20))
                {
                    a();
                }
                link.Tick();
            }
        }
    }

    internal sealed class WatchClock : IClock
    {
        private readonly Stopwatch watch = Stopwatch.StartNew();

        public long NowMs
        {
            get { return watch.ElapsedMilliseconds; }
        }
    }

    internal sealed class SeededRandom : IRandom
    {
        private readonly Random random = new Random(1);

        public double NextDouble()
        {
            lock (random)
            {
                return random.NextDouble();
            }
        }
    }

    internal sealed class DictStore : IStateStore
    {
        private readonly ConcurrentDictionary<string, string> values = new ConcurrentDictionary<string, string>();

        public string Get(string key)
        {
            string v;
            return values.TryGetValue(key, out v) ? v : null;
        }

        public void Set(string key, string value)
        {
            values[key] = value;
        }

        public void Remove(string key)
        {
            string v;
            values.TryRemove(key, out v);
        }
    }

    internal sealed class ErrLog : ILog
    {
        public void Info(string message)
        {
            Console.Error.WriteLine("[Movesia] " + message);
        }

        public void Warn(string message)
        {
            Console.Error.WriteLine("[Movesia] warning: " + message);
        }

        public void Error(string message)
        {
            Console.Error.WriteLine("[Movesia] error: " + message);
        }
    }
}
