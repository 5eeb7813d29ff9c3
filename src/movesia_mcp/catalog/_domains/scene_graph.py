"""Reading the scene graph: the hierarchy page, finding and inspecting GameObjects."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from .._models import GameObjectSummary, Params, Result, ServerChecked
from .components import ComponentInfo


class HierarchyParams(Params):
    root: str | None = Field(
        None, description="Start below this hierarchy path; omit for the scene roots"
    )
    depth: int = Field(2, ge=0, le=10, description="How many levels below the start to include")
    offset: int = Field(0, ge=0, description="Skip this many top-level entries (paging)")
    limit: int = Field(100, ge=1, le=500, description="At most this many top-level entries")
    scene: str | None = Field(None, description="Scene name; omit for all loaded scenes")
    max_nodes: int = Field(
        500,
        ge=1,
        le=5000,
        description="Stop expanding children once the answer holds this many nodes; cut "
        "subtrees are marked children_truncated (drill in with 'root')",
    )


class HierarchyNode(Result):
    instance_id: int
    name: str
    path: str
    active: bool = True
    child_count: int = 0
    children: list[HierarchyNode] = Field(default_factory=list)
    children_truncated: bool = Field(
        False, description="True when the depth or the node budget cut children off"
    )


class HierarchyResult(Result):
    # Untyped items in the MCP output schema, so that a client validates a page at a flat
    # cost (ServerChecked); tool_schemas/ and the server's own check type every node.
    nodes: Annotated[
        list[HierarchyNode],
        ServerChecked(
            "This page's top-level entries, each a tree of nodes {instance_id, name, path, "
            "active, child_count, children: [nodes], children_truncated}. The server checked "
            "every node; they are left untyped here so that validating a page costs the same "
            "whatever its size"
        ),
    ]
    total: int = Field(description="Top-level entries available at this start")
    offset: int
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")
    total_objects: int = Field(0, description="Objects in the loaded scenes")


class FindParams(Params):
    name: str | None = Field(None, description="Name or substring (case-insensitive)")
    tag: str | None = Field(None, description="Exact tag, e.g. 'Player'")
    layer: str | int | None = Field(None, description="Layer name or number")
    component: str | None = Field(None, description="Component type, e.g. 'Rigidbody'")
    limit: int = Field(50, ge=1, le=500, description="At most this many objects")

    @model_validator(mode="after")
    def _some_filter(self) -> FindParams:
        if all(v is None for v in (self.name, self.tag, self.layer, self.component)):
            raise ValueError("give at least one of name, tag, layer or component")
        return self


class FindResult(Result):
    objects: list[GameObjectSummary]
    total: int
    truncated: bool = False


class InspectResult(Result):
    object: GameObjectSummary
    components: list[ComponentInfo]
    children: list[str] = Field(default_factory=list)
