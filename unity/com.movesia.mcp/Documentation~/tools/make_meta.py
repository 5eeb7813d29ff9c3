#!/usr/bin/env python3
"""Write the package's .meta files, with GUIDs derived from each path (deterministic).

A package installed from a git URL is immutable (Library/PackageCache): Unity does not
generate missing .meta files there, it ignores the asset ("has no meta file, but it's in
an immutable folder"). So the package ships one .meta per file and folder, except inside
folders whose name ends in "~" (Unity ignores those). Run after adding or removing files:

    python3 "unity/com.movesia.mcp/Documentation~/tools/make_meta.py"          # write
    python3 "unity/com.movesia.mcp/Documentation~/tools/make_meta.py" --check  # exit 1 if stale

The GUID is the MD5 of "com.movesia.mcp/<path>", so regenerating never changes an
existing asset's GUID, and a moved file gets a new one (as Unity would).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
NAME = "com.movesia.mcp"

IMPORTERS = {
    ".cs": "MonoImporter:\n  externalObjects: {}\n  serializedVersion: 2\n  defaultReferences: []\n"
    "  executionOrder: 0\n  icon: {instanceID: 0}\n",
    ".asmdef": "AssemblyDefinitionImporter:\n  externalObjects: {}\n",
    ".json": "TextScriptImporter:\n  externalObjects: {}\n",
    ".md": "TextScriptImporter:\n  externalObjects: {}\n",
}
TAIL = "  userData: \n  assetBundleName: \n  assetBundleVariant: \n"


def guid(relative: str) -> str:
    return hashlib.md5(f"{NAME}/{relative}".encode()).hexdigest()


def meta_text(path: Path) -> str:
    relative = path.relative_to(PACKAGE).as_posix()
    head = f"fileFormatVersion: 2\nguid: {guid(relative)}\n"
    if path.is_dir():
        return head + "folderAsset: yes\nDefaultImporter:\n  externalObjects: {}\n" + TAIL
    if path.name == "package.json":
        return head + "PackageManifestImporter:\n  externalObjects: {}\n" + TAIL
    importer = IMPORTERS.get(path.suffix, "DefaultImporter:\n  externalObjects: {}\n")
    return head + importer + TAIL


def assets() -> list[Path]:
    """Every file and folder Unity imports: not .meta, not hidden, not under a "~" folder."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        parts = path.relative_to(PACKAGE).parts
        if any(p.endswith("~") or p.startswith(".") for p in parts) or path.suffix == ".meta":
            continue
        found.append(path)
    return found


def expected() -> dict[Path, str]:
    return {path.with_name(path.name + ".meta"): meta_text(path) for path in assets()}


def stale() -> list[str]:
    want = expected()
    problems = [
        f"missing or outdated: {p.relative_to(PACKAGE)}"
        for p, text in want.items()
        if not p.exists() or p.read_text() != text
    ]
    for meta in sorted(PACKAGE.rglob("*.meta")):
        parts = meta.relative_to(PACKAGE).parts
        if meta not in want and not any(p.endswith("~") for p in parts[:-1]):
            problems.append(f"orphan: {meta.relative_to(PACKAGE)}")
    return problems


def main() -> int:
    if "--check" in sys.argv:
        problems = stale()
        for line in problems:
            print(line)
        return 1 if problems else 0
    want = expected()
    for meta in sorted(PACKAGE.rglob("*.meta")):
        if meta not in want and not any(
            p.endswith("~") for p in meta.relative_to(PACKAGE).parts[:-1]
        ):
            meta.unlink()
    for path, text in want.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
