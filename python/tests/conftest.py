"""Shared fixtures: the shared data folder (tests that read it skip with a notice in a plain
clone, and fail when COPYDESK_REQUIRE_SHARED=1, as `.ci/run` sets), and the `copydesk`
command line, built from this repository."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared(rel):
    base = pathlib.Path(os.environ.get("COPYDESK_SHARED", REPO.parent / "shared"))
    path = base / rel
    if path.exists():
        return path
    if os.environ.get("COPYDESK_REQUIRE_SHARED") == "1":
        pytest.fail(f"{path} is missing and COPYDESK_REQUIRE_SHARED=1")
    pytest.skip(f"{path} is missing (set COPYDESK_SHARED to the shared data folder)")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def cli():
    """The path of the `copydesk` binary, built in release mode if needed."""
    given = os.environ.get("COPYDESK_BIN")
    if given:
        return given
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--features", "cli", "--bin", "copydesk"],
        cwd=REPO,
        check=True,
    )
    return str(REPO / "target" / "release" / "copydesk")
