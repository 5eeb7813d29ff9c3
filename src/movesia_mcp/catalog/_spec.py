"""``ToolSpec``: one Unity command of the catalog, as data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from ._models import Params

Kind = Literal["read", "write", "destructive"]


@dataclass(frozen=True, slots=True)
class ToolSpec:
    name: str
    command: str
    title: str
    description: str
    params: type[Params]
    result: type[BaseModel]
    kind: Kind = "write"
    idempotent: bool = False
    survives_reload: bool = False
    timeout: float | None = None

    @property
    def read_only(self) -> bool:
        return self.kind == "read"

    @property
    def destructive(self) -> bool:
        return self.kind == "destructive"
