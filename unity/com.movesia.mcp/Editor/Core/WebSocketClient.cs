// ISocket over System.Net.WebSockets.ClientWebSocket (present in Unity and in Mono).
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace Movesia.Mcp.Core
{
    public sealed class ClientWebSocketFactory : ISocketFactory
    {
        public ISocket Create()
        {
            return new ClientWebSocketAdapter();
        }
    }

    /// <summary>
    /// One ClientWebSocket. The caller keeps at most one ReceiveAsync and one SendAsync
    /// outstanding. ReceiveAsync never throws for a dead socket: it returns Closed with 1006.
    /// </summary>
    public sealed class ClientWebSocketAdapter : ISocket
    {
        /// <summary>Refuse a single inbound message larger than this (the server's own limit is 16 MiB).</summary>
        public const int MaxMessageBytes = 64 * 1024 * 1024;

        private readonly ClientWebSocket socket = new ClientWebSocket();
        private readonly byte[] buffer = new byte[16 * 1024];

        public async Task ConnectAsync(Uri uri, IDictionary<string, string> headers, CancellationToken cancel)
        {
            if (headers != null)
            {
                foreach (var pair in headers)
                {
                    socket.Options.SetRequestHeader(pair.Key, pair.Value);
                }
            }
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await socket.ConnectAsync(uri, cancel).ConfigureAwait(false);
            NoDelay = DisableNagle(socket);
        }

        /// <summary>
        /// Whether TCP_NODELAY could be set on the connection. Mono's ClientWebSocket leaves
        /// Nagle's algorithm on: an answer sent right after its ack then waits for the
        /// server's delayed TCP ACK (40 ms on Linux, up to 200 ms on Windows).
        /// </summary>
        public bool NoDelay { get; private set; }

        /// <summary>
        /// Finds the Socket under a connected ClientWebSocket (a bounded walk over the
        /// private fields of System.Net / Mono.Net objects: the handle, the managed
        /// WebSocket, its stream, an SslStream's inner stream) and sets NoDelay on it.
        /// Best effort: false when the runtime keeps it elsewhere.
        /// </summary>
        public static bool DisableNagle(object root)
        {
            try
            {
                Socket found = FindSocket(root, 0, new HashSet<object>());
                if (found == null)
                {
                    return false;
                }
                found.NoDelay = true;
                return found.NoDelay;
            }
            catch (Exception)
            {
                return false;
            }
        }

        private static Socket FindSocket(object value, int depth, HashSet<object> seen)
        {
            if (value == null || depth > 6 || !seen.Add(value))
            {
                return null;
            }
            Socket socket = value as Socket;
            if (socket != null)
            {
                return socket;
            }
            for (Type t = value.GetType(); t != null && t != typeof(object); t = t.BaseType)
            {
                foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
                {
                    Type ft = field.FieldType;
                    if (ft.IsPrimitive || ft.IsEnum || ft == typeof(string) || ft.IsValueType)
                    {
                        continue;
                    }
                    object child = field.GetValue(value);
                    if (child == null)
                    {
                        continue;
                    }
                    string ns = child.GetType().Namespace ?? "";
                    if (!(child is Socket) && !ns.StartsWith("System.Net", StringComparison.Ordinal) && !ns.StartsWith("Mono.Net", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    Socket hit = FindSocket(child, depth + 1, seen);
                    if (hit != null)
                    {
                        return hit;
                    }
                }
            }
            return null;
        }

        public Task SendAsync(string text, CancellationToken cancel)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            return socket.SendAsync(new ArraySegment<byte>(bytes), WebSocketMessageType.Text, true, cancel);
        }

        public async Task<SocketMessage> ReceiveAsync(CancellationToken cancel)
        {
            MemoryStream whole = null;
            try
            {
                while (true)
                {
                    WebSocketReceiveResult result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer), cancel).ConfigureAwait(false);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        int code = result.CloseStatus.HasValue ? (int)result.CloseStatus.Value : 1005;
                        string reason = result.CloseStatusDescription ?? "";
                        AnswerClose();
                        return new SocketMessage(null, true, code, reason);
                    }
                    if (result.EndOfMessage && whole == null)
                    {
                        return new SocketMessage(Decode(buffer, result.Count), false, 0, null);
                    }
                    if (whole == null)
                    {
                        whole = new MemoryStream();
                    }
                    whole.Write(buffer, 0, result.Count);
                    if (whole.Length > MaxMessageBytes)
                    {
                        Abort();
                        return new SocketMessage(null, true, 1009, "a message from the server was over " + MaxMessageBytes + " bytes");
                    }
                    if (result.EndOfMessage)
                    {
                        return new SocketMessage(Decode(whole.GetBuffer(), (int)whole.Length), false, 0, null);
                    }
                }
            }
            catch (Exception e)
            {
                return new SocketMessage(null, true, ClosePolicy.Abnormal, Describe(e));
            }
        }

        public async Task CloseAsync(int code, string reason, CancellationToken cancel)
        {
            WebSocketState state = socket.State;
            if (state == WebSocketState.Open || state == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason ?? "", cancel).ConfigureAwait(false);
            }
        }

        public void Abort()
        {
            try
            {
                socket.Abort();
            }
            catch (Exception)
            {
                // already gone
            }
        }

        public void Dispose()
        {
            try
            {
                socket.Dispose();
            }
            catch (Exception)
            {
                // already gone
            }
        }

        private void AnswerClose()
        {
            try
            {
                if (socket.State == WebSocketState.CloseReceived)
                {
                    // Complete the close handshake (bounded: the reader thread waits at most 1 s).
                    Task reply = socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    reply.ContinueWith(t => { var ignored = t.Exception; }, TaskContinuationOptions.OnlyOnFaulted);
                    reply.Wait(1000);
                }
            }
            catch (Exception)
            {
                // the peer is gone; nothing to answer
            }
        }

        private static string Decode(byte[] bytes, int count)
        {
            return Encoding.UTF8.GetString(bytes, 0, count);
        }

        internal static string Describe(Exception e)
        {
            Exception inner = e;
            while (inner is AggregateException && inner.InnerException != null)
            {
                inner = inner.InnerException;
            }
            string text = inner.Message;
            if (inner.InnerException != null && inner.InnerException.Message != text)
            {
                text += " (" + inner.InnerException.Message + ")";
            }
            return text;
        }
    }
}
