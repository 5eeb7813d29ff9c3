// ISocket over System.Net.WebSockets.ClientWebSocket (present in Unity and in Mono).
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.WebSockets;
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
                    socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None)
                        .ContinueWith(t => { var ignored = t.Exception; }, TaskContinuationOptions.OnlyOnFaulted);
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
