"""The relay secret file: private to its user, written atomically, refused otherwise."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from movesia_mcp import RelaySecretError
from movesia_mcp._security import secret_matches
from movesia_mcp._server.relay_secret import (
    read_secret,
    remove_secret,
    secret_path,
    state_dir,
    write_secret,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="owner and mode are POSIX notions")


def test_written_secret_is_private_and_reads_back(tmp_path: Path) -> None:
    directory = tmp_path / "state"
    path, value = write_secret(8765, directory)
    assert path == directory / "relay-8765.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert read_secret(8765, directory) == value
    assert len(value) >= 40  # 32 random bytes, url-safe
    assert sorted(p.name for p in directory.iterdir()) == ["relay-8765.secret"]


def test_each_holder_writes_a_fresh_secret_per_port(tmp_path: Path) -> None:
    _, first = write_secret(8765, tmp_path)
    _, second = write_secret(8765, tmp_path)
    _, other_port = write_secret(9000, tmp_path)
    assert len({first, second, other_port}) == 3
    assert read_secret(8765, tmp_path) == second
    assert read_secret(9000, tmp_path) == other_port


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o666])
def test_a_secret_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path, _ = write_secret(8765, tmp_path)
    path.chmod(mode)
    with pytest.raises(RelaySecretError, match=f"has mode {mode:04o}; it must be private"):
        read_secret(8765, tmp_path)


@pytest.mark.parametrize("mode", [0o750, 0o755, 0o777])
def test_a_directory_open_to_others_is_refused_for_reading_and_writing(
    tmp_path: Path, mode: int
) -> None:
    directory = tmp_path / "state"
    write_secret(8765, directory)
    directory.chmod(mode)
    try:
        with pytest.raises(RelaySecretError, match=f"directory {directory} has mode"):
            read_secret(8765, directory)
        with pytest.raises(RelaySecretError, match="must be private"):
            write_secret(8765, directory)
    finally:
        directory.chmod(0o700)


def test_a_symlinked_secret_file_or_directory_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    path, _ = write_secret(8765, real)
    linked_dir = tmp_path / "linked"
    linked_dir.symlink_to(real)
    with pytest.raises(RelaySecretError, match="is not a plain directory"):
        read_secret(8765, linked_dir)
    planted = real / "planted"
    path.rename(planted)
    path.symlink_to(planted)
    with pytest.raises(RelaySecretError, match="cannot read the relay secret"):
        read_secret(8765, real)


def test_a_missing_or_empty_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RelaySecretError, match="does not exist"):
        read_secret(8765, tmp_path / "absent")
    tmp_path.chmod(0o700)
    with pytest.raises(RelaySecretError, match="no relay secret at"):
        read_secret(8765, tmp_path)
    path = secret_path(8765, tmp_path)
    path.write_text("")
    path.chmod(0o600)
    with pytest.raises(RelaySecretError, match="does not hold a relay secret"):
        read_secret(8765, tmp_path)


def test_remove_leaves_a_newer_holders_secret(tmp_path: Path) -> None:
    _, old = write_secret(8765, tmp_path)
    _, new = write_secret(8765, tmp_path)
    remove_secret(8765, old, tmp_path)
    assert read_secret(8765, tmp_path) == new
    remove_secret(8765, new, tmp_path)
    assert not secret_path(8765, tmp_path).exists()


def test_secret_comparison() -> None:
    assert secret_matches("abc", "abc")
    assert not secret_matches("abd", "abc")
    assert not secret_matches("", "abc")
    assert not secret_matches(None, "abc")


def test_state_dir_choice(tmp_path: Path) -> None:
    assert state_dir({"MOVESIA_STATE_DIR": str(tmp_path)}) == tmp_path
    runtime = {"XDG_RUNTIME_DIR": "/run/user/1000"}
    if sys.platform == "darwin":
        mac = Path.home() / "Library" / "Application Support" / "movesia-mcp"
        assert state_dir(runtime) == mac
        assert state_dir({}) == mac
    else:
        assert state_dir(runtime) == Path("/run/user/1000/movesia-mcp")
        assert state_dir({}) == Path.home() / ".local" / "state" / "movesia-mcp"
