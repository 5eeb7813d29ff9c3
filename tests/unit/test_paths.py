"""Path refusals of the catalog: checked before anything is sent to Unity."""

from __future__ import annotations

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from movesia_mcp._server.tools import validate_params
from movesia_mcp.catalog import TOOLS_BY_NAME
from movesia_mcp.catalog._models import project_relative


def refused(path: str, **kwargs: object) -> str:
    with pytest.raises(ValueError, match=r"rule: |must ") as caught:
        project_relative(path, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize(
    "path", ["Assets", "Assets/", "Assets/.", "Assets//", "./Assets", "Assets\\"]
)
def test_the_assets_root_itself_is_refused_as_a_target(path: str) -> None:
    assert "the Assets root cannot be the target" in refused(path, allow_root=False)


def test_the_assets_root_is_a_valid_folder_filter() -> None:
    assert project_relative("Assets/") == "Assets"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1f", "\x7f", "\x85", "\t", "\n"])
def test_nul_and_control_characters_are_refused(char: str) -> None:
    message = refused(f"Assets/Scripts/A{char}B.cs")
    assert "control character" in message
    assert f"U+{ord(char):04X}" in message


@pytest.mark.parametrize(
    "path", ["Assets/a:b.cs", "Assets/Player.cs:Zone.Identifier", "Assets/x:/y.cs", "Assets/:$DATA"]
)
def test_a_colon_in_a_name_is_refused(path: str) -> None:
    assert "no ':' in file names" in refused(path)


@pytest.mark.parametrize(
    "name",
    [
        "CON",
        "con",
        "PRN",
        "AUX",
        "NUL",
        "COM1",
        "com9",
        "LPT1",
        "lpt9",
        "CON.cs",
        "nul.txt",
        "Aux.tar.gz",
        "COM¹",
        "LPT3.unity",
        "CON .cs",
    ],
)
def test_windows_device_names_are_refused_with_any_extension(name: str) -> None:
    assert "reserved device name" in refused(f"Assets/Scripts/{name}")


@pytest.mark.parametrize(
    "name", ["CONSOLE.cs", "Contoso.cs", "COM10.cs", "LPT0.cs", "NULL.cs", "Aux1.cs"]
)
def test_names_that_only_resemble_device_names_are_accepted(name: str) -> None:
    assert project_relative(f"Assets/{name}") == f"Assets/{name}"


@pytest.mark.parametrize(
    "path", ["Assets/Foo.", "Assets/Foo /Bar.cs", "Assets/Bar.cs.", "Assets/x../y"]
)
def test_trailing_dots_or_spaces_in_a_segment_are_refused(path: str) -> None:
    assert "ends with a dot or a space" in refused(path)


@pytest.mark.parametrize("path", ["Assets/../x.cs", "Assets/a/../b.cs", "../evil.cs", "Assets/.."])
def test_parent_steps_are_refused_even_when_they_stay_inside(path: str) -> None:
    assert "no parent-folder steps" in refused(path)


@pytest.mark.parametrize(
    "path",
    ["Packages/com.x/a.cs", "ProjectSettings/x.asset", "/etc/passwd", "C:/x.cs", "assets/x.cs"],
)
def test_anything_outside_the_allowed_folder_is_refused(path: str) -> None:
    message = refused(path)
    assert "Assets/" in message


def test_ordinary_paths_are_accepted_and_normalised() -> None:
    assert project_relative("Assets\\Scripts\\Player.cs") == "Assets/Scripts/Player.cs"
    assert project_relative("Assets/./Art//Red.mat") == "Assets/Art/Red.mat"
    assert project_relative("Assets/.hidden/x.asset") == "Assets/.hidden/x.asset"


@pytest.mark.parametrize("path", ["Assets", "Assets/", "Assets/."])
def test_delete_asset_refuses_the_assets_root_naming_the_rule(path: str) -> None:
    with pytest.raises(ToolError, match="the Assets root cannot be the target"):
        validate_params(TOOLS_BY_NAME["delete_asset"], {"path": path})


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("write_script", {"path": "Assets/Scripts/CON.cs", "contents": ""}),
        ("write_script", {"path": "Assets/Scripts/A.cs:hidden", "contents": ""}),
        ("delete_asset", {"path": "Assets/Old\x00.mat"}),
        ("create_material", {"path": "Assets/Red.mat. "}),
        ("open_scene", {"path": "Assets/../Main.unity"}),
    ],
)
def test_every_path_argument_of_the_catalog_is_checked(
    tool: str, arguments: dict[str, object]
) -> None:
    with pytest.raises(ToolError, match="rule: "):
        validate_params(TOOLS_BY_NAME[tool], dict(arguments))


def test_search_assets_accepts_the_assets_root_as_its_folder() -> None:
    params = validate_params(TOOLS_BY_NAME["search_assets"], {"folder": "Assets/"})
    assert params["folder"] == "Assets"
