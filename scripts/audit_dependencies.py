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
require, as installed in this environment) is checked as follows:

- its project's newest release is installed: it passes when that release has no
  open vulnerability record, and fails when it has one;
- an older release is installed: its records cannot be read here, so it is
  named as unchecked, a warning; it fails only when a newer release of the same
  feature series (a bug-fix release, e.g. 6.1.4 for 6.1.3) has been out for
  GRACE_DAYS, or when the installed release was yanked. A new feature series
  (Django 6.2) is a planned upgrade, never a red build; waiting a few days is
  what mature projects do on purpose;
- PyPI cannot be asked, or knows no vulnerability data: it fails.

Whether a newer release fixes a vulnerability cannot be learned from here (the
per-version records are the ones that answer 404), so the grace period also
bounds how long an unchecked bug-fix release may wait.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
PYPI_JSON_URL = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")
GRACE_DAYS = 14

OK, WARNING, FAILURE = "ok  ", "WARN", "FEHL"


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


def released(files) -> datetime:
    """Return when a release's first file was uploaded."""
    return min(datetime.fromisoformat(file["upload_time_iso_8601"]) for file in files)


def newer_releases(version, record):
    """Return [(Version, upload time)] of the final, unyanked releases after `version`."""
    installed = Version(version)
    newer = []
    for name, files in record.get("releases", {}).items():
        try:
            candidate = Version(name)
        except InvalidVersion:
            continue
        if candidate <= installed or candidate.is_prerelease:
            continue
        # A release without files cannot be installed, a yanked one should not be.
        if not files or all(file.get("yanked") for file in files):
            continue
        newer.append((candidate, released(files)))
    return sorted(newer)


def verdict(version, record, now=None):
    """Return (level, message) for one installed version, given its project's PyPI record."""
    now = now or datetime.now(UTC)
    newest = record["info"]["version"]
    try:
        current = Version(version) == Version(newest)
    except InvalidVersion:
        return FAILURE, f"nicht prüfbar: Version {version} ist nicht lesbar."
    if not current:
        return behind(version, newest, record, now)
    records = record.get("vulnerabilities")
    if not isinstance(records, list):
        return FAILURE, "nicht prüfbar: PyPI nennt keine Schwachstellendaten für dieses Paket."
    open_records = [entry for entry in records if not entry["withdrawn"]]
    if open_records:
        lines = [
            f"{entry['id']} ({', '.join(entry['aliases']) or 'ohne Alias'}): "
            f"behoben in {', '.join(entry['fixed_in']) or 'keiner Version'}, {entry['link']}"
            for entry in open_records
        ]
        return FAILURE, "BEKANNTE SCHWACHSTELLE: " + "; ".join(lines)
    return OK, "keine bekannte Schwachstelle"


def behind(version, newest, record, now):
    """Judge an installed release older than the newest: unchecked, and late or not yet."""
    unchecked = f"nicht prüfbar: installiert {version}, neueste Version {newest}"
    installed_files = record.get("releases", {}).get(version, [])
    if installed_files and all(file.get("yanked") for file in installed_files):
        return (
            FAILURE,
            f"{unchecked}; {version} wurde zurückgezogen (yanked). Auf {newest} anheben.",
        )
    series = Version(version).release[:2]
    fixes = [
        (candidate, at)
        for candidate, at in newer_releases(version, record)
        if candidate.release[:2] == series
    ]
    overdue = [candidate for candidate, at in fixes if now - at >= timedelta(GRACE_DAYS)]
    if overdue:
        return FAILURE, (
            f"{unchecked}; die Fehlerkorrektur {overdue[-1]} ist seit über {GRACE_DAYS} Tagen "
            f"erschienen. Auf {overdue[-1]} anheben."
        )
    if fixes:
        candidate, at = fixes[-1]
        due = (at + timedelta(GRACE_DAYS)).date().isoformat()
        return WARNING, f"{unchecked}; Fehlerkorrektur {candidate} spätestens am {due} einspielen."
    return WARNING, f"{unchecked}; neue Funktionsreihe, als geplantes Upgrade einspielen."


def audit(installed):
    """Return [(name, version, level, message)] for every installed distribution."""
    with ThreadPoolExecutor(8) as pool:
        records = dict(zip(installed, pool.map(project_record, installed), strict=True))
    results = []
    for name, version in sorted(installed.items()):
        record, error = records[name]
        if record is None:
            results.append((name, version, FAILURE, f"PyPI nicht erreichbar: {error}"))
        else:
            results.append((name, version, *verdict(version, record)))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", default="runtime", help="dependency group (runtime)")
    arguments = parser.parse_args(argv)

    results = audit(installed_closure(group_requirements(arguments.group)))
    for name, version, level, message in results:
        print(f"{level} {name} {version}: {message}")
    levels = [level for *_, level, _ in results]
    print(
        f"{len(results)} Pakete der Gruppe {arguments.group}: "
        f"{levels.count(OK)} ohne bekannte Schwachstelle, "
        f"{levels.count(WARNING)} nicht prüfbar (Warnung), {levels.count(FAILURE)} mit Befund."
    )
    return 1 if FAILURE in levels else 0


if __name__ == "__main__":
    sys.exit(main())
