"""The README's introduction says how many tools the server offers: the catalog's count."""

from __future__ import annotations

import re
from pathlib import Path

from expected_tools import TOOL_COUNT

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_states_the_number_of_tools_the_catalog_gives() -> None:
    intro = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    stated = re.findall(r"\((\d+) tools, declared once as data", intro)
    assert stated == [str(TOOL_COUNT)], (stated, TOOL_COUNT)
