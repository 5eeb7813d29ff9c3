// batch: several commands in order in one round trip, one undo group; stops at the first error.
// atomic (catalog v2): only undoable steps and reads; a failure reverts the group.
using System;
using System.Collections.Generic;
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
            bool atomic = Args.Bool(args, "atomic", false);
            if (atomic)
            {
                // Every step is checked before any runs: a refusal changes nothing.
                for (int i = 0; i < steps.Count; i++)
                {
                    string refusal = AtomicRefusal(steps[i] as JObject);
                    if (refusal != null)
                    {
                        throw new CommandException("batch step " + (i + 1) + " " + refusal);
                    }
                }
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
            bool rolledBack = atomic && stopped;
            if (rolledBack)
            {
                // Undo everything recorded since the group began: the completed steps.
                Undo.RevertAllDownToGroup(group);
            }
            else
            {
                Undo.CollapseUndoOperations(group);
            }
            return CommandOutcome.Done(new JObject
            {
                { "results", results },
                { "completed", completed },
                { "stopped_on_error", stopped },
                { "rolled_back", rolledBack },
            });
        }

        // The commands whose handlers record everything they change with Undo.*: with the
        // reads (CatalogFacts.ReadOnly, generated from tool_schemas/), the only steps an atomic
        // batch may hold. A fact of these handlers; tests/unity/test_batch_steps.py checks it
        // is the catalog's UNDOABLE_COMMANDS.
        private static readonly HashSet<string> Undoable = new HashSet<string>(StringComparer.Ordinal)
        {
            "create_gameobject", "duplicate_gameobject", "destroy_gameobject", "rename_gameobject",
            "set_parent", "move_to_scene", "add_component", "remove_component",
            "set_component_properties", "instantiate_prefab", "modify_material", "assign_material",
        };

        // Why this step cannot be in an atomic batch, or null when it can.
        private static string AtomicRefusal(JObject step)
        {
            if (step == null)
            {
                return "must be an object";
            }
            string command = (string)step["command"] ?? (string)step["tool"] ?? "?";
            if (CatalogFacts.SurvivesReload.Contains(command))
            {
                return "(" + command + ") cannot be in an atomic batch: it survives a domain reload (a compile "
                    + "or play mode), which Unity cannot roll back; run it on its own or in a batch without 'atomic'";
            }
            if (Undoable.Contains(command) || CatalogFacts.ReadOnly.Contains(command))
            {
                return null;
            }
            return "(" + command + ") cannot be in an atomic batch: Unity's undo does not take it back, "
                + "so a failed batch could not be rolled back; run it on its own or in a batch without 'atomic'";
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
            if (command == "run_tests" && stepArgs != null && (string)stepArgs["mode"] == "PlayMode")
            {
                // Answered when the run ends, after a reload: a batch answered now cannot
                // wait for it, and a run nobody waits for would answer a later command.
                return "run_tests in PlayMode cannot run in a batch (it is answered when the run ends, "
                    + "after a domain reload); call it directly";
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
                else if (outcome.Kind == OutcomeKind.AwaitCallback)
                {
                    // Started, but its answer comes from a host callback that a batch answered
                    // now cannot wait for (no handler but a PlayMode run, refused above, does this).
                    result["deferred"] = "callback";
                    result["note"] = command + " was started; its result comes later and is not part of the batch: "
                        + "run it on its own to get it";
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
