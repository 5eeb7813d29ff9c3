"""C# scripts: writing whole files, reading them by pages and editing line/column ranges."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, model_validator

from .._models import Params, Result, ScriptPath


class CompilerMessage(Result):
    file: str
    line: int
    column: int = 0
    message: str
    severity: Literal["error", "warning"] = "error"


class WriteScriptParams(Params):
    path: ScriptPath
    contents: str = Field(description="Full C# source of the file")


class WriteScriptResult(Result):
    path: str
    created: bool = Field(description="True for a new file, False when it replaced one")
    compiled: bool = Field(description="True when the project compiled without errors")
    errors: list[CompilerMessage] = Field(default_factory=list)


SHA256_HEX = r"^[0-9a-fA-F]{64}$"
MAX_SCRIPT_EDITS = 100


class ReadScriptParams(Params):
    path: ScriptPath
    offset: int = Field(0, ge=0, description="Skip this many lines from the top (paging)")
    limit: int = Field(1000, ge=1, le=5000, description="At most this many lines in 'contents'")


class ReadScriptResult(Result):
    path: str
    contents: str = Field(
        description="The lines of this page, with their line breaks as in the file"
    )
    sha256: str = Field(
        description="SHA-256 (hex) of the whole file's bytes; pass it to edit_script"
    )
    line_count: int = Field(
        description="Lines in the file (a final line break does not start another line)"
    )
    offset: int = Field(description="Lines skipped before this page")
    next_offset: int | None = Field(None, description="Pass as 'offset' for the next page")


class ScriptEdit(Params):
    """One range replacement; positions are 1-based, the end is exclusive."""

    start_line: int = Field(ge=1, description="Line of the first character replaced (1-based)")
    start_column: int = Field(
        ge=1, description="Column of the first character replaced (1-based, in characters)"
    )
    end_line: int = Field(ge=1, description="Line of the end position (1-based)")
    end_column: int = Field(
        ge=1,
        description="Column just after the last character replaced (exclusive); equal to "
        "the start for a pure insertion; line length + 1 is the end of the line",
    )
    text: str = Field(description="Replacement text ('' deletes the range)")

    @model_validator(mode="after")
    def _ordered(self) -> ScriptEdit:
        if (self.end_line, self.end_column) < (self.start_line, self.start_column):
            raise ValueError(
                f"the end {self.end_line}:{self.end_column} comes before the start "
                f"{self.start_line}:{self.start_column}"
            )
        return self


class EditScriptParams(Params):
    path: ScriptPath
    sha256: str = Field(
        pattern=SHA256_HEX,
        description="The file's SHA-256 from read_script; the edit is refused if the file "
        "changed since",
    )
    edits: list[ScriptEdit] = Field(
        min_length=1,
        max_length=MAX_SCRIPT_EDITS,
        description="Range replacements, all in the coordinates of the file as read "
        f"(1 to {MAX_SCRIPT_EDITS}, in any order, not overlapping)",
    )

    @model_validator(mode="after")
    def _no_overlap(self) -> EditScriptParams:
        order = sorted(
            range(len(self.edits)),
            key=lambda i: (self.edits[i].start_line, self.edits[i].start_column),
        )
        for before, after in itertools.pairwise(order):
            a, b = self.edits[before], self.edits[after]
            a_start, a_end = (a.start_line, a.start_column), (a.end_line, a.end_column)
            b_start = (b.start_line, b.start_column)
            if a_end > b_start or a_start == b_start:
                raise ValueError(
                    f"edits {before + 1} and {after + 1} overlap (or start at the same "
                    "position); merge them into one edit"
                )
        return self


class EditScriptResult(WriteScriptResult):
    sha256: str = Field(description="SHA-256 (hex) of the file after the edit")
    line_count: int = Field(description="Lines in the file after the edit")
