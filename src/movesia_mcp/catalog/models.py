"""Pydantic models shared by the tool catalog: the shapes on the MCP boundary."""

from __future__ import annotations

import posixpath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

Vec3 = Annotated[
    list[float],
    Field(min_length=3, max_length=3, description="[x, y, z]", examples=[[0, 1.5, 0]]),
]

PrimitiveType = Literal["Empty", "Cube", "Sphere", "Capsule", "Cylinder", "Plane", "Quad"]
LogType = Literal["Log", "Warning", "Error", "Exception", "Assert"]


def explain(exc: ValidationError) -> str:
    """A validation error as one line an LLM can act on: ``field: problem; ...``."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def project_relative(path: str, *, root: str = "Assets", suffix: str | None = None) -> str:
    """Normalise a project path and insist it stays inside ``root``.

    Rejects absolute paths, ``..`` escapes and backslash tricks: a tool may only touch
    files below the project's ``Assets/`` folder.
    """
    cleaned = path.strip().replace("\\", "/")
    if not cleaned:
        raise ValueError("path is empty")
    if cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise ValueError(f"path {path!r} must be relative to the project, like '{root}/...'")
    normal = posixpath.normpath(cleaned)
    if normal != root and not normal.startswith(root + "/"):
        raise ValueError(f"path {path!r} must stay inside the project's {root}/ folder")
    if any(part in ("", ".", "..") for part in normal.split("/")):
        raise ValueError(f"path {path!r} is not a plain project path")
    if suffix is not None and not normal.endswith(suffix):
        raise ValueError(f"path {path!r} must end with {suffix}")
    return normal


AssetPath = Annotated[
    str,
    AfterValidator(project_relative),
    Field(description="Project-relative path inside Assets/, e.g. 'Assets/Materials/Red.mat'"),
]
ScriptPath = Annotated[
    str,
    AfterValidator(lambda p: project_relative(p, suffix=".cs")),
    Field(
        description="Project-relative C# file path inside Assets/, e.g. 'Assets/Scripts/Player.cs'"
    ),
]
ScenePath = Annotated[
    str,
    AfterValidator(lambda p: project_relative(p, suffix=".unity")),
    Field(description="Scene asset path, e.g. 'Assets/Scenes/Main.unity'"),
]


class Params(BaseModel):
    """Base of every tool's parameters: unknown arguments are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


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
