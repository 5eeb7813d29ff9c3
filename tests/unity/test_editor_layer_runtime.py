"""The Unity-free parts of the editor layer, run for real under Mono.

The layer is compiled here with ``mcs`` against the core and the classic stubs (as
``unity/build.sh`` does), and a small driver calls what needs no Unity engine: the
registered command names, the project key (which must be the server's session-id rule),
the MCP client configuration the window copies, the real ``read_console`` and
``clear_console`` handlers over the console's fallback buffer, and the size budget of
property dumps, and run_tests' report and PlayMode run record (the half of a PlayMode
run's answer that needs no test framework).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from expected_tools import UNITY_TOOL_COUNT
from movesia_mcp._handshake import derive_session_id

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "unity" / "com.movesia.mcp"
NEWTONSOFT = Path("/usr/lib/mono/gac/Newtonsoft.Json/6.0.0.0__b9a188c8922137c6/Newtonsoft.Json.dll")
PATHS = [
    "/Users/dev/Projects/Game",
    "/Users/dev/Projects/Game/",
    "C:\\Users\\Dev\\My Game",
    "/home/dev/Ünïcode Prøject",
]
# Bad input every handler refuses before it touches Unity: (command, arguments, part of the
# error message). Run through the real handlers with the real core (ProjectPaths, JsonValues).
REFUSALS: list[tuple[str, dict[str, object], str]] = [
    ("create_gameobject", {}, "missing required parameter 'name'"),
    ("create_gameobject", {"name": "  "}, "'name' must not be empty"),
    ("create_gameobject", {"name": "A", "primitive": "Cone"}, "unknown primitive 'Cone'"),
    ("create_gameobject", {"name": "A", "position": [1, 2]}, "position"),
    ("inspect_object", {}, "give exactly one of 'path' or 'instance_id'"),
    ("inspect_object", {"path": "A", "instance_id": 3}, "give exactly one"),
    ("inspect_object", {"path": 7}, "'path' must be a string"),
    ("get_hierarchy", {"depth": 11}, "'depth' must be between 0 and 10"),
    ("find_objects", {"limit": 0}, "'limit' must be between 1 and 500"),
    ("write_script", {"path": "Assets/../Secrets.cs", "contents": ""}, "'..' segment"),
    ("write_script", {"path": "/etc/passwd.cs", "contents": ""}, "absolute path"),
    ("write_script", {"path": "Assets/Scripts/Player.txt", "contents": ""}, ".cs"),
    ("write_script", {"path": "Assets/Scripts/CON.cs", "contents": ""}, "reserved device name"),
    ("write_script", {"path": "Assets/Scripts/A.cs"}, "missing required parameter 'contents'"),
    ("delete_asset", {"path": "ProjectSettings/TagManager.asset"}, "must start with 'Assets/'"),
    ("delete_asset", {"path": "Assets"}, "the Assets folder itself"),
    ("create_material", {"path": "Assets/M.png"}, ".mat"),
    ("create_scene", {"path": "Packages/com.x/S.unity"}, "must start with 'Assets/'"),
    ("search_assets", {"folder": "../Library"}, "must start with 'Assets/'"),
    ("execute_menu_item", {"menu_path": "File/Quit"}, "would close the editor"),
    ("get_project_settings", {"category": "audio"}, "unknown category 'audio'"),
    ("batch", {"steps": []}, "batch needs a list of 1 to 50 'steps'"),
    ("batch", {"steps": [{"tool": "x"}] * 51}, "batch needs a list of 1 to 50 'steps'"),
    ("read_console", {"offset": -1}, "'offset' must be between 0"),
]
DRIVER = """
using System;
using Movesia.Mcp.Core;
using Movesia.Mcp.Editor;
using Newtonsoft.Json.Linq;

public static class Driver
{
    private static JToken Run(string command, string args)
    {
        try
        {
            return Handlers.All()[command](JObject.Parse(args)).Result;
        }
        catch (CommandException e)
        {
            return new JObject { { "error", e.Message } };
        }
    }

