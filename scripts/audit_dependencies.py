#!/usr/bin/env python3
"""Check every package of a lock file against PyPI's vulnerability records.

    scripts/audit_dependencies.py                                 # requirements/runtime.txt
    scripts/audit_dependencies.py --lock requirements/test.txt

What is checked is the lock (`make lock`), every pinned package in it, the
transitive ones included: what production installs, not what happens to be
installed here.

Why not pip-audit: it asks PyPI for each pinned version
(https://pypi.org/pypi/<name>/<version>/json) or OSV's API; from these machines
the first answers 404 and the second is unreachable, and pip-audit then skips
every package while reporting "No known vulnerabilities found". The project
endpoint (https://pypi.org/pypi/<name>/json) does answer. It carries the same
OSV-fed records pip-audit's PyPI service reads, but only those that concern the
project's newest release.

So each locked version is judged as follows:

- it is the newest release: it passes when that release has no open
  vulnerability record, and fails when it has one;
- it is older: the newest release's open records are read for it too. Each
  concerns the locked version as well unless it names a fix of the locked
  version's series at or below it (6.1.2 for 6.1.3): a fix newer than the
  locked version (6.1.4, or only 6.2.1), or no fix at all, fails, whatever the
  age of the fix, and the nearest release carrying it is named. Apart from that
  the locked version cannot be checked here (records of what the newest release
  no longer has are not shown), so it is named as unchecked, a warning; it fails
  only when a newer release of the same series (a bug-fix release, 6.1.4 for
  6.1.3) has been out for GRACE_DAYS, or when the locked release was yanked.
  A new feature series (Django 6.2) is a planned upgrade, never a red build;
  waiting a few days is what mature projects do on purpose. A project that
  fixes its newest release at once (Django publishes 6.2.1 and 6.1.4 together)
  shows no record any more, so for it the grace period also bounds how long an
  unchecked fix may wait;
- PyPI cannot be asked, knows no vulnerability data, or the lock names a package
  without an exact version: it fails.

The run fails on any failure, never passes a package it did not check, and ends
with the names of those it could not check; each one's line above says why.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements" / "runtime.txt"
PYPI_JSON_URL = os.environ.get("PYPI_JSON_URL", "https://pypi.org/pypi")
GRACE_DAYS = 14

OK, WARNING, FAILURE = "ok  ", "WARN", "FEHL"
UNCHECKED = "nicht prüfbar"


def locked_packages(lock):
    """Return {name: version} of a pip-compile lock file, and {entry: reason} it cannot pin."""
    pinned, unpinned = {}, {}
    # A requirement goes on over lines ending in a backslash; options and comments are skipped.
    text = Path(lock).read_text().replace("\\\n", " ")
    for line in text.splitlines():
        entry = line.split(" #", 1)[0].strip()
        if not entry or entry.startswith(("#", "-")):
            continue
        entry = entry.split(" --hash", 1)[0].strip()
        try:
            requirement = Requirement(entry)
        except InvalidRequirement as error:
            unpinned[entry] = f"nicht lesbar ({error})"
            continue
        exact = [spec for spec in requirement.specifier if spec.operator == "=="]
        if len(requirement.specifier) != 1 or not exact or "*" in exact[0].version:
            unpinned[canonicalize_name(requirement.name)] = (
                f"nicht auf eine Version gesperrt ({entry})"
            )
            continue
        pinned[canonicalize_name(requirement.name)] = exact[0].version
    return pinned, unpinned


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
    locked = Version(version)
    newer = []
    for name, files in record.get("releases", {}).items():
        try:
            candidate = Version(name)
        except InvalidVersion:
            continue
        if candidate <= locked or candidate.is_prerelease:
            continue
        # A release without files cannot be installed, a yanked one should not be.
        if not files or all(file.get("yanked") for file in files):
            continue
        newer.append((candidate, released(files)))
    return sorted(newer)


def describe(entry):
    return (
        f"{entry['id']} ({', '.join(entry['aliases']) or 'ohne Alias'}): "
        f"behoben in {', '.join(entry['fixed_in']) or 'keiner Version'}, {entry['link']}"
    )


def verdict(version, record, now=None):
    """Return (level, message) for one locked version, given its project's PyPI record."""
    now = now or datetime.now(UTC)
    newest = record["info"]["version"]
    try:
        current = Version(version) == Version(newest)
    except InvalidVersion:
        return FAILURE, f"{UNCHECKED}: Version {version} ist nicht lesbar."
    records = record.get("vulnerabilities")
    if not isinstance(records, list):
        return FAILURE, f"{UNCHECKED}: PyPI nennt keine Schwachstellendaten für dieses Paket."
    open_records = [entry for entry in records if not entry["withdrawn"]]
    if not current:
        return behind(version, newest, record, open_records, now)
    if open_records:
        lines = [describe(entry) for entry in open_records]
        return FAILURE, "BEKANNTE SCHWACHSTELLE: " + "; ".join(lines)
    return OK, "keine bekannte Schwachstelle"


