"""Pydantic models shared by the tool catalog: the shapes on the MCP boundary."""

from __future__ import annotations

import difflib
import posixpath
import typing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

Vec3 = Annotated[
    list[float],
    Field(min_length=3, max_length=3, description="[x, y, z]", examples=[[0, 1.5, 0]]),
]

PrimitiveType = Literal["Empty", "Cube", "Sphere", "Capsule", "Cylinder", "Plane", "Quad"]
LogType = Literal["Log", "Warning", "Error", "Exception", "Assert"]


def explain(exc: ValidationError, model: type[BaseModel] | None = None) -> str:
    """A validation error as one line an LLM can act on: ``field: problem; ...``.

    No internal model names: a wrong shape reads "should be an object", and an unknown
    argument names the nearest valid one of ``model`` (when given) at that place.
    """
    parts = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        where = ".".join(str(p) for p in loc) or "arguments"
        kind = error["type"]
        if kind == "extra_forbidden" and loc:
            known = fields_at(model, loc[:-1]) if model is not None else []
            parts.append(f"{where}: unknown argument{did_you_mean(str(loc[-1]), known)}")
        elif kind in ("model_type", "model_attributes_type", "dataclass_type"):
            parts.append(f"{where}: should be an object")
        else:
            parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the nearest of ``known``, else the valid names."""
    if not known:
        return ""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return " (valid: " + ", ".join(known) + ")"


def fields_at(model: type[BaseModel], path: Sequence[int | str]) -> list[str]:
    """The argument names of the object at ``path`` inside ``model`` (empty if not a model)."""
    current: Any = model
    for part in path:
        found = _model_in(current)
        if isinstance(part, str):
            field = found.model_fields.get(part) if found is not None else None
            if field is None:
                return []
            current = field.annotation
        else:  # a list index: the item type is inside ``current``
            current = typing.get_args(current) or current
    found = _model_in(current)
    if found is None:
        return []
    return [field.alias or name for name, field in found.model_fields.items()]


def _model_in(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in tp if isinstance(tp, tuple) else typing.get_args(tp):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# Names Windows reserves for devices, whatever the extension ("CON.cs" is CON too).
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def project_relative(
    path: str, *, root: str = "Assets", suffix: str | None = None, allow_root: bool = True
) -> str:
    """Normalise a project path and insist it stays inside ``root``.

    A tool may only touch files below the project's ``Assets/`` folder, under names
    every editor platform can hold. Refused, each with the rule it breaks: absolute
    paths and drive letters, backslash tricks, ``..``, NUL and control characters,
    ``:`` in a name (NTFS alternate streams), Windows device names (``CON``, ``NUL``,
    ``COM1``, … with any extension), names ending in a dot or a space, and — unless
    ``allow_root`` — the ``Assets`` folder itself (``Assets``, ``Assets/``, ``Assets/.``).
    """
    bad = next((c for c in path if _is_control(c)), None)
    if bad is not None:
        raise ValueError(
            f"path {path!r} contains the control character U+{ord(bad):04X} "
            "(rule: no NUL or control characters in paths)"
        )
    cleaned = path.strip().replace("\\", "/")
    if not cleaned:
        raise ValueError("path is empty")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise ValueError(f"path {path!r} must be relative to the project, like '{root}/...'")
    segments = cleaned.split("/")
    if ".." in segments:
        raise ValueError(
            f"path {path!r} must stay inside the project's {root}/ folder and contains "
            "'..' (rule: no parent-folder steps)"
        )
    for segment in segments:
        if segment in ("", "."):
            continue
        if ":" in segment:
            raise ValueError(
                f"path {path!r}: name {segment!r} contains ':' (rule: no ':' in file names; "
                "on Windows it names an NTFS alternate data stream)"
            )
        if segment[-1] in ". ":
            raise ValueError(
                f"path {path!r}: name {segment!r} ends with a dot or a space (rule: Windows "
                "drops them, so the file would not be the one named)"
            )
        stem = segment.split(".", 1)[0].rstrip(" ").upper()
        if stem in WINDOWS_RESERVED:
            raise ValueError(
                f"path {path!r}: {segment!r} is a reserved device name on Windows "
                "(rule: no CON, PRN, AUX, NUL, COM1-9 or LPT1-9, with any extension)"
            )
    normal = posixpath.normpath(cleaned)
    if normal != root and not normal.startswith(root + "/"):
        raise ValueError(
            f"path {path!r} must stay inside the project's {root}/ folder "
            f"(rule: only {root}/ may be touched)"
        )
    if normal == root and not allow_root:
        raise ValueError(
            f"path {path!r} is the {root} folder itself (rule: the {root} root cannot be "
            f"the target; name something inside it, like '{root}/Old')"
        )
    if suffix is not None and not normal.endswith(suffix):
        raise ValueError(f"path {path!r} must end with {suffix}")
    return normal


AssetPath = Annotated[
    str,
    AfterValidator(lambda p: project_relative(p, allow_root=False)),
    Field(description="Project-relative path inside Assets/, e.g. 'Assets/Materials/Red.mat'"),
]
AssetFolder = Annotated[
    str,
    AfterValidator(project_relative),
    Field(description="Project-relative folder: 'Assets' or a folder inside it"),
]
ScriptPath = Annotated[
    str,
    AfterValidator(lambda p: project_relative(p, suffix=".cs", allow_root=False)),
    Field(
        description="Project-relative C# file path inside Assets/, e.g. 'Assets/Scripts/Player.cs'"
    ),
]
ScenePath = Annotated[
    str,
    AfterValidator(lambda p: project_relative(p, suffix=".unity", allow_root=False)),
    Field(description="Scene asset path, e.g. 'Assets/Scenes/Main.unity'"),
]


class Params(BaseModel):
    """Base of every tool's parameters: unknown arguments are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


