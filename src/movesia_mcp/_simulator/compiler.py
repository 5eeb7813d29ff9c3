"""A stand-in for Unity's C# compiler: enough to report errors the way Unity does.

It does not parse C#. It finds what a model most often gets wrong when writing a file
in one go: unbalanced ``{}``/``()``/``[]``, unterminated strings and comments, and
``#error`` directives. Strings, chars, comments and verbatim/interpolated strings are
skipped so their brackets do not count. Each problem is reported at the line where it
is detected, 1-based, with Roslyn's error code and text.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

_CLOSER = {"{": "}", "(": ")", "[": "]"}
_EXPECTED = {
    "}": ("CS1513", "} expected"),
    ")": ("CS1026", ") expected"),
    "]": ("CS1003", "Syntax error, ']' expected"),
}
_STRAY = {
    "}": ("CS1022", "Type or namespace definition, or end-of-file expected"),
    ")": ("CS1525", "Invalid expression term ')'"),
    "]": ("CS1525", "Invalid expression term ']'"),
}
_CLASS = re.compile(r"\bclass\s+([A-Za-z_]\w*)")
_PUBLIC_FIELD = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*public\s+(?!static|const|class|void|override|abstract)"
    r"([A-Za-z_][\w.<>\[\]]*)\s+([A-Za-z_]\w*)\s*(?:=\s*([^;]+))?;",
    re.MULTILINE,
)
_DEBUG_LOG = re.compile(r'Debug\.(Log|LogWarning|LogError)\(\s*"((?:[^"\\]|\\.)*)"\s*\)')


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int
    column: int
    code: str
    text: str
    severity: Literal["error", "warning"] = "error"

    @property
    def message(self) -> str:
        """Unity's message text, e.g. ``error CS1513: } expected``."""
        return f"{self.severity} {self.code}: {self.text}"

    @property
    def console_text(self) -> str:
        """The line Unity prints in its console for this diagnostic."""
        return f"{self.file}({self.line},{self.column}): {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """As a ``CompilerMessage`` of the catalog."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


def check_source(path: str, source: str) -> list[Diagnostic]:
    """Diagnostics for one C# file, in source order (errors and warnings)."""
    return _Scanner(path, source).run()


def check_project(sources: Mapping[str, str]) -> tuple[list[Diagnostic], set[str]]:
    """Compile every script of a project: the diagnostics, and the MonoBehaviours.

    Besides each file's own problems, a class declared twice is CS0101. A script's
    class is usable as a component when it is named like its file, as Unity requires.
    """
    diagnostics: list[Diagnostic] = []
    declared: dict[str, str] = {}
    for path, source in sorted(sources.items()):
        diagnostics.extend(check_source(path, source))
        for number, line in enumerate(source.splitlines(), start=1):
            for match in _CLASS.finditer(line):
                name = match.group(1)
                if name not in declared:
                    declared[name] = path
                    continue
                diagnostics.append(
                    Diagnostic(
                        path,
                        number,
                        match.start(1) + 1,
                        "CS0101",
                        "The namespace '<global namespace>' already contains a definition "
                        f"for '{name}'",
                    )
                )
    return diagnostics, {name for name, path in declared.items() if _stem(path) == name}


def public_fields(source: str) -> dict[str, Any]:
    """Serialized fields a script would show in the Inspector, with default values."""
    fields: dict[str, Any] = {}
    for type_name, name, default in _PUBLIC_FIELD.findall(source):
        fields[name] = _default_value(type_name, default.strip() if default else None)
    return fields


def debug_logs(source: str) -> list[tuple[str, str, int]]:
    """``Debug.Log*("literal")`` calls: (log type, message, line)."""
    kinds = {"Log": "Log", "LogWarning": "Warning", "LogError": "Error"}
    return [
        (kinds[m.group(1)], m.group(2), source.count("\n", 0, m.start()) + 1)
        for m in _DEBUG_LOG.finditer(source)
    ]


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def _default_value(type_name: str, default: str | None) -> Any:
    if type_name in ("int", "long", "short", "byte"):
        try:
            return int(default) if default else 0
        except ValueError:
            return 0
    if type_name in ("float", "double"):
        try:
            return float(default.rstrip("fFdD")) if default else 0.0
        except ValueError:
            return 0.0
    if type_name == "bool":
        return default == "true"
    if type_name == "string":
        return default.strip('"') if default and default.startswith('"') else ""
    if type_name in ("Vector3", "Vector2", "Color"):
        size = {"Vector3": 3, "Vector2": 2, "Color": 4}[type_name]
        return [1.0] * size if type_name == "Color" else [0.0] * size
    return None  # an object reference, unassigned


