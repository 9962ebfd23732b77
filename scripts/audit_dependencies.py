#!/usr/bin/env python3
"""Check the installed runtime dependencies against PyPI's vulnerability records.

    scripts/audit_dependencies.py            # the runtime group of pyproject.toml
    scripts/audit_dependencies.py --group test

Why not pip-audit: it asks PyPI for each pinned version
(https://pypi.org/pypi/<name>/<version>/json) or OSV's API; from these machines
the first answers 404 and the second is unreachable, and pip-audit then skips
every package while reporting "No known vulnerabilities found". The project
endpoint (https://pypi.org/pypi/<name>/json) does answer. It carries the same
OSV-fed records pip-audit's PyPI service reads, but only those of the project's
newest release.

So every distribution the group pulls in (direct pins and everything they
require, as installed in this environment) must be its project's newest
release, and that release must have no open vulnerability record. The run fails
(exit 1) when a package has a known vulnerability, when a newer release exists
(its records cannot be checked here, and a newer release is often the fix), and
when PyPI cannot be asked: it never passes a package it did not check.
"""

import argparse
import importlib.metadata
import json
import os
import sys
import tomllib
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPI_JSON_URL = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")


def group_requirements(group, pyproject=ROOT / "pyproject.toml"):
    groups = tomllib.loads(pyproject.read_text())["dependency-groups"]
    requirements = []
    for entry in groups[group]:
        if isinstance(entry, dict):
            requirements += group_requirements(entry["include-group"], pyproject)
        else:
            requirements.append(Requirement(entry))
    return requirements


def installed_closure(requirements):
    """Return {name: version} of the installed distributions the requirements pull in."""
    found = {}
    todo = [(requirement, "") for requirement in requirements]
    seen = set()
    while todo:
        requirement, extra = todo.pop()
        if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        for wanted in {"", *requirement.extras}:
            if (name, wanted) in seen:
                continue
            seen.add((name, wanted))
            try:
                distribution = importlib.metadata.distribution(requirement.name)
            except importlib.metadata.PackageNotFoundError:
                raise SystemExit(
                    f"{requirement.name} ist nicht installiert: erst `make install`."
                ) from None
            found[name] = distribution.version
            todo += [(Requirement(line), wanted) for line in distribution.requires or ()]
    return found


def project_record(name):
    """Return PyPI's JSON for the project, or the reason it could not be had."""
    try:
        with urllib.request.urlopen(f"{PYPI_JSON_URL}/{name}/json", timeout=30) as response:
            return json.load(response), None
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        return None, str(getattr(error, "reason", error))


def verdict(version, record):
    """Return (ok, message) for one installed version, given its project's PyPI record."""
    newest = record["info"]["version"]
    try:
        current = Version(version) == Version(newest)
    except InvalidVersion:
        current = False
    if not current:
        return False, (
            f"nicht prüfbar: installiert {version}, neueste Version {newest}; "
            f"PyPI nennt hier nur die Schwachstellen der neuesten Version. Auf {newest} anheben."
        )
    records = record.get("vulnerabilities")
    if not isinstance(records, list):
        return False, "nicht prüfbar: PyPI nennt keine Schwachstellendaten für dieses Paket."
    open_records = [entry for entry in records if not entry["withdrawn"]]
    if open_records:
        lines = [
            f"{entry['id']} ({', '.join(entry['aliases']) or 'ohne Alias'}): "
            f"behoben in {', '.join(entry['fixed_in']) or 'keiner Version'}, {entry['link']}"
            for entry in open_records
        ]
        return False, "BEKANNTE SCHWACHSTELLE: " + "; ".join(lines)
    return True, "keine bekannte Schwachstelle"


def audit(installed):
    """Return [(name, version, ok, message)] for every installed distribution."""
    with ThreadPoolExecutor(8) as pool:
        records = dict(zip(installed, pool.map(project_record, installed), strict=True))
    results = []
    for name, version in sorted(installed.items()):
        record, error = records[name]
        if record is None:
            results.append((name, version, False, f"PyPI nicht erreichbar: {error}"))
        else:
            results.append((name, version, *verdict(version, record)))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", default="runtime", help="dependency group (runtime)")
    arguments = parser.parse_args(argv)

    results = audit(installed_closure(group_requirements(arguments.group)))
    for name, version, ok, message in results:
        print(f"{'ok  ' if ok else 'FEHL'} {name} {version}: {message}")
    failures = sum(not ok for *_, ok, _ in results)
    print(
        f"{len(results)} Pakete der Gruppe {arguments.group} geprüft, "
        f"{len(results) - failures} ohne bekannte Schwachstelle, {failures} mit Befund."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
