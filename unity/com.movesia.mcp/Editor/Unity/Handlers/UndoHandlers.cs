// undo and redo (catalog v2): Edit > Undo / Redo, n groups at a time, with the group names.
using System;
using System.Collections.Generic;
using System.Reflection;
using Movesia.Mcp.Core;
using Newtonsoft.Json.Linq;
using UnityEditor;

namespace Movesia.Mcp.Editor
{
    internal static class UndoHandlers
    {
        private const int MaxSteps = 50;

        public static CommandOutcome UndoSteps(JObject args)
        {
            return Perform(Args.Int(args, "steps", 1, 1, MaxSteps), false);
        }

        public static CommandOutcome RedoSteps(JObject args)
        {
            return Perform(Args.Int(args, "steps", 1, 1, MaxSteps), true);
        }

        private static CommandOutcome Perform(int steps, bool redo)
        {
            var names = new JArray();
            for (int i = 0; i < steps; i++)
            {
                int left = RecordsLeft(redo);
                if (left == 0)
                {
                    break; // the start (or end) of the history: nothing more to do
                }
                if (redo)
                {
                    Undo.PerformRedo();
                    names.Add(Undo.GetCurrentGroupName() ?? "");
                }
                else
                {
                    names.Add(Undo.GetCurrentGroupName() ?? "");
                    Undo.PerformUndo();
                }
            }
            return CommandOutcome.Done(new JObject
            {
                { "steps", names.Count },
                { "names", names },
            });
        }

        // How many undo (or redo) records Unity holds, through its internal Undo.GetRecords
        // when this Unity has it; -1 when unknown (then every step is attempted).
        private static int RecordsLeft(bool redo)
        {
            MethodInfo records = typeof(Undo).GetMethod(
                "GetRecords",
                BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static,
                null,
                new Type[] { typeof(List<string>), typeof(List<string>) },
                null);
            if (records == null)
            {
                return -1;
            }
            var undoRecords = new List<string>();
            var redoRecords = new List<string>();
            try
            {
                records.Invoke(null, new object[] { undoRecords, redoRecords });
            }
            catch (TargetInvocationException)
            {
                return -1;
            }
            return redo ? redoRecords.Count : undoRecords.Count;
        }
    }
}
