"""Packages: listing, adding and removing them through the Package Manager."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from .._models import Params, Result
from .scripts import CompilerMessage

# A registry package name: reverse-domain, lower case, at least three parts.
_PACKAGE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*){2,}")
_SEMVER = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)
# https://host/path.git, optionally ?path=sub/folder and #revision; git+https:// too.
_GIT_URL = re.compile(
    r"(?:git\+)?https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%@+-]+)+\.git"
    r"(?:\?path=[A-Za-z0-9._~%/-]+)?(?:#[A-Za-z0-9._/+-]+)?"
)
_PACKAGE_FORMS = (
    "a registry name like 'com.unity.textmeshpro', optionally with '@3.0.6', or a git "
    "URL like 'https://github.com/owner/repo.git' (also 'git+https://...', with "
    "'?path=' and '#revision')"
)


def package_name(value: str) -> str:
    """A registry package name, or a ValueError naming the rule."""
    if len(value) > 214 or not _PACKAGE_NAME.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a package name: use lower case reverse-domain form like "
            "'com.unity.textmeshpro' (letters, digits, '-', '_', at least three parts)"
        )
    return value


def package_id(value: str) -> str:
    """``name``, ``name@semver`` or a git URL, or a ValueError listing the forms."""
    if value.startswith(("https://", "git+https://")):
        if len(value) > 2048 or not _GIT_URL.fullmatch(value):
            raise ValueError(f"{value!r} is not a usable git URL; give {_PACKAGE_FORMS}")
        return value
    if "://" in value or value.startswith(("git@", "file:", "http:")):
        raise ValueError(f"{value!r}: only https git URLs are accepted; give {_PACKAGE_FORMS}")
    name, at, version = value.partition("@")
    if not _PACKAGE_NAME.fullmatch(name) or len(name) > 214:
        raise ValueError(f"{value!r} is not a package; give {_PACKAGE_FORMS}")
    if at and not _SEMVER.fullmatch(version):
        raise ValueError(
            f"{value!r}: the version after '@' must be semantic, like '3.0.6' or '1.2.0-pre.1'"
        )
    return value


PackageName = Annotated[
    str,
    AfterValidator(package_name),
    Field(description="Registry package name, e.g. 'com.unity.textmeshpro'"),
]
PackageId = Annotated[
    str,
    AfterValidator(package_id),
    Field(
        description="'com.company.name', 'com.company.name@1.2.3', or a git URL "
        "'https://host/owner/repo.git' (optionally '?path=sub/folder' and '#revision')"
    ),
]


class ListPackagesParams(Params):
    include_builtin: bool = Field(
        False, description="Also list Unity's built-in modules (com.unity.modules.*)"
    )


class PackageInfo(Result):
    name: str
    version: str
    source: str = Field(description="registry, git, embedded, local, builtin, ...")
    display_name: str = ""


class ListPackagesResult(Result):
    packages: list[PackageInfo]
    total: int


class AddPackageParams(Params):
    package: PackageId


class RemovePackageParams(Params):
    name: PackageName


class PackageChangeResult(Result):
    package: str = Field(description="What was asked for")
    name: str = Field(description="The package's name (known once resolved)")
    version: str | None = Field(None, description="The version now installed; null after removal")
    compiled: bool = Field(description="True when the project compiled without errors after it")
    errors: list[CompilerMessage] = Field(default_factory=list)
