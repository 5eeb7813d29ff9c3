// The request-id ledger (PROTOCOL.md §6.1): every request_id this editor received, so that a
// command sent again (after a lost ack, a reload, a takeover) is never executed twice.
using System;
using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace Movesia.Mcp.Core
{
    public enum LedgerState
    {
        /// <summary>Received; not started (queued) or running / waiting to settle.</summary>
        Received,

        /// <summary>Its answer is known and stored.</summary>
        Answered,
    }

    public sealed class LedgerEntry
    {
        public string RequestId;
        public string Command;
        public long ReceivedMs;
        public LedgerState State;

        /// <summary>The stored answer body (with request_id) when Answered.</summary>
        public JObject Answer;

        /// <summary>The stored answer's envelope type.</summary>
        public string AnswerType;
    }

    /// <summary>
    /// Bounded by count (oldest dropped first) and by age. The age bound must stay above
    /// INTERRUPT_TIMEOUT + the longest command timeout (120 s + 600 s for run_tests): fifteen
    /// minutes by default; and an entry still waiting for its answer is never aged out.
    /// A stored answer larger than MaxAnswerChars is replaced by an error that says so.
    /// Main thread only.
    /// </summary>
    public sealed class RequestLedger
    {
        public const int DefaultMaxEntries = 512;
        public const long DefaultMaxAgeMs = 15 * 60 * 1000;
        public const int DefaultMaxAnswerChars = 256 * 1024;

        private readonly Dictionary<string, LedgerEntry> entries = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        private readonly LinkedList<string> order = new LinkedList<string>();
        private readonly int maxEntries;
        private readonly long maxAgeMs;
        private readonly int maxAnswerChars;

        public RequestLedger()
            : this(DefaultMaxEntries, DefaultMaxAgeMs, DefaultMaxAnswerChars)
        {
        }

        public RequestLedger(int maxEntries, long maxAgeMs, int maxAnswerChars)
        {
            this.maxEntries = Math.Max(1, maxEntries);
            this.maxAgeMs = maxAgeMs;
            this.maxAnswerChars = maxAnswerChars;
        }

        public int Count
        {
            get { return entries.Count; }
        }

        /// <summary>The entries, oldest first.</summary>
        public IEnumerable<LedgerEntry> Entries
        {
            get
            {
                foreach (string id in order)
                {
                    yield return entries[id];
                }
            }
        }

        /// <summary>Forgets one id (a command that was queued but never started).</summary>
        public bool Forget(string requestId)
        {
            if (requestId == null || !entries.Remove(requestId))
            {
                return false;
            }
            order.Remove(requestId);
            return true;
        }

        public LedgerEntry Find(string requestId)
        {
            LedgerEntry entry;
            return requestId != null && entries.TryGetValue(requestId, out entry) ? entry : null;
        }

        /// <summary>Records a new request id; false when it is already known (a duplicate).</summary>
        public bool Admit(string requestId, string command, long nowMs)
        {
            Prune(nowMs);
            if (entries.ContainsKey(requestId))
            {
                return false;
            }
            var entry = new LedgerEntry { RequestId = requestId, Command = command, ReceivedMs = nowMs, State = LedgerState.Received };
            entries[requestId] = entry;
            order.AddLast(requestId);
            while (entries.Count > maxEntries)
            {
                DropOldest();
            }
            return true;
        }

        /// <summary>Stores the answer; an oversized one is replaced by an error naming its size.</summary>
        public LedgerEntry Record(string requestId, string answerType, JObject answer)
        {
            return Record(requestId, answerType, answer, -1);
        }

        /// <summary>As Record; size is the answer's serialised length when the caller already knows it.</summary>
        public LedgerEntry Record(string requestId, string answerType, JObject answer, int size)
        {
            LedgerEntry entry = Find(requestId);
            if (entry == null)
            {
                return null;
            }
            entry.State = LedgerState.Answered;
            entry.AnswerType = answerType;
            int length = size >= 0 ? size : Json.Compact(answer).Length;
            if (length > maxAnswerChars)
            {
                entry.Answer = Envelope.ErrorBody(requestId,
                    "the result of " + entry.Command + " (" + length + " characters) was larger than the " + maxAnswerChars
                    + " the editor keeps for a resend; run the command again with a smaller scope");
                entry.AnswerType = entry.Command + "_response";
            }
            else
            {
                entry.Answer = answer;
            }
            return entry;
        }

        /// <summary>
        /// Forgets answered entries older than the age bound. One still waiting for its answer
        /// (a deferred command: a long PlayMode test run) stays: a resend of it must not run
        /// it again.
        /// </summary>
        public void Prune(long nowMs)
        {
            LinkedListNode<string> node = order.First;
            while (node != null)
            {
                LinkedListNode<string> next = node.Next;
                LedgerEntry entry = entries[node.Value];
                if (nowMs - entry.ReceivedMs < maxAgeMs)
                {
                    break;
                }
                if (entry.State == LedgerState.Answered)
                {
                    order.Remove(node);
                    entries.Remove(entry.RequestId);
                }
                node = next;
            }
        }

        private void DropOldest()
        {
            string id = order.First.Value;
            order.RemoveFirst();
            entries.Remove(id);
        }

        /// <summary>The whole ledger as JSON text (for the reload store).</summary>
        public string Save()
        {
            var list = new JArray();
            foreach (string id in order)
            {
                LedgerEntry e = entries[id];
                var o = new JObject();
                o["id"] = e.RequestId;
                o["command"] = e.Command;
                o["received"] = e.ReceivedMs;
                o["answered"] = e.State == LedgerState.Answered;
                if (e.State == LedgerState.Answered)
                {
                    o["answer_type"] = e.AnswerType;
                    o["answer"] = e.Answer;
                }
                list.Add(o);
            }
            return Json.Compact(list);
        }

        /// <summary>
        /// Restores a saved ledger. A clock that went backwards (a new process) makes old
        /// entries count as received now: they are kept longer, never shorter. Bad text gives
        /// an empty ledger and a message in problem.
        /// </summary>
        public void Load(string text, long nowMs, out string problem)
        {
            problem = null;
            entries.Clear();
            order.Clear();
            if (string.IsNullOrEmpty(text))
            {
                return;
            }
            try
            {
                JArray list = Json.Parse(text) as JArray;
                if (list == null)
                {
                    problem = "the stored request ledger is not a list";
                    return;
                }
                foreach (JToken item in list)
                {
                    JObject o = item as JObject;
                    string id = o == null ? null : Json.NonEmptyString(o["id"]);
                    if (id == null || entries.ContainsKey(id))
                    {
                        continue;
                    }
                    long received = o["received"] != null && o["received"].Type == JTokenType.Integer ? (long)o["received"] : nowMs;
                    if (received > nowMs)
                    {
                        received = nowMs;
                    }
                    var e = new LedgerEntry { RequestId = id, Command = (string)o["command"] ?? "", ReceivedMs = received, State = LedgerState.Received };
                    if (o["answered"] != null && o["answered"].Type == JTokenType.Boolean && (bool)o["answered"])
                    {
                        e.State = LedgerState.Answered;
                        e.AnswerType = (string)o["answer_type"] ?? e.Command + "_response";
                        e.Answer = o["answer"] as JObject ?? Envelope.ErrorBody(id, "the stored result was lost");
                    }
                    entries[id] = e;
                    order.AddLast(id);
                }
            }
            catch (Exception ex)
            {
                problem = "the stored request ledger could not be read (" + ex.Message + "); starting a new one";
                entries.Clear();
                order.Clear();
            }
        }
    }
}