class _Scanner:
    """One pass over the source, tracking line and column (both 1-based)."""

    def __init__(self, path: str, source: str) -> None:
        self.path = path
        self.lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.diagnostics: list[Diagnostic] = []
        self.stack: list[tuple[str, int, int]] = []
        self.structure_broken = False
        self.last_token: tuple[int, int] = (1, 0)  # where a missing closer is reported

    def report(self, line: int, column: int, code: str, text: str, warning: bool = False) -> None:
        severity: Literal["error", "warning"] = "warning" if warning else "error"
        self.diagnostics.append(Diagnostic(self.path, line, column, code, text, severity))

    def run(self) -> list[Diagnostic]:
        in_comment: tuple[int, int] | None = None  # where an open /* began
        verbatim: tuple[int, int] | None = None  # where an open @"..." began
        for number, text in enumerate(self.lines, start=1):
            i = 0
            if in_comment is None and verbatim is None and self.directive(number, text):
                continue
            while i < len(text):
                if in_comment is not None:
                    end = text.find("*/", i)
                    if end < 0:
                        break
                    in_comment, i = None, end + 2
                    continue
                if verbatim is not None:
                    i = self.skip_verbatim(text, i)
                    if i < 0:
                        break
                    verbatim = None
                    continue
                char = text[i]
                if char.isspace():
                    i += 1
                    continue
                if text.startswith("//", i):
                    break
                if text.startswith("/*", i):
                    in_comment, i = (number, i + 1), i + 2
                    continue
                self.last_token = (number, i + 1)
                prefix = _string_prefix(text, i)
                if prefix is not None:
                    start = i + len(prefix)
                    if "@" in prefix:
                        opened = (number, i + 1)
                        i = self.skip_verbatim(text, start + 1)
                        if i < 0:
                            verbatim = opened
                            break
                    else:
                        i = self.skip_string(number, text, start, interpolated="$" in prefix)
                    self.last_token = (number, i)
                    continue
                if char == "'":
                    i = self.skip_char(number, text, i)
                    self.last_token = (number, i)
                    continue
                if char == "#":
                    self.report(
                        number,
                        i + 1,
                        "CS1040",
                        "Preprocessor directives must appear as the first non-whitespace "
                        "character on a line",
                    )
                    break
                self.bracket(number, i + 1, char)
                i += 1
        if in_comment is not None:
            line, column = self.end_position()
            self.report(line, column, "CS1035", "End-of-file found, '*/' expected")
        if verbatim is not None:
            self.report(*verbatim, "CS1039", "Unterminated string literal")
        if self.stack and not self.structure_broken:
            closer = _CLOSER[self.stack[-1][0]]
            code, message = _EXPECTED[closer]
            line, column = self.last_token
            self.report(line, column + 1, code, message)
        return self.diagnostics

    def directive(self, number: int, text: str) -> bool:
        stripped = text.lstrip()
        if not stripped.startswith("#"):
            return False
        column = len(text) - len(stripped) + 1
        word, _, rest = stripped[1:].strip().partition(" ")
        if word == "error":
            self.report(number, column, "CS1029", f"#error: '{rest.strip()}'")
        elif word == "warning":
            self.report(number, column, "CS1030", f"#warning: '{rest.strip()}'", warning=True)
        return True

    def bracket(self, line: int, column: int, char: str) -> None:
        if self.structure_broken:
            return
        if char in _CLOSER:
            self.stack.append((char, line, column))
        elif char in _STRAY:
            if not self.stack:
                code, message = _STRAY[char]
                self.report(line, column, code, message)
                self.structure_broken = True
            elif _CLOSER[self.stack[-1][0]] != char:
                code, message = _EXPECTED[_CLOSER[self.stack[-1][0]]]
                self.report(line, column, code, message)
                self.structure_broken = True
            else:
                self.stack.pop()

    def skip_string(self, line: int, text: str, start: int, *, interpolated: bool) -> int:
        """Index just past the string opened at ``start`` (its quote); reports CS1010."""
        i, holes = start + 1, 0
        while i < len(text):
            char = text[i]
            if char == "\\" and holes == 0:
                i += 2
                continue
            if interpolated and char == "{":
                if text.startswith("{{", i) and holes == 0:
                    i += 2
                    continue
                holes += 1
            elif interpolated and char == "}" and holes:
                holes -= 1
            elif char == '"' and holes == 0:
                return i + 1
            i += 1
        self.report(line, start + 1, "CS1010", "Newline in constant")
        return len(text)

    @staticmethod
    def skip_verbatim(text: str, i: int) -> int:
        """Index just past the closing quote of a verbatim string, or -1 if it goes on."""
        while True:
            end = text.find('"', i)
            if end < 0:
                return -1
            if text.startswith('""', end):
                i = end + 2
                continue
            return end + 1

    def skip_char(self, line: int, text: str, start: int) -> int:
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == "'":
                return i + 1
            i += 1
        self.report(line, start + 1, "CS1010", "Newline in constant")
        return len(text)

    def end_position(self) -> tuple[int, int]:
        return len(self.lines), len(self.lines[-1]) + 1


def _string_prefix(text: str, i: int) -> str | None:
    """``""``, ``"@"``, ``"$"``, ``"$@"`` or ``"@$"`` when a string literal starts at ``i``."""
    for prefix in ("$@", "@$", "@", "$", ""):
        if text.startswith(prefix + '"', i):
            return prefix
    return None
