#!/usr/bin/env python3
"""Write the lock files, with hashes, from pyproject.toml's dependency groups.

    make lock              # adds and changes only what pyproject.toml changed
    make lock UPGRADE=1    # every unpinned (transitive) package to its newest release

requirements/runtime.txt is what production installs: the runtime group and
everything it pulls in. requirements/test.txt is what tests and lint install:
the test and lint groups, held to the runtime lock's versions (`-c`), so tests
run exactly what production runs. Both are installed with
`pip install --require-hashes --no-deps -r` (`make install`, `make install-test`).

pyproject.toml stays where the direct dependencies and their reasons are written;
the lock files are generated and never edited by hand. pip-compile (pip-tools
7.7) cannot read dependency groups, so each group's requirements are handed to
it on standard input, and its annotation for them ("via -r -") is rewritten to
name the group. The lock is made from PyPI alone, whatever a pip.conf on this
machine adds (local mirrors, find-links), so every machine writes the same file.
Existing pins are kept unless pyproject.toml no longer allows them, so a review
sees only what changed; UPGRADE=1 resolves everything anew.
"""

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = "requirements/runtime.txt"
TEST_LOCK = "requirements/test.txt"
INDEX_URL = "https://pypi.org/simple"


def group_requirements(group, groups):
    """Return the requirement strings of a dependency group, its included groups resolved."""
    requirements = []
    for entry in groups[group]:
        if isinstance(entry, dict):
            requirements += group_requirements(entry["include-group"], groups)
        else:
            requirements.append(entry)
    return requirements


def compile_lock(output, group_names, constraints=(), upgrade=False):
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    requirements = []
    for name in group_names:
        requirements += [r for r in group_requirements(name, groups) if r not in requirements]
    command = [
        sys.executable,
        "-m",
        "piptools",
        "compile",
        "--quiet",
        "--no-config",
        "--generate-hashes",
        # pip and setuptools too: with --require-hashes an unpinned one cannot be installed.
        "--allow-unsafe",
        # Extras only choose dependencies, and those are in the lock by name.
        "--strip-extras",
        "--annotation-style=split",
        f"--index-url={INDEX_URL}",
        "--no-emit-index-url",
        "--no-emit-find-links",
        f"--output-file={output}",
        *(f"--constraint={constraint}" for constraint in constraints),
        *(["--upgrade"] if upgrade else []),
        "-",
    ]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    environment |= {"PIP_CONFIG_FILE": os.devnull, "CUSTOM_COMPILE_COMMAND": "make lock"}
    subprocess.run(
        command,
        input="\n".join(requirements) + "\n",
        text=True,
        check=True,
        cwd=ROOT,
        env=environment,
    )
    path = ROOT / output
    source = f"pyproject.toml [{', '.join(group_names)}]"
    path.write_text(re.sub(r"^(    #.*)-r -$", rf"\g<1>{source}", path.read_text(), flags=re.M))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upgrade", action="store_true", help="resolve every package anew")
    arguments = parser.parse_args(argv)

    (ROOT / "requirements").mkdir(exist_ok=True)
    compile_lock(RUNTIME_LOCK, ["runtime"], upgrade=arguments.upgrade)
    compile_lock(TEST_LOCK, ["test", "lint"], [RUNTIME_LOCK], upgrade=arguments.upgrade)
    return 0


if __name__ == "__main__":
    sys.exit(main())
