#!/usr/bin/env bash
# Builds the Unity plug-in with Debian's Mono (mcs) into unity/build/ and runs the C# tests.
#
#   0. Editor/Unity/Handlers/CatalogFacts.cs is what tool_schemas/ says (make_catalog_facts.py)
#   1. Movesia.Mcp.Core.dll            Editor/Core/**/*.cs (Unity-free)
#   2. stubs/{classic,entityid}/       Stubs~/UnityEngine/**/*.cs → UnityEngine.dll,
#                                      Stubs~/UnityEditor/**/*.cs → UnityEditor.dll
#                                      (entityid: -define:UNITY_6000_4_OR_NEWER;UNITY_6000_5_OR_NEWER)
#   3. {classic,entityid}/Movesia.Mcp.Editor.dll   Editor/Unity/**/*.cs against each stub flavour
#   4. Movesia.Mcp.Tests.dll, FakeEditor.exe, MovesiaBench.exe; then nunit-console, and a final
#      line "N passed, M failed" computed from TestResult.xml. Exit non-zero on any failure.
#
# Folders that do not exist yet (the stubs, the editor layer) are skipped with a note.
# Environment: MOVESIA_PYTHON (interpreter of the live server for the integration tests;
# default .venv/bin/python at the repo root, else python3), MOVESIA_SKIP_TESTS=1 (build only),
# MOVESIA_TEST_FILTER (an NUnit -run= value, e.g. a fixture name).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$HERE")"
PKG="$HERE/com.movesia.mcp"
OUT="$HERE/build"

die() { echo "build.sh: $*" >&2; exit 1; }
command -v mcs >/dev/null || die "mcs not found (apt-get install -y mono-mcs mono-runtime libnewtonsoft-json-cil-dev libnunit-cil-dev nunit-console)"

find_dll() {  # first existing path among the arguments
  local p
  for p in "$@"; do [ -f "$p" ] && { echo "$p"; return 0; }; done
  return 1
}
NEWTONSOFT="$(find_dll /usr/lib/mono/gac/Newtonsoft.Json/6.0.0.0__b9a188c8922137c6/Newtonsoft.Json.dll \
  /usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll \
  $(ls /usr/lib/mono/gac/Newtonsoft.Json/*/Newtonsoft.Json.dll 2>/dev/null))" || die "Newtonsoft.Json.dll not found (libnewtonsoft-json-cil-dev)"
NUNIT="$(find_dll /usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll \
  $(ls /usr/lib/mono/gac/nunit.framework/*/nunit.framework.dll 2>/dev/null))" || die "nunit.framework.dll not found (libnunit-cil-dev)"