class NoParams(Params):
    pass


class Result(BaseModel):
    """Base of every result: Unity may send more than the model names, and it is kept."""

    model_config = ConfigDict(extra="allow")


class ObjectTarget(Params):
    """Identifies one GameObject by hierarchy path or by instance id."""

    path: str | None = Field(
        None, description="Hierarchy path, e.g. 'Environment/Trees/Oak' (scene root first)"
    )
    instance_id: int | None = Field(None, description="Unity instance id, from a previous result")

    @model_validator(mode="after")
    def _one_target(self) -> ObjectTarget:
        if (self.path is None) == (self.instance_id is None):
            raise ValueError("give exactly one of 'path' or 'instance_id'")
        return self


class GameObjectSummary(Result):
    instance_id: int
    name: str
    path: str
    active: bool = True
    tag: str = "Untagged"
    layer: int = 0
    child_count: int = 0
    components: list[str] = Field(default_factory=list)


class OkResult(Result):
    success: bool = True
    message: str = ""


class ObjectResult(Result):
    object: GameObjectSummary


# ── two JSON schemas of one model: the contract and the MCP output schema ──────────

_CONTRACT: ContextVar[bool] = ContextVar("movesia_contract_schema", default=False)


@contextmanager
def _contract() -> Iterator[None]:
    token = _CONTRACT.set(True)
    try:
        yield
    finally:
        _CONTRACT.reset(token)


class ContractJsonSchema(GenerateJsonSchema):
    """The JSON schema of ``tool_schemas/``, the contract for the Unity side: every field
    typed, however deep (``ServerChecked`` lists included).

    ``model.model_json_schema(schema_generator=ContractJsonSchema)``; any other generator
    (the MCP SDK's among them) gives the output schema MCP clients validate against.
    """

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        with _contract():
            return super().generate(schema, mode)


@dataclass(frozen=True, slots=True)
class ServerChecked:
    """A list whose items MCP clients get untyped: ``{"type": "array"}`` and ``description``.

    For big recursive answers (a hierarchy page of 500 nodes): a JSON schema validator
    checks every item against its schema, a cost per item that the SDK's validator pays
    on every call (tens of µs per node). The server already validated every item with
    the full model before sending, so the client's check is kept to the page's own
    fields and costs the same whatever the page holds. The contract (``tool_schemas/``,
    :class:`ContractJsonSchema`) still types every item; Python validation is unchanged.
    """

    description: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if _CONTRACT.get():
            return handler(core_schema)
        return {"type": "array", "description": self.description}
