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
        private readonly Queue<KeyValuePair<string, TaskCompletionSource<bool>>> sendQueue = new Queue<KeyValuePair<string, TaskCompletionSource<bool>>>();
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
            var done = new TaskCompletionSource<bool>();
            bool start = false;
            lock (sendLock)
            {
                if (sendFailed || Ended)
                {
                    done.TrySetResult(false);
                    return done.Task;
                }
                sendQueue.Enqueue(new KeyValuePair<string, TaskCompletionSource<bool>>(text, done));
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
                KeyValuePair<string, TaskCompletionSource<bool>> item;
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
                    await Socket.SendAsync(item.Key, Cancel.Token).ConfigureAwait(false);
                    Interlocked.Exchange(ref lastSendMs, WatchMs);
                    ok = true;
                }
                catch (Exception)
                {
                    ok = false;
                }
                item.Value.TrySetResult(ok);
                if (!ok)
                {
                    FailQueued();
                    Abort();
                    return;
                }
            }
        }

        private void FailQueued()
        {
            lock (sendLock)
            {
                sendFailed = true;
                pumping = false;
                while (sendQueue.Count > 0)
                {
                    sendQueue.Dequeue().Value.TrySetResult(false);
                }
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

        /// <summary>Closes with a close frame, waiting at most waitMs, then drops the socket.</summary>
        public void CloseBounded(int code, string reason, int waitMs)
        {
            Ended = true;
            FailQueued();
            try
            {
                Task close = Socket.CloseAsync(code, reason, CancellationToken.None);
                close.Wait(waitMs);
            }
            catch (Exception)
            {
                // a dead socket cannot be closed politely
            }
            Abort();
        }
    }
}
