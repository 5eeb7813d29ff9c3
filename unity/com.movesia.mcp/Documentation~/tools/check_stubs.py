#!/usr/bin/env python3
"""Check the hand-written Unity stubs against Unity's public C# reference source.

Usage: check_stubs.py <UnityCsReference git dir> [branch ...] > stubs-table.md

For every type and member declared in Stubs~/ it looks, on each branch (default 2021.3,
6000.0, 6000.4, 6000.5), for a public declaration of the same name in a file that declares the
type, and compares what a one-line declaration shows: static or not, the return type and
the parameter types. It reads the reference (reference-only licence) and prints only
names and verdicts: nothing of the reference's text is copied.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

STUBS = Path(__file__).resolve().parents[2] / "Stubs~"
BRANCHES = ["2021.3", "6000.0", "6000.4", "6000.5"]
MODIFIERS = {
    "public",
    "static",
    "extern",
    "virtual",
    "override",
    "abstract",
    "sealed",
    "new",
    "unsafe",
    "readonly",
    "partial",
    "protected",
    "internal",
    "const",
    "event",
}


@dataclass
class Member:
    namespace: str
    type_path: str  # "Application" or "EditorGUI.DisabledScope"
    kind: str  # type, method, ctor, property, field, event, delegate, operator, enum-value
    name: str
    static: bool = False
    returns: str = ""
    params: list[str] = field(default_factory=list)
    condition: str = ""  # the #if around it, if any


def norm_type(t: str) -> str:
    t = t.strip()
    t = re.sub(r"\s+", "", t)
    t = t.replace("System.Object", "object")
    for prefix in (
        "UnityEngine.SceneManagement.",
        "UnityEngine.Rendering.",
        "UnityEngine.",
        "UnityEditor.",
        "System.",
        "SceneManagement.",
        "Rendering.",
    ):
        t = t.replace(prefix, "")
    t = re.sub(r"\bUnityObject\b", "Object", t)
    t = re.sub(r"^T[A-Z]\w*", "T", t)  # generic parameter names (TObject) read as T
    aliases = {"String": "string", "Boolean": "bool", "Int32": "int", "Single": "float"}
    return aliases.get(t, t)


def split_params(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    types = []
    for p in parts:
        p = re.sub(r"\[[^\]]+\]", "", p)  # attributes (not the [] of arrays)
        p = p.split("=")[0].strip()
        words = [w for w in p.split() if w not in ("out", "ref", "in", "params", "this")]
        if len(words) >= 2:
            types.append(norm_type(" ".join(words[:-1])))
        elif words:
            types.append(norm_type(words[0]))
    return types


def parse_stubs() -> list[Member]:
    members: list[Member] = []
    for path in sorted(STUBS.rglob("*.cs")):
        namespace = ""
        stack: list[tuple[str, str]] = []  # (kind, name) per open brace
        pending: tuple[str, str] | None = None
        condition = ""
        in_enum: str | None = None
        for raw in path.read_text().splitlines():
            line = raw.strip()
            if line.startswith("#if"):
                condition = line[3:].strip()
                continue
            if line.startswith("#endif"):
                condition = ""
                continue
            if line.startswith("//") or not line:
                continue
            types = [n for k, n in stack if k == "type"]
            type_path = ".".join(types)
            m = re.match(r"namespace\s+([\w.]+)", line)
            if m:
                namespace = m.group(1)
                pending = ("ns", namespace)
            m = re.match(r"public\s+(?:[\w]+\s+)*(class|struct|enum|interface)\s+(\w+)", line)
            if m:
                members.append(
                    Member(
                        namespace,
                        ".".join([*types, m.group(2)]),
                        "type",
                        m.group(2),
                        condition=condition,
                    )
                )
                pending = ("type", m.group(2))
                if m.group(1) == "enum":
                    in_enum = ".".join([*types, m.group(2)])
                    body = line[line.find("{") + 1 : line.rfind("}")] if "{" in line else ""
                    for value in body.split(","):
                        value = value.split("=")[0].strip()
                        if value:
                            members.append(
                                Member(namespace, in_enum, "enum-value", value, condition=condition)
                            )
            elif types and line.startswith("public"):
                members.extend(parse_member(namespace, type_path, types[-1], line, condition))
            elif (
                in_enum
                and stack
                and stack[-1] == ("type", in_enum.split(".")[-1])
                and not line.startswith("{")
                and not line.startswith("}")
            ):
                for value in line.split(","):
                    value = value.split("=")[0].strip()
                    if value:
                        members.append(
                            Member(namespace, in_enum, "enum-value", value, condition=condition)
                        )
            for ch in line:
                if ch == "{":
                    stack.append(pending if pending else ("block", ""))
                    pending = None
                elif ch == "}" and stack:
                    closed = stack.pop()
                    if in_enum and closed == ("type", in_enum.split(".")[-1]):
                        in_enum = None
    return members


def parse_member(
    ns: str, type_path: str, type_name: str, line: str, condition: str
) -> list[Member]:
    decl = line.split("{")[0] if "(" not in line.split("{")[0] and "{" in line else line
    static = " static " in f" {decl} "
    m = re.match(r"public\s+delegate\s+([\w.<>\[\],\s]+?)\s+(\w+)\s*\((.*?)\)", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "delegate",
                m.group(2),
                True,
                norm_type(m.group(1)),
                split_params(m.group(3)),
                condition,
            )
        ]
    m = re.match(r"public\s+static\s+(?:implicit|explicit)\s+operator\s+([\w.]+)\s*\((.*?)\)", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "operator",
                "implicit " + m.group(1),
                True,
                norm_type(m.group(1)),
                split_params(m.group(2)),
                condition,
            )
        ]
    m = re.match(r"public\s+static\s+([\w.]+)\s+operator\s*(==|!=)\s*\((.*?)\)", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "operator",
                "operator " + m.group(2),
                True,
                norm_type(m.group(1)),
                split_params(m.group(3)),
                condition,
            )
        ]
    m = re.match(r"public\s+(?:static\s+)?event\s+(.+?)\s+(\w+)\s*(\{|;)", line)
    if m:
        return [
            Member(ns, type_path, "event", m.group(2), static, norm_type(m.group(1)), [], condition)
        ]
    m = re.match(rf"public\s+{type_name}\s*\((.*?)\)", line)
    if m:
        return [
            Member(ns, type_path, "ctor", type_name, False, "", split_params(m.group(1)), condition)
        ]
    m = re.match(r"public\s+((?:\w+\s+)*)([\w.<>\[\],]+)\s+(\w+)\s*(<[^>]*>)?\s*\((.*?)\)", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "method",
                m.group(3),
                "static" in m.group(1),
                norm_type(m.group(2)),
                split_params(m.group(5)),
                condition,
            )
        ]
    m = re.match(r"public\s+((?:\w+\s+)*)([\w.<>\[\],]+)\s+(\w+)\s*\{", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "property",
                m.group(3),
                "static" in m.group(1),
                norm_type(m.group(2)),
                [],
                condition,
            )
        ]
    m = re.match(r"public\s+((?:\w+\s+)*)([\w.<>\[\],]+)\s+(\w+)\s*;", line)
    if m:
        return [
            Member(
                ns,
                type_path,
                "field",
                m.group(3),
                "static" in m.group(1),
                norm_type(m.group(2)),
                [],
                condition,
            )
        ]
    return []


def git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True).stdout


class Reference:
    def __init__(self, repo: str, branch: str) -> None:
        self.repo, self.branch = repo, branch
        self.files: dict[str, list[str]] = {}
        self.texts: dict[str, str] = {}

    def type_files(self, type_name: str) -> list[str]:
        if not self.files:
            # One pass over the branch: every file that declares a type, by type name.
            out = git(
                self.repo,
                "grep",
                "-o",
                "-E",
                r"(class|struct|enum|interface)\s+\w+",
                self.branch,
                "--",
                "*.cs",
            )
            for line in out.splitlines():
                _, path, decl = line.split(":", 2)
                name = decl.split()[-1]
                files = self.files.setdefault(name, [])
                if path not in files:
                    files.append(path)
        return self.files.get(type_name, [])

    def text(self, path: str) -> str:
        if path not in self.texts:
            self.texts[path] = git(self.repo, "show", f"{self.branch}:{path}")
        return self.texts[path]

    def check(self, m: Member) -> tuple[str, str]:
        """(verdict, note): verdict is 'yes', 'name only' or 'no'."""
        simple = m.type_path.split(".")[-1]
        files = self.type_files(simple)
        if m.kind == "type":
            return ("yes", "") if files else ("no", "type not found")
        decls: list[str] = []
        for path in files:
            text = self.text(path)
            if m.kind == "enum-value":
                body = re.search(rf"enum\s+{simple}\b[^{{]*\{{(.*?)\}}", text, re.S)
                if body and re.search(rf"\b{m.name}\b", body.group(1)):
                    return "yes", ""
                continue
            if m.kind == "operator":
                token = m.name.split()[-1]
                pattern = (
                    rf"operator\s*{re.escape(token)}\s*\("
                    if token in ("==", "!=")
                    else rf"implicit\s+operator\s+{token}\s*\("
                )
                if re.search(pattern, text):
                    return "yes", ""
                continue
            name = simple if m.kind == "ctor" else m.name
            for line in text.splitlines():
                s = line.strip()
                if not re.search(r"\b(public|protected)\b", s) or re.search(
                    r"\b(private|internal)\b", s.split(name)[0] if name in s else s
                ):
                    continue
                if re.search(
                    rf"\b(public|protected)\b[^=(){{}};]*\s{re.escape(name)}\s*(<[^>]*>)?\s*(\(|\{{|;|=>|=|$)",
                    s,
                ):
                    decls.append(s)
        if m.kind in ("enum-value", "operator"):
            return "no", "not found"
        if not decls:
            return "no", "no public declaration of that name"
        best_note = ""
        for d in decls:
            note = self.compare(m, d)
            if not note:
                return "yes", ""
            best_note = best_note or note
        return "name only", best_note

    def compare(self, m: Member, decl: str) -> str:
        decl = re.sub(r"\[[^\]]+\]\s*", "", decl)
        notes = []
        static = bool(re.search(r"\bstatic\b", decl))
        if m.kind != "ctor" and m.kind != "delegate" and static != m.static:
            notes.append(f"reference is {'static' if static else 'instance'}")
        name = m.type_path.split(".")[-1] if m.kind == "ctor" else m.name
        head = re.split(rf"\b{re.escape(name)}\b", decl, maxsplit=1)
        if m.kind not in ("ctor",) and head:
            words = [
                w
                for w in re.sub(r"\s*,\s*", ",", head[0]).replace("(", " ").split()
                if w not in MODIFIERS
            ]
            ret = norm_type(words[-1]) if words else ""
            if m.kind == "event" and "event" not in decl:
                pass
            if (
                ret
                and m.returns
                and ret != m.returns
                and not (m.kind == "event" and ret == m.returns)
            ):
                notes.append(f"type {ret} vs stub {m.returns}")
        if m.kind in ("method", "ctor", "delegate"):
            rest = decl.split(name, 1)[1] if name in decl else ""
            mm = re.match(r"\s*(<[^>]*>)?\s*\((.*)\)", rest)
            if not mm:
                return "parameters span lines; not compared"
            inner, depth, out = mm.group(2), 0, ""
            for ch in inner:
                if ch == "(":
                    depth += 1
                if ch == ")":
                    if depth == 0:
                        break
                    depth -= 1
                out += ch
            ref_params = split_params(out)
            if ref_params != m.params:
                notes.append(f"params ({', '.join(ref_params)}) vs stub ({', '.join(m.params)})")
        return "; ".join(notes)


def main() -> None:
    repo = sys.argv[1]
    branches = sys.argv[2:] or BRANCHES
    refs = [Reference(repo, b) for b in branches]
    members = parse_stubs()
    print("| member | kind | " + " | ".join(branches) + " | notes |")
    print("|---|---|" + "---|" * len(branches) + "---|")
    for m in members:
        label = f"`{m.namespace}.{m.type_path}" + ("" if m.kind == "type" else f".{m.name}") + "`"
        if m.kind == "method":
            label = label[:-1] + f"({', '.join(m.params)})`"
        cells, notes = [], []
        for ref in refs:
            verdict, note = ref.check(m)
            cells.append(verdict)
            if note:
                notes.append(f"{ref.branch}: {note}")
        if m.condition:
            notes.insert(0, f"stub only under `{m.condition}`")
        print(
            f"| {label} | {m.kind} | "
            + " | ".join(cells)
            + f" | {'; '.join(dict.fromkeys(notes))} |"
        )


if __name__ == "__main__":
    main()