if [ -z "${MOVESIA_PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then MOVESIA_PYTHON="$ROOT/.venv/bin/python"; else MOVESIA_PYTHON="python3"; fi
fi
export MOVESIA_PYTHON MOVESIA_REPO_ROOT="$ROOT"

sources() {  # sorted .cs files under a folder (empty when the folder is missing)
  [ -d "$1" ] || return 0
  find "$1" -name '*.cs' -type f | LC_ALL=C sort
}

MCS=(mcs -nologo -debug- -optimize+)
SYS=(-r:System.dll -r:System.Core.dll)
ENTITYID_DEFINES="-define:UNITY_6000_4_OR_NEWER;UNITY_6000_5_OR_NEWER"

rm -rf "$OUT"
mkdir -p "$OUT/stubs/classic" "$OUT/stubs/entityid" "$OUT/classic" "$OUT/entityid"
cp "$NEWTONSOFT" "$OUT/Newtonsoft.Json.dll"
cp "$NUNIT" "$OUT/nunit.framework.dll"

echo "== catalog facts"
python3 "$PKG/Documentation~/tools/make_catalog_facts.py" --check \
  || die "Editor/Unity/Handlers/CatalogFacts.cs disagrees with tool_schemas/"

echo "== core"
mapfile -t CORE < <(sources "$PKG/Editor/Core")
[ "${#CORE[@]}" -gt 0 ] || die "no core sources under $PKG/Editor/Core"
"${MCS[@]}" -target:library -warnaserror -out:"$OUT/Movesia.Mcp.Core.dll" \
  -r:"$OUT/Newtonsoft.Json.dll" "${SYS[@]}" "${CORE[@]}"

echo "== stubs and editor layer"
mapfile -t STUB_ENGINE < <(sources "$PKG/Stubs~/UnityEngine")
mapfile -t STUB_EDITOR < <(sources "$PKG/Stubs~/UnityEditor")
mapfile -t EDITOR < <(sources "$PKG/Editor/Unity")
if [ "${#STUB_ENGINE[@]}" -eq 0 ]; then
  echo "   (no stubs under Stubs~/UnityEngine: stubs and editor layer skipped)"
else
  for flavour in classic entityid; do
    defines=()
    [ "$flavour" = entityid ] && defines=("$ENTITYID_DEFINES")
    stubdir="$OUT/stubs/$flavour"
    "${MCS[@]}" -target:library -warn:0 "${defines[@]}" -out:"$stubdir/UnityEngine.dll" \
      "${SYS[@]}" "${STUB_ENGINE[@]}"
    if [ "${#STUB_EDITOR[@]}" -gt 0 ]; then
      "${MCS[@]}" -target:library -warn:0 "${defines[@]}" -out:"$stubdir/UnityEditor.dll" \
        -r:"$stubdir/UnityEngine.dll" "${SYS[@]}" "${STUB_EDITOR[@]}"
    fi
    if [ "${#EDITOR[@]}" -gt 0 ]; then
      refs=(-r:"$stubdir/UnityEngine.dll")
      [ -f "$stubdir/UnityEditor.dll" ] && refs+=(-r:"$stubdir/UnityEditor.dll")
      "${MCS[@]}" -target:library -warnaserror "${defines[@]}" -out:"$OUT/$flavour/Movesia.Mcp.Editor.dll" \
        "${refs[@]}" -r:"$OUT/Movesia.Mcp.Core.dll" -r:"$OUT/Newtonsoft.Json.dll" "${SYS[@]}" "${EDITOR[@]}"
      echo "   $flavour: Movesia.Mcp.Editor.dll"
    else
      echo "   $flavour: stubs only (no sources under Editor/Unity)"
    fi
  done
fi

echo "== fake editor, bench, tests"
mapfile -t FAKE < <(sources "$HERE/fake-editor")
if [ "${#FAKE[@]}" -gt 0 ]; then
  "${MCS[@]}" -target:exe -warnaserror -out:"$OUT/FakeEditor.exe" \
    -r:"$OUT/Movesia.Mcp.Core.dll" -r:"$OUT/Newtonsoft.Json.dll" "${SYS[@]}" "${FAKE[@]}"
fi
mapfile -t BENCH < <(sources "$HERE/bench")
if [ "${#BENCH[@]}" -gt 0 ]; then
  "${MCS[@]}" -target:exe -warnaserror -out:"$OUT/MovesiaBench.exe" \
    -r:"$OUT/Movesia.Mcp.Core.dll" -r:"$OUT/Newtonsoft.Json.dll" "${SYS[@]}" "${BENCH[@]}"
fi
mapfile -t TESTS < <(sources "$HERE/tests")
[ "${#TESTS[@]}" -gt 0 ] || die "no test sources under unity/tests"
"${MCS[@]}" -target:library -warnaserror -out:"$OUT/Movesia.Mcp.Tests.dll" \
  -r:"$OUT/Movesia.Mcp.Core.dll" -r:"$OUT/Newtonsoft.Json.dll" -r:"$OUT/nunit.framework.dll" \
  "${SYS[@]}" "${TESTS[@]}"
(cd "$OUT" && ls -1 *.dll *.exe 2>/dev/null | sed "s|^|   |") || true

if [ "${MOVESIA_SKIP_TESTS:-0}" = "1" ]; then
  echo "== tests skipped (MOVESIA_SKIP_TESTS=1)"
  exit 0
fi

echo "== tests (nunit-console; live server: $MOVESIA_PYTHON)"
run=()
[ -n "${MOVESIA_TEST_FILTER:-}" ] && run=(-run="$MOVESIA_TEST_FILTER")
set +e
(cd "$OUT" && nunit-console -nologo -labels -noshadow -xml="$OUT/TestResult.xml" "${run[@]}" \
  "$OUT/Movesia.Mcp.Tests.dll" >"$OUT/nunit.log" 2>&1)
rc=$?
set -e
if [ ! -f "$OUT/TestResult.xml" ]; then
  cat "$OUT/nunit.log"
  die "nunit-console wrote no TestResult.xml (exit $rc)"
fi
# Failures with their messages, then the counts.
python3 - "$OUT/TestResult.xml" "$rc" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
passed = failed = other = 0
for case in root.iter("test-case"):
    if case.get("executed") != "True":
        other += 1
        continue
    if case.get("success") == "True":
        passed += 1
    else:
        failed += 1
        message = case.find("./failure/message")
        text = (message.text or "").strip() if message is not None else case.get("result", "")
        print(f"FAILED {case.get('name')}: {text[:600]}")
if other:
    print(f"({other} not run)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or int(sys.argv[2]) != 0 or passed == 0 else 0)
PY
