"""The UPM package as Unity will read it: manifest, assembly definitions and .meta files.

A package installed from a git URL is immutable: Unity ignores any file or folder without
a .meta there, so a missing .meta silently drops a script. The .meta files are generated
by ``Documentation~/tools/make_meta.py``; this checks they are complete and current.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "unity" / "com.movesia.mcp"


def make_meta() -> ModuleType:
    path = PACKAGE / "Documentation~" / "tools" / "make_meta.py"
    spec = importlib.util.spec_from_file_location("make_meta", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_manifest() -> None:
    manifest = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    assert manifest["name"] == "com.movesia.mcp"
    assert manifest["version"] == "0.1.0"
    assert manifest["unity"] == "2021.3"
    assert manifest["displayName"]
    assert manifest["description"]
    assert manifest["dependencies"] == {
        "com.unity.nuget.newtonsoft-json": "3.2.1",
        "com.unity.test-framework": "1.1.33",  # list_tests / run_tests (TestRunnerApi)
    }


def test_assembly_definitions() -> None:
    core = json.loads((PACKAGE / "Editor/Core/Movesia.Mcp.Core.asmdef").read_text())
    editor = json.loads((PACKAGE / "Editor/Unity/Movesia.Mcp.Editor.asmdef").read_text())
    assert core["noEngineReferences"] is True
    assert core["includePlatforms"] == ["Editor"]
    assert editor["name"] == "Movesia.Mcp.Editor"
    assert editor["references"] == [core["name"], "UnityEditor.TestRunner"]
    assert editor["includePlatforms"] == ["Editor"]
    assert "Newtonsoft.Json.dll" in editor["precompiledReferences"]


def test_every_asset_has_a_current_meta_file() -> None:
    problems = make_meta().stale()
    assert not problems, "run Documentation~/tools/make_meta.py: " + "; ".join(problems)


def test_meta_guids_are_unique_and_well_formed() -> None:
    guids: dict[str, Path] = {}
    for meta in PACKAGE.rglob("*.meta"):
        found = re.search(r"^guid: (\w+)$", meta.read_text(), re.M)
        assert found, meta
        assert re.fullmatch(r"[0-9a-f]{32}", found.group(1)), meta
        assert found.group(1) not in guids, f"{meta} and {guids[found.group(1)]} share a GUID"
        guids[found.group(1)] = meta
    assert len(guids) >= 40


def test_nothing_unity_imports_lives_in_the_stubs() -> None:
    # Stubs~ and Documentation~ end in "~": Unity's importer skips them, so the stub
    # UnityEngine/UnityEditor types never clash with the real ones.
    assert (PACKAGE / "Stubs~").is_dir()
    assert not list((PACKAGE / "Stubs~").rglob("*.meta"))
    assert not list((PACKAGE / "Documentation~").rglob("*.meta"))