def fix_versions(entry):
    """Return the readable versions a record names as fixed."""
    fixes = []
    for fixed in entry["fixed_in"]:
        try:
            fixes.append(Version(fixed))
        except InvalidVersion:
            continue
    return fixes


def carries_fix(entry, version):
    """Whether a fix the record names is in `version`: one of its series, at or below it."""
    return any(
        fix.release[:2] == version.release[:2] and fix <= version for fix in fix_versions(entry)
    )


def behind(version, newest, record, open_records, now):
    """Judge a locked release older than the newest: vulnerable, late, or unchecked."""
    unchecked = f"{UNCHECKED}: gesperrt {version}, neueste Version {newest}"
    locked_files = record.get("releases", {}).get(version, [])
    if locked_files and all(file.get("yanked") for file in locked_files):
        return (
            FAILURE,
            f"{unchecked}; {version} wurde zurückgezogen (yanked). Auf {newest} anheben.",
        )
    newer = newer_releases(version, record)
    # Each record here concerns the newest release; the locked one is spared only when its
    # own series was fixed at or below it. Otherwise it is affected as far as can be told,
    # also when the only fixes are newer (6.1.4, 6.2.1 for 6.1.3) or there is none at all.
    affecting = [entry for entry in open_records if not carries_fix(entry, Version(version))]
    if affecting:
        return FAILURE, (
            f"BEKANNTE SCHWACHSTELLE, laut den Einträgen der neuesten Version {newest} "
            f"auch in {version}: "
            + "; ".join(describe(entry) for entry in affecting)
            + f". {upgrade_advice(version, affecting, newer)}"
        )
    series = Version(version).release[:2]
    fixes = [(candidate, at) for candidate, at in newer if candidate.release[:2] == series]
    overdue = [candidate for candidate, at in fixes if now - at >= timedelta(GRACE_DAYS)]
    if overdue:
        return FAILURE, (
            f"{unchecked}; die Fehlerkorrektur {overdue[-1]} ist seit über {GRACE_DAYS} Tagen "
            f"erschienen. Auf {overdue[-1]} anheben."
        )
    if fixes:
        # The first bug-fix release starts the clock; the newest is the one to take.
        due = (min(at for _candidate, at in fixes) + timedelta(GRACE_DAYS)).date().isoformat()
        candidate = fixes[-1][0]
        return WARNING, f"{unchecked}; Fehlerkorrektur {candidate} spätestens am {due} einspielen."
    return WARNING, f"{unchecked}; neue Funktionsreihe, als geplantes Upgrade einspielen."


def upgrade_advice(version, affecting, newer):
    """Name the nearest release that carries every fix, preferring the locked series."""
    carrying = [
        candidate
        for candidate, _at in newer
        if all(carries_fix(entry, candidate) for entry in affecting)
    ]
    if not carrying:
        return "Noch keine erschienene Version behebt das."
    series = Version(version).release[:2]
    in_series = [candidate for candidate in carrying if candidate.release[:2] == series]
    return f"Auf {(in_series or carrying)[0]} anheben."


def audit(locked):
    """Return [(name, version, level, message)] for every locked package."""
    with ThreadPoolExecutor(8) as pool:
        records = dict(zip(locked, pool.map(project_record, locked), strict=True))
    results = []
    for name, version in sorted(locked.items()):
        record, error = records[name]
        if record is None:
            results.append((name, version, FAILURE, f"{UNCHECKED}: PyPI nicht erreichbar: {error}"))
        else:
            results.append((name, version, *verdict(version, record)))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lock", type=Path, default=RUNTIME_LOCK, help="lock file (requirements/runtime.txt)"
    )
    arguments = parser.parse_args(argv)

    locked, unpinned = locked_packages(arguments.lock)
    results = audit(locked)
    results += [(name, "?", FAILURE, f"{UNCHECKED}: {why}") for name, why in unpinned.items()]
    for name, version, level, message in results:
        print(f"{level} {name} {version}: {message}")
    levels = [level for *_, level, _ in results]
    unchecked = [
        f"{name} {version}"
        for name, version, _, message in results
        if message.startswith(UNCHECKED)
    ]
    print(
        f"{len(results)} Pakete aus {arguments.lock.name}: "
        f"{levels.count(OK)} ohne bekannte Schwachstelle, "
        f"{levels.count(WARNING)} nicht prüfbar (Warnung), {levels.count(FAILURE)} mit Befund."
    )
    print(f"Nicht geprüft ({len(unchecked)}): {', '.join(unchecked) or 'keines'}.")
    return 1 if FAILURE in levels or not results else 0


if __name__ == "__main__":
    sys.exit(main())
