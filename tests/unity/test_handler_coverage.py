"""The Unity editor layer answers exactly the catalog's commands, in the catalog's shapes.

No Unity runs here, so this reads the C# source: the registration table in
``Editor/Unity/Handlers/Handlers.cs`` against ``tool_schemas/``, and each handler's body
(plus the result builders it calls, marked ``// builds: <Def>``) against its schema:
every input parameter is read, no parameter outside the schema is, every required output
field is written.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from expected_tools import UNITY_TOOL_COUNT

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "unity" / "com.movesia.mcp"
LAYER = PACKAGE / "Editor" / "Unity"
CORE = PACKAGE / "Editor" / "Core"
SCHEMAS = ROOT / "tool_schemas"

REGISTRATION = re.compile(r'\bt\.Add\("(?P<command>\w+)",\s*(?P<cls>\w+)\.(?P<method>\w+)\);')
CLASS = re.compile(r"\b(?:class|struct)\s+(\w+)")
METHOD = re.compile(
    r"(?P<marker>//\s*builds:\s*(?P<builds>\w+)\s*\n\s*)?"
    r"(?:public|internal|private)\s+static\s+[\w<>\[\],. ]+?\s+"
    r"(?P<name>\w+)\s*\((?P<params>[^)]*)\)\s*\{"
)
READ = re.compile(r'\bArgs\.\w+\(args,\s*"(\w+)"|\bargs\["(\w+)"\]')
CALL = re.compile(r"\b(?:(\w+)\.)?(\w+)\(args\b")
LITERAL = re.compile(r'"(\w+)"')
# The compiler messages of write_script / refresh_assets are filled in by the core when the
# compile ends (NotifyCompileFinished), not by the handler.
BUILT_BY_CORE = {"CompilerMessage"}


def _body(text: str, open_brace: int) -> str:
    depth = 0
    for i in range(open_brace, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[open_brace : i + 1]
    raise AssertionError("unbalanced braces")


@cache
def parsed() -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    """(class, method) → body for every static method of the editor layer, and
    schema $def name → (class, method) of the builder marked ``// builds: <Def>``."""
    bodies: dict[tuple[str, str], str] = {}
    marked: dict[str, tuple[str, str]] = {}
    for path in sorted(LAYER.rglob("*.cs")):
        text = path.read_text(encoding="utf-8")
        classes = []  # (start, end, name): the span of each class body
        for m in CLASS.finditer(text):
            brace = text.index("{", m.end())
            classes.append((brace, brace + len(_body(text, brace)), m.group(1)))
        for m in METHOD.finditer(text):
            owners = [(start, name) for start, end, name in classes if start < m.start() < end]
            assert owners, f"method {m.group('name')} outside a class in {path.name}"
            key = (max(owners)[1], m.group("name"))
            bodies[key] = _body(text, m.end() - 1)
            if m.group("builds"):
                assert m.group("builds") not in marked, f"two builders of {m.group('builds')}"
                marked[m.group("builds")] = key
    return bodies, marked


def methods() -> dict[tuple[str, str], str]:
    return parsed()[0]


def builders() -> dict[str, str]:
    return {name: methods()[key] for name, key in parsed()[1].items()}


@cache
def registrations() -> list[tuple[str, str, str]]:
    text = (LAYER / "Handlers" / "Handlers.cs").read_text(encoding="utf-8")
    return [(m["command"], m["cls"], m["method"]) for m in REGISTRATION.finditer(text)]


@cache
def schemas() -> dict[str, dict[str, Any]]:
    result = {}
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        result[schema["unity_command"]] = schema
    return result


def handler(command: str) -> tuple[str, str]:
    for name, cls, method in registrations():
        if name == command:
            return cls, method
    raise AssertionError(f"no handler registered for {command}")


def method_body(cls: str | None, name: str) -> str | None:
    if cls is not None:
        return methods().get((cls, name))
    matches = [body for (_, method), body in methods().items() if method == name]
    return matches[0] if len(matches) == 1 else None