    public static void Main(string[] args)
    {
        // args[0]: a JSON file of [command, arguments] pairs to run; the rest: project paths.
        var refusals = new JArray();
        foreach (JToken pair in JArray.Parse(System.IO.File.ReadAllText(args[0])))
        {
            refusals.Add(Run((string)pair[0], pair[1].ToString()));
        }
        var keys = new JObject();
        for (int i = 1; i < args.Length; i++)
        {
            keys[args[i]] = MovesiaSettings.ProjectKey(args[i]);
        }
        // The console as Application.logMessageReceivedThreaded feeds it (no LogEntries here:
        // the reflection finds nothing in the stubs, so the fallback buffer answers).
        ConsoleHistory.Record("first", "at A.cs:1", "Log");
        ConsoleHistory.Record("careful", "at B.cs:2", "Warning");
        ConsoleHistory.Record("broken", "at C.cs:3", "Error");
        ConsoleHistory.Record("thrown", "at D.cs:4", "Exception");
        var console = new JObject
        {
            { "all", Run("read_console", "{}") },
            {
                "errors", Run("read_console",
                    "{\\"types\\": [\\"Error\\", \\"Exception\\"], \\"include_stacktrace\\": true}")
            },
            { "page", Run("read_console", "{\\"limit\\": 1, \\"offset\\": 1}") },
            { "bad_type", Run("read_console", "{\\"types\\": [\\"Verbose\\"]}") },
            { "bad_limit", Run("read_console", "{\\"limit\\": 0}") },
            { "clear", Run("clear_console", "{}") },
            { "after_clear", Run("read_console", "{}") },
        };
        var big = new JObject
        {
            { "small", 1 }, { "huge", new string('x', 5000) }, { "medium", new string('y', 800) },
        };
        // A run's leaves as RunFinished's result tree gives them: 2 passed, 2 failed, 1 skipped.
        var report = new TestRunReport();
        report.Pass();
        report.Fail("Game.Tests.A", "Expected 1", "at A.cs:3", 0.5);
        report.Skip();
        report.Fail("Game.Tests.B", null, null, 0.25);
        report.Pass();
        var record = new PlayModeRunRecord
        {
            Key = "run_tests:k", Offset = 2, Limit = 7,
            StartedUtcTicks = 1000 * TimeSpan.TicksPerSecond,
        };
        PlayModeRunRecord back = PlayModeRunRecord.FromJson(record.ToJson());
        var tests = new JObject
        {
            { "first_page", report.Result("PlayMode", 1.23456, 0, 1) },
            { "second_page", report.Result("PlayMode", 1.0, 1, 1) },
            {
                "record", new JObject
                {
                    { "key", back.Key }, { "mode", back.Mode },
                    { "offset", back.Offset }, { "limit", back.Limit },
                    {
                        "seconds",
                        back.SecondsSince(
                            new DateTime(1012 * TimeSpan.TicksPerSecond, DateTimeKind.Utc))
                    },
                }
            },
            {
                "bad_records", new JArray(
                    PlayModeRunRecord.FromJson("not json") == null,
                    PlayModeRunRecord.FromJson("{}") == null,
                    PlayModeRunRecord.FromJson(null) == null)
            },
        };
        var output = new JObject
        {
            { "tests", tests },
            { "commands", new JArray(Handlers.CommandNames) },
            { "keys", keys },
            { "config", MovesiaWindow.ClientConfig("ws://127.0.0.1:9123/ws/unity", "s3cret") },
            { "config_plain", MovesiaWindow.ClientConfig("not a url", null) },
            { "console", console },
            { "refusals", refusals },
            { "trimmed", SerializedValues.Trim(big, 1000) },
            { "untouched", SerializedValues.Trim(new JObject { { "a", 1 } }, 1000) },
            {
                "csharp_names", new JArray(
                    SerializedValues.CSharpName("m_LocalPosition"),
                    SerializedValues.CSharpName("speed"))
            },
        };
        Console.WriteLine(output.ToString(Newtonsoft.Json.Formatting.None));
    }
}
"""


def sources(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.cs"))


@pytest.fixture(scope="module")
def driven(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if shutil.which("mcs") is None or shutil.which("mono") is None or not NEWTONSOFT.exists():
        pytest.skip(
            "needs Mono: apt-get install -y mono-mcs mono-runtime libnewtonsoft-json-cil-dev"
        )
    out = tmp_path_factory.mktemp("layer")
    shutil.copy(NEWTONSOFT, out / "Newtonsoft.Json.dll")
    nj = f"-r:{out / 'Newtonsoft.Json.dll'}"
    system = ["-r:System.dll", "-r:System.Core.dll"]

    def mcs(target: str, output: str, *args: str) -> None:
        command = ["mcs", "-nologo", f"-target:{target}", f"-out:{out / output}", *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr

    mcs("library", "Movesia.Mcp.Core.dll", nj, *system, *sources(PACKAGE / "Editor/Core"))
    mcs("library", "UnityEngine.dll", "-warn:0", *system, *sources(PACKAGE / "Stubs~/UnityEngine"))
    engine = f"-r:{out / 'UnityEngine.dll'}"
    mcs("library", "UnityEditor.dll", "-warn:0", engine, *sources(PACKAGE / "Stubs~/UnityEditor"))
    layer = sources(PACKAGE / "Editor/Unity")
    refs = [engine, f"-r:{out / 'UnityEditor.dll'}", f"-r:{out / 'Movesia.Mcp.Core.dll'}", nj]
    mcs("library", "Movesia.Mcp.Editor.dll", "-warnaserror", *refs, *system, *layer)
    (out / "Driver.cs").write_text(DRIVER, encoding="utf-8")
    mcs(
        "exe",
        "MovesiaEditorLayerDriver.exe",
        f"-r:{out / 'Movesia.Mcp.Editor.dll'}",
        *refs,
        *system,
        str(out / "Driver.cs"),
    )
    cases = out / "cases.json"
    cases.write_text(json.dumps([[c, a] for c, a, _ in REFUSALS]), encoding="utf-8")
    done = subprocess.run(
        ["mono", str(out / "MovesiaEditorLayerDriver.exe"), str(cases), *PATHS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_registered_commands_are_the_catalog(driven: dict[str, object]) -> None:
    catalog = {
        json.loads(p.read_text())["unity_command"] for p in (ROOT / "tool_schemas").glob("*.json")
    }
    commands = driven["commands"]
    assert isinstance(commands, list)
    assert len(commands) == len(set(commands)) == UNITY_TOOL_COUNT
    assert set(commands) == catalog


def test_project_key_is_the_servers_session_id(driven: dict[str, object]) -> None:
    keys = driven["keys"]
    assert isinstance(keys, dict)
    assert keys == {path: derive_session_id(path) for path in PATHS}
    # trailing slash and case do not make another project
    assert keys[PATHS[0]] == keys[PATHS[1]]


def test_client_config_names_the_server_and_its_port(driven: dict[str, object]) -> None:
    config = json.loads(str(driven["config"]))
    server = config["mcpServers"]["movesia"]
    assert server["command"] == "<path to movesia-mcp>"
    assert server["args"] == []
    assert server["env"] == {"SERVER_PORT": "9123", "MOVESIA_TOKEN": "s3cret"}
    plain = json.loads(str(driven["config_plain"]))
    assert plain["mcpServers"]["movesia"]["env"] == {}


def test_read_console_over_the_fallback_buffer(driven: dict[str, object]) -> None:
    console = driven["console"]
    assert isinstance(console, dict)
    every = console["all"]
    assert every["source"] == "buffer"
    assert every["total"] == 4
    assert [e["message"] for e in every["entries"]] == ["thrown", "broken", "careful", "first"]
    assert [e["type"] for e in every["entries"]] == ["Exception", "Error", "Warning", "Log"]
    assert all("stacktrace" not in e for e in every["entries"])
    assert every["next_offset"] is None
    errors = console["errors"]
    assert errors["total"] == 2
    assert [(e["message"], e["stacktrace"]) for e in errors["entries"]] == [
        ("thrown", "at D.cs:4"),
        ("broken", "at C.cs:3"),
    ]
    page = console["page"]
    assert [e["message"] for e in page["entries"]] == ["broken"]
    assert page["next_offset"] == 2
    assert page["total"] == 4


def test_console_refusals_and_clear(driven: dict[str, object]) -> None:
    console = driven["console"]
    assert isinstance(console, dict)
    assert "unknown log type 'Verbose'" in console["bad_type"]["error"]
    assert "'limit' must be between 1 and 500" in console["bad_limit"]["error"]
    assert console["clear"]["success"] is True
    assert console["clear"]["message"].startswith("cleared 4 console entries")
    assert console["after_clear"]["total"] == 0


def test_property_dumps_stay_within_their_budget(driven: dict[str, object]) -> None:
    trimmed = driven["trimmed"]
    assert isinstance(trimmed, dict)
    assert len(json.dumps(trimmed, separators=(",", ":"))) <= 1000
    assert trimmed["small"] == 1
    assert trimmed["medium"] == "y" * 800
    assert trimmed["huge"] == "<omitted: 5002 characters>"
    assert trimmed["_omitted"] == ["huge"]
    assert driven["untouched"] == {"a": 1}
    assert driven["csharp_names"] == ["localPosition", "speed"]


def test_bad_input_is_refused_with_a_clear_error(driven: dict[str, object]) -> None:
    answers = driven["refusals"]
    assert isinstance(answers, list)
    assert len(answers) == len(REFUSALS)
    for (command, arguments, expected), answer in zip(REFUSALS, answers, strict=True):
        assert set(answer) == {"error"}, f"{command} {arguments} was not refused: {answer}"
        assert expected in answer["error"], f"{command} {arguments}: {answer['error']}"
        assert len(answer["error"]) > 15, (
            f"{command} {arguments}: unclear error {answer['error']!r}"
        )


def test_run_tests_report_counts_and_pages_failures(driven: dict[str, object]) -> None:
    tests = driven["tests"]
    assert isinstance(tests, dict)
    first = tests["first_page"]
    assert {k: first[k] for k in ("mode", "passed", "failed", "skipped", "total")} == {
        "mode": "PlayMode",
        "passed": 2,
        "failed": 2,
        "skipped": 1,
        "total": 5,
    }
    assert first["complete"] is True
    assert first["duration"] == 1.235
    assert first["failures"] == [
        {"name": "Game.Tests.A", "message": "Expected 1", "stack": "at A.cs:3", "duration": 0.5}
    ]
    assert (first["offset"], first["next_offset"]) == (0, 1)
    second = tests["second_page"]
    assert second["failures"] == [
        {"name": "Game.Tests.B", "message": "", "stack": "", "duration": 0.25}
    ]
    assert (second["offset"], second["next_offset"]) == (1, None)


def test_play_mode_run_record_round_trips(driven: dict[str, object]) -> None:
    tests = driven["tests"]
    assert isinstance(tests, dict)
    assert tests["record"] == {
        "key": "run_tests:k",
        "mode": "PlayMode",
        "offset": 2,
        "limit": 7,
        "seconds": 12.0,
    }
    assert tests["bad_records"] == [True, True, True]
