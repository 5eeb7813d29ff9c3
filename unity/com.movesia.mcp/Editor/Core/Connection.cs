// One socket: a serialised sender (strict FIFO, one SendAsync at a time) and the state the
// reader thread shares with the main thread.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Movesia.Mcp.Core
{
    internal sealed class Connection
    {
        private static readonly Stopwatch Watch = Stopwatch.StartNew();

        private readonly object sendLock = new object();
        private readonly Queue<Outgoing> sendQueue = new Queue<Outgoing>();
        private bool pumping;
        private bool sendFailed;
        private long lastSendMs;
        private long lastReceiveMs;
        private int drainPosted;

        public Connection(int number, ISocket socket, long connSeq)
        {
            Number = number;
            Socket = socket;
            ConnSeq = connSeq;
            Cancel = new CancellationTokenSource();
            Inbox = new ConcurrentQueue<Envelope>();
            lastSendMs = lastReceiveMs = WatchMs;
        }

        /// <summary>Milliseconds of a process-wide stopwatch (for the background timers only).</summary>
        public static long WatchMs
        {
            get { return Watch.ElapsedMilliseconds; }
        }

        public int Number { get; private set; }

        public ISocket Socket { get; private set; }

        public long ConnSeq { get; private set; }

        public CancellationTokenSource Cancel { get; private set; }

        public ConcurrentQueue<Envelope> Inbox { get; private set; }

        /// <summary>Set by the reader when the welcome frame arrived.</summary>
        public volatile bool WelcomeSeen;

        /// <summary>Set on the main thread once the welcome was handled.</summary>
        public bool Welcomed;

        /// <summary>Set when the socket ended (reader saw the close, or it was dropped).</summary>
        public volatile bool Ended;

        /// <summary>Set when the reader has finished (it saw the peer's close, or the socket died).</summary>
        public readonly ManualResetEventSlim ReaderDone = new ManualResetEventSlim(false);

        /// <summary>Main-thread clock time the welcome was handled.</summary>
        public long WelcomedAtMs;

        public long OpenedWatchMs;

        public long LastSendMs
        {
            get { return Interlocked.Read(ref lastSendMs); }
        }

        public long LastReceiveMs
        {
            get { return Interlocked.Read(ref lastReceiveMs); }
        }

        public void Received()
        {
            Interlocked.Exchange(ref lastReceiveMs, WatchMs);
        }

        /// <summary>True when the caller should post a drain of the inbox (none is posted yet).</summary>
        public bool ClaimDrain()
        {
            return Interlocked.CompareExchange(ref drainPosted, 1, 0) == 0;
        }

        public void ReleaseDrain()
        {
            Interlocked.Exchange(ref drainPosted, 0);
        }

        /// <summary>
        /// Queues a frame; frames go out strictly in the order queued. The task ends true when
        /// the socket took it, false when it could not be sent (the socket is then dropped).
        /// Safe from any thread.
        /// </summary>
        public Task<bool> Send(string text)
        {
            return Send(text, false);
        }

        /// <summary>As Send; a requeueable frame (an event) that was never written is handed back by CloseBounded.</summary>
        public Task<bool> Send(string text, bool requeueable)
        {
            var done = new TaskCompletionSource<bool>();
            bool start = false;
            lock (sendLock)
            {
                if (sendFailed || Ended)
                {
                    done.TrySetResult(false);
                    return done.Task;
                }
                sendQueue.Enqueue(new Outgoing { Text = text, Done = done, Requeueable = requeueable });
                if (!pumping)
                {
                    pumping = true;
                    start = true;
                }
            }
            if (start)
            {
                // Inline: a small frame is written synchronously by the caller (no thread
                // hop); whatever does not complete at once continues on the thread pool.
                StartPump();
            }
            return done.Task;
        }

        /// <summary>Send without waiting for the outcome (a lost frame drops the socket anyway).</summary>
        public void SendLater(string text)
        {
            Send(text);
        }

        private void StartPump()
        {
            Task pump;
            try
            {
                pump = Pump();
            }
            catch (Exception)
            {
                FailQueued();
                return;
            }
            pump.ContinueWith(t => { var ignored = t.Exception; }, TaskContinuationOptions.OnlyOnFaulted);
        }

        private async Task Pump()
        {
            while (true)
            {
                Outgoing item;
                lock (sendLock)
                {
                    if (sendQueue.Count == 0)
                    {
                        pumping = false;
                        return;
                    }
                    item = sendQueue.Dequeue();
                }
                bool ok = false;
                try
                {
                    await Socket.SendAsync(item.Text, Cancel.Token).ConfigureAwait(false);
                    Interlocked.Exchange(ref lastSendMs, WatchMs);
                    ok = true;
                }
                catch (Exception)
                {
                    ok = false;
                }
                item.Done.TrySetResult(ok);
                if (!ok)
                {
                    FailQueued();
                    Abort();
                    return;
                }
            }
        }

        private List<string> FailQueued()
        {
            var requeue = new List<string>();
            lock (sendLock)
            {
                sendFailed = true;
                pumping = false;
                while (sendQueue.Count > 0)
                {
                    Outgoing item = sendQueue.Dequeue();
                    if (item.Requeueable)
                    {
                        requeue.Add(item.Text);
                    }
                    item.Done.TrySetResult(false);
                }
            }
            return requeue;
        }

        private bool Idle()
        {
            lock (sendLock)
            {
                return sendQueue.Count == 0 && !pumping;
            }
        }

        /// <summary>Drops the socket at once; the reader then ends with 1006.</summary>
        public void Abort()
        {
            try
            {
                Cancel.Cancel();
            }
            catch (Exception)
            {
                // disposed
            }
            try
            {
                Socket.Abort();
            }
            catch (Exception)
            {
                // already gone
            }
        }

        /// <summary>
        /// A polite close within about waitMs: let the frames already queued go out (a
        /// compile_finished just before a domain reload must not die in the queue), send the
        /// close frame, and wait for the reader to see the server's close before dropping
        /// the socket. Dropping it while the server's last frames (acks) sit unread makes the
        /// kernel answer with a reset, and the server then loses what it had not read yet,
        /// our last frames included. Returns the requeueable frames (events) that could not
        /// be written in time.
        /// </summary>
        public List<string> CloseBounded(int code, string reason, int waitMs)
        {
            long end = WatchMs + waitMs;
            while (!Idle() && !sendFailed && WatchMs < end - waitMs / 2)
            {
                Thread.Sleep(2);
            }
            Ended = true;
            List<string> unsent = FailQueued();
            try
            {
                Task close = Socket.CloseAsync(code, reason, CancellationToken.None);
                if (close.Wait((int)Math.Max(1, end - WatchMs)))
                {
                    ReaderDone.Wait((int)Math.Max(1, end - WatchMs));
                }
            }
            catch (Exception)
            {
                // a dead socket cannot be closed politely
            }
            Abort();
            return unsent;
        }

        private sealed class Outgoing
        {
            public string Text;
            public TaskCompletionSource<bool> Done;
            public bool Requeueable;
        }
    }
}
