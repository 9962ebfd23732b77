"""requirements/runtime.txt and test.txt: the lock files `make lock` writes from
pyproject.toml's dependency groups, which `make install` and `make install-test`
install with hash checking. They must hold every group's pins, pin everything
with hashes, and give tests the versions production runs.
"""

import importlib.util
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "lock_dependencies", ROOT / "scripts" / "lock_dependencies.py"
)
lock_dependencies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock_dependencies)

LOCKS = {
    "requirements/runtime.txt": ["runtime"],
    "requirements/test.txt": ["test", "lint"],
}


def entries(lock):
    """Return {name: (version, [hashes])} of a lock file as pip reads it."""
    text = (ROOT / lock).read_text().replace("\\\n", " ")
    found = {}
    for line in text.splitlines():
        if not line or line.startswith((" ", "#", "-")):
            continue
        requirement, *hashes = line.split(" --hash=")
        name, version = requirement.strip().split("==")
        found[canonicalize_name(name)] = (version, [value.split()[0] for value in hashes])
    return found


def groups():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pin_of_the_groups_is_in_the_lock(lock):
    # Fails when pyproject.toml changed and `make lock` was not run.
    locked = entries(lock)
    for group in LOCKS[lock]:
        for line in lock_dependencies.group_requirements(group, groups()):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            assert name in locked, f"{name} fehlt in {lock}: make lock"
            assert requirement.specifier.contains(locked[name][0]), f"{name}: make lock"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_package_is_pinned_with_its_hashes(lock):
    locked = entries(lock)

    assert len(locked) > 30
    for name, (version, hashes) in locked.items():
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+!]*", version), name
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", value) for value in hashes)


def test_tests_run_the_versions_production_runs():
    runtime, test = entries("requirements/runtime.txt"), entries("requirements/test.txt")

    assert {name: test.get(name) for name in runtime} == runtime
    # What only tests and lint need is never shipped.
    assert {"pytest", "playwright", "ruff", "pip-tools"} <= set(test) - set(runtime)


def test_the_lock_names_why_each_package_is_there():
    text = (ROOT / "requirements/runtime.txt").read_text()

    assert "#    make lock\n" in text
    assert "django==6.1.3 \\" in text
    assert "    # via django\n" in text  # sqlparse, pulled in by Django
    assert "pyproject.toml [runtime]" in text and "-r -" not in text


@pytest.mark.parametrize("target, lock", [("install", "runtime"), ("install-test", "test")])
def test_make_installs_the_lock_with_hash_checking(target, lock):
    commands = subprocess.run(
        ["make", "--dry-run", "--always-make", target, "VENV=/nonexistent"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert f"pip install --quiet --require-hashes --no-deps -r requirements/{lock}.txt" in commands
    assert "pip check" in commands
    assert "--group" not in commands
