// batch: several commands in order in one round trip, one undo group; stops at the first error.
using System;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    internal static class BatchHandler
    {
        private const int MaxSteps = 50;

        public static CommandOutcome Batch(JObject args)
        {
            JArray steps = Args.OptionalArray(args, "steps");
            if (steps == null || steps.Count < 1 || steps.Count > MaxSteps)
            {
                throw new CommandException("batch needs a list of 1 to " + MaxSteps + " 'steps'");
            }
            Undo.IncrementCurrentGroup();
            int group = Undo.GetCurrentGroup();
            Undo.SetCurrentGroupName("Movesia batch");
            var results = new JArray();
            int completed = 0;
            bool stopped = false;
            foreach (JToken token in steps)
            {
                JObject step = token as JObject;
                string tool = step == null ? "?" : ((string)step["tool"] ?? (string)step["command"] ?? "?");
                JObject result;
                string error = RunStep(step, out result);
                if (error != null)
                {
                    results.Add(new JObject { { "tool", tool }, { "success", false }, { "error", error } });
                    stopped = true;
                    break;
                }
                results.Add(new JObject { { "tool", tool }, { "success", true }, { "result", result } });
                completed++;
            }
            Undo.CollapseUndoOperations(group);
            return CommandOutcome.Done(new JObject
            {
                { "results", results },
                { "completed", completed },
                { "stopped_on_error", stopped },
            });
        }

        // Runs one step; null on success (result set), else the error message.
        private static string RunStep(JObject step, out JObject result)
        {
            result = null;
            if (step == null)
            {
                return "a batch step must be an object";
            }
            string command = (string)step["command"] ?? (string)step["tool"];
            if (command == null)
            {
                return "a batch step needs 'tool' (or 'command')";
            }
            if (command == "batch")
            {
                return "a batch cannot contain another batch";
            }
            CommandHandler handler;
            if (!Handlers.All().TryGetValue(command, out handler))
            {
                return "unknown tool '" + command + "'";
            }
            JToken parameters = step["params"] ?? step["arguments"];
            JObject stepArgs = parameters as JObject;
            if (parameters != null && parameters.Type != JTokenType.Null && stepArgs == null)
            {
                return "a batch step's params must be an object";
            }
            try
            {
                CommandOutcome outcome = handler(stepArgs ?? new JObject());
                result = outcome.Result;
                if (outcome.Kind == OutcomeKind.AfterCompile)
                {
                    // Answered at once: the compile it started runs after the batch, so its
                    // outcome is not known here (get_editor_state / read_console tell it later).
                    result.Remove("compiled");
                    result.Remove("errors");
                    result["deferred"] = "compile";
                }
                else if (outcome.Kind == OutcomeKind.AfterPlayModeChange)
                {
                    result["deferred"] = "play_mode_change";
                }
                return null;
            }
            catch (CommandException e)
            {
                return e.Message;
            }
            catch (Exception e)
            {
                EditorContext.LogError("batch step " + command + " failed: " + e);
                return command + " failed: " + e.GetType().Name + ": " + e.Message;
            }
        }
    }
}