def reach(cls: str, method: str) -> str:
    """The handler's body and, transitively, the helpers it hands ``args`` to and the result
    builders (``// builds:``) it calls."""
    builder_keys = set(parsed()[1].values())
    seen: set[tuple[str | None, str]] = set()
    todo: list[tuple[str | None, str]] = [(cls, method)]
    parts: list[str] = []
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        body = method_body(*key)
        if body is None:
            continue
        parts.append(body)
        todo.extend((m.group(1), m.group(2)) for m in CALL.finditer(body))
        for owner, name in builder_keys:
            if re.search(rf"(?<![\w.]){name}\(|\b{owner}\.{name}\(", body):
                todo.append((owner, name))
    return "\n".join(parts)


def required_defs(schema: dict[str, Any]) -> set[str]:
    """The output $defs (with required fields) this command's answer contains."""
    defs = schema["output_schema"].get("$defs", {})
    text = json.dumps(schema["output_schema"])
    used = {ref.rsplit("/", 1)[1] for ref in re.findall(r'"\$ref":\s*"([^"]+)"', text)}
    return {name for name in used if defs.get(name, {}).get("required")}


COMMANDS = sorted(schemas())


def test_the_registration_table_is_the_catalog() -> None:
    registered = [command for command, _, _ in registrations()]
    assert len(registered) == len(set(registered)), "a command is registered twice"
    assert set(registered) == set(COMMANDS)
    assert len(COMMANDS) == UNITY_TOOL_COUNT


@pytest.mark.parametrize("command", COMMANDS)
def test_handler_is_a_command_handler(command: str) -> None:
    cls, method = handler(command)
    sources = "\n".join(p.read_text(encoding="utf-8") for p in LAYER.rglob("*.cs"))
    assert re.search(
        rf"public\s+static\s+CommandOutcome\s+{method}\s*\(\s*JObject\s+args\s*\)", sources
    ), (
        f"{cls}.{method} is not a CommandHandler: "
        f"public static CommandOutcome {method}(JObject args)"
    )
    assert (cls, method) in methods()


@pytest.mark.parametrize("command", COMMANDS)
def test_handler_reads_exactly_its_parameters(command: str) -> None:
    source = reach(*handler(command))
    read = {a or b for a, b in READ.findall(source)}
    declared = set(schemas()[command]["input_schema"]["properties"])
    assert read <= declared, (
        f"{command} reads parameters its schema does not have: {read - declared}"
    )
    assert declared <= read, f"{command} ignores parameters of its schema: {declared - read}"


@pytest.mark.parametrize("command", COMMANDS)
def test_handler_writes_every_required_field(command: str) -> None:
    schema = schemas()[command]
    source = reach(*handler(command))
    literals = set(LITERAL.findall(source))
    missing = set(schema["output_schema"].get("required", [])) - literals
    assert not missing, f"{command}'s handler never writes required fields {missing}"
    defs = schema["output_schema"].get("$defs", {})
    for name in required_defs(schema):
        required = set(defs[name]["required"])
        if name in BUILT_BY_CORE:
            core = "\n".join(p.read_text(encoding="utf-8") for p in CORE.rglob("*.cs"))
            fields = set(LITERAL.findall(core))
        elif name in builders():
            fields = set(LITERAL.findall(builders()[name]))
        else:
            fields = literals
        assert required <= fields, f"{command}: {name} lacks required fields {required - fields}"


def test_reload_surviving_commands_answer_after_the_change() -> None:
    for command, schema in schemas().items():
        source = reach(*handler(command))
        defers = (
            "CommandOutcome.AfterCompile" in source
            or "CommandOutcome.AfterPlayModeChange" in source
            or "CommandOutcome.AwaitCallback" in source
        )
        assert defers == schema["survives_reload"], (
            f"{command}: survives_reload is {schema['survives_reload']} but the handler "
            f"{'defers' if defers else 'answers at once'}"
        )
