"""Assets: searching, importing (refresh) and deleting asset files."""

from __future__ import annotations

from pydantic import Field

from .._models import AssetFolder, AssetPath, Params, Result
from .scripts import CompilerMessage


class SearchAssetsParams(Params):
    query: str = Field("", description="Name filter; Unity search syntax like 't:Material' works")
    folder: AssetFolder | None = Field(
        None, description="Search only in this folder ('Assets' or inside it); omit for all"
    )
    limit: int = Field(50, ge=1, le=500, description="At most this many assets")
    offset: int = Field(0, ge=0, description="Skip this many assets (paging)")


class AssetInfo(Result):
    path: str
    type: str
    guid: str = ""


class AssetListResult(Result):
    assets: list[AssetInfo]
    total: int
    next_offset: int | None = None


class RefreshParams(Params):
    pass


class RefreshResult(Result):
    success: bool = True
    compiled: bool = False
    errors: list[CompilerMessage] = Field(default_factory=list)


class DeleteAssetParams(Params):
    path: AssetPath
