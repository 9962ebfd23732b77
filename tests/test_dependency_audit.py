"""scripts/audit_dependencies.py: it checks the lock file, fails on a known
vulnerability (also one the newest release's records show in an older locked
version), on a bug-fix release left waiting past the grace period and on an
unreachable PyPI, warns about what it cannot check, names it, and passes nothing
it did not check.

PyPI itself is asked in CI (`make audit`); here a local HTTP server answers in its
place with records shaped like PyPI's project JSON.
"""

import importlib.util
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.kit.servers import free_port

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_dependencies.py"
spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
audit_dependencies = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_dependencies)

# As PyPI listed it for ecdsa 0.19.2 on 2026-11-26 (Minerva timing attack, no fix).
ECDSA_RECORD = {
    "id": "PYSEC-2026-1325",
    "aliases": ["CVE-2024-23342", "GHSA-wj6h-64fc-37mp"],
    "fixed_in": [],
    "link": "https://osv.dev/vulnerability/PYSEC-2026-1325",
    "withdrawn": None,
}


def project(newest, vulnerabilities=(), **releases):
    """Return PyPI's JSON of a project; `releases` maps versions to (days ago, yanked)."""
    now = datetime.now(UTC)
    return {
        "info": {"version": newest},
        "vulnerabilities": list(vulnerabilities),
        "releases": {
            version.replace("_", "."): [
                {
                    "upload_time_iso_8601": (now - timedelta(days=days)).isoformat(),
                    "yanked": yanked,
                }
            ]
            for version, (days, yanked) in releases.items()
        },
    }


@pytest.fixture
def pypi(monkeypatch):
    """A local stand-in for https://pypi.org/pypi serving the projects put into it."""
    projects = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.strip("/").removesuffix("/json")
            if name not in projects:
                self.send_error(404)
                return
            body = json.dumps(projects[name]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(
        audit_dependencies, "PYPI_JSON_URL", f"http://127.0.0.1:{server.server_port}"
    )
    yield projects
    server.shutdown()
    server.server_close()


def by_name(results):
    return {name: (level, message) for name, _version, level, message in results}


OK, WARNING, FAILURE = audit_dependencies.OK, audit_dependencies.WARNING, audit_dependencies.FAILURE


def test_the_newest_release_without_records_passes(pypi):
    pypi["django"] = project("6.1.3")

    assert by_name(audit_dependencies.audit({"django": "6.1.3"})) == {
        "django": (OK, "keine bekannte Schwachstelle")
    }


def test_a_known_vulnerability_fails_and_names_the_record(pypi):
    pypi["ecdsa"] = project("0.19.2", [ECDSA_RECORD])

    level, message = by_name(audit_dependencies.audit({"ecdsa": "0.19.2"}))["ecdsa"]

    assert level == FAILURE
    assert "PYSEC-2026-1325" in message and "CVE-2024-23342" in message


def test_a_withdrawn_record_does_not_count(pypi):
    pypi["ecdsa"] = project("0.19.2", [ECDSA_RECORD | {"withdrawn": "2026-11-01T00:00:00Z"}])

    assert by_name(audit_dependencies.audit({"ecdsa": "0.19.2"}))["ecdsa"][0] == OK


def test_a_bug_fix_release_out_longer_than_the_grace_period_fails(pypi):
    # The records of the newest release say nothing about the fixes that came before it.
    pypi["pypdf"] = project("7.1.1", **{"7.1.0": (60, False), "7.1.1": (15, False)})

    level, message = by_name(audit_dependencies.audit({"pypdf": "7.1.0"}))["pypdf"]

    assert level == FAILURE
    assert "nicht prüfbar" in message and "Auf 7.1.1 anheben" in message


def test_a_bug_fix_release_of_this_morning_is_a_warning_with_its_due_date(pypi):
    pypi["pypdf"] = project("7.1.1", **{"7.1.0": (60, False), "7.1.1": (0, False)})

    level, message = by_name(audit_dependencies.audit({"pypdf": "7.1.0"}))["pypdf"]

    due = (datetime.now(UTC) + timedelta(audit_dependencies.GRACE_DAYS)).date().isoformat()
    assert (level, message) == (
        WARNING,
        f"nicht prüfbar: gesperrt 7.1.0, neueste Version 7.1.1; "
        f"Fehlerkorrektur 7.1.1 spätestens am {due} einspielen.",
    )


def test_the_due_date_is_when_the_first_bug_fix_release_turns_overdue(pypi):
    releases = {"7.1.0": (60, False), "7.1.1": (10, False), "7.1.2": (1, False)}
    pypi["pypdf"] = project("7.1.2", **releases)

    level, message = by_name(audit_dependencies.audit({"pypdf": "7.1.0"}))["pypdf"]

    due = (datetime.now(UTC) + timedelta(audit_dependencies.GRACE_DAYS - 10)).date().isoformat()
    assert level == WARNING
    assert message.endswith(f"Fehlerkorrektur 7.1.2 spätestens am {due} einspielen.")


def test_a_new_feature_series_is_a_planned_upgrade_not_a_red_build(pypi):
    pypi["django"] = project("6.2.0", **{"6.1.3": (90, False), "6.2.0": (40, False)})

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == WARNING
    assert "nicht prüfbar" in message and "geplantes Upgrade" in message


def test_an_overdue_fix_of_the_installed_series_fails_beside_a_new_series(pypi):
    releases = {"6.1.3": (90, False), "6.1.4": (20, False), "6.2.0": (1, False)}
    pypi["django"] = project("6.2.0", **releases)

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert "Auf 6.1.4 anheben" in message


def test_yanked_and_pre_releases_are_no_fix_to_wait_for(pypi):
    releases = {"6.1.3": (90, False), "6.1.4": (30, True), "6.1.5rc1": (30, False)}
    pypi["django"] = project("6.2.0", **releases, **{"6.2.0": (3, False)})

    assert by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"][0] == WARNING


def test_a_yanked_installed_release_fails(pypi):
    pypi["django"] = project("6.2.0", **{"6.1.3": (90, True), "6.2.0": (3, False)})

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert "yanked" in message


def test_warnings_alone_pass_the_run_and_are_named(pypi, tmp_path, capsys):
    pypi["django"] = project("6.2.0", **{"6.1.3": (90, False), "6.2.0": (3, False)})

    assert audit_dependencies.main(["--lock", str(lock_file(tmp_path, "django==6.1.3"))]) == 0

    output = capsys.readouterr().out
    assert output.splitlines()[0].startswith("WARN django 6.1.3: nicht prüfbar")
    assert "1 nicht prüfbar (Warnung), 0 mit Befund" in output
    assert output.splitlines()[-1] == "Nicht geprüft (1): django 6.1.3."


def test_a_record_without_vulnerability_data_is_not_passed(pypi):
    pypi["django"] = {"info": {"version": "6.1.3"}}

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert "nicht prüfbar" in message


def test_a_project_pypi_does_not_know_fails(pypi):
    level, message = by_name(audit_dependencies.audit({"plenum-intern": "1.0"}))["plenum-intern"]

    assert level == FAILURE
    assert "PyPI nicht erreichbar" in message


def test_an_unreachable_pypi_fails_every_package_and_the_run(monkeypatch, capsys):
    monkeypatch.setattr(audit_dependencies, "PYPI_JSON_URL", f"http://127.0.0.1:{free_port()}")

    assert audit_dependencies.main([]) == 1

    output = capsys.readouterr().out
    assert "ok  " not in output
    assert "0 ohne bekannte Schwachstelle, 0 nicht prüfbar (Warnung)" in output
    locked, _ = audit_dependencies.locked_packages(audit_dependencies.RUNTIME_LOCK)
    unchecked = output.splitlines()[-1]
    assert unchecked.startswith(f"Nicht geprüft ({len(locked)}): ")
    assert f"django {locked['django']}" in unchecked


def lock_file(tmp_path, *entries):
    """Write a lock file in pip-compile's form: each entry with a hash and an annotation."""
    path = tmp_path / "runtime.txt"
    path.write_text(
        "#\n#    make lock\n#\n"
        + "".join(
            f"{entry} \\\n    --hash=sha256:{'0' * 64}\n    # via pyproject.toml [runtime]\n"
            for entry in entries
        )
    )
    return path


def test_the_lock_is_checked_not_what_is_installed(pypi, tmp_path, capsys):
    # pytest is installed here but not locked; plenum-nirgends is locked but not installed.
    pypi["django"] = project("6.1.3")
    pypi["plenum-nirgends"] = project("1.0")
    pypi["pytest"] = project("9.2.0")
    lock = lock_file(tmp_path, "django==6.1.3", "plenum-nirgends==1.0")

    assert audit_dependencies.main(["--lock", str(lock)]) == 0

    output = capsys.readouterr().out
    assert output.splitlines()[:2] == [
        "ok   django 6.1.3: keine bekannte Schwachstelle",
        "ok   plenum-nirgends 1.0: keine bekannte Schwachstelle",
    ]
    assert "pytest" not in output
    assert "2 Pakete aus runtime.txt: 2 ohne bekannte Schwachstelle" in output
    assert output.splitlines()[-1] == "Nicht geprüft (0): keines."


def test_a_lock_entry_without_an_exact_version_fails_and_is_named(pypi, tmp_path, capsys):
    pypi["django"] = project("6.1.3")
    lock = lock_file(tmp_path, "django==6.1.3", "requests>=2.32")

    assert audit_dependencies.main(["--lock", str(lock)]) == 1

    output = capsys.readouterr().out
    assert "FEHL requests ?: nicht prüfbar: nicht auf eine Version gesperrt (requests>=2.32)" in (
        output
    )
    assert output.splitlines()[-1] == "Nicht geprüft (1): requests ?."


def test_an_empty_lock_is_no_pass(tmp_path, capsys):
    assert audit_dependencies.main(["--lock", str(lock_file(tmp_path))]) == 1
    assert "0 Pakete aus runtime.txt" in capsys.readouterr().out


def test_the_runtime_lock_is_read_with_everything_it_pins():
    locked, unpinned = audit_dependencies.locked_packages(audit_dependencies.RUNTIME_LOCK)

    assert unpinned == {}
    # Direct pins, their dependencies (asgiref, sqlparse) and extras (psycopg[binary,pool]).
    assert {"django", "asgiref", "sqlparse", "psycopg-binary", "psycopg-pool", "nh3"} <= set(locked)
    text = audit_dependencies.RUNTIME_LOCK.read_text()
    assert all(f"\n{name}=={version} \\\n" in text for name, version in locked.items())
    assert text.count("--hash=sha256:") > len(locked) > 30
    # Test tools are not shipped, so the runtime audit leaves them out.
    assert "pytest" not in locked and "playwright" not in locked


# A record the newest release carries, as PyPI lists one that a project fixed in two
# series but whose newest release is not fixed yet.
BACKPORTED = {
    "id": "PYSEC-2026-2001",
    "aliases": ["CVE-2026-40001"],
    "fixed_in": ["6.1.4", "6.2.1"],
    "link": "https://osv.dev/vulnerability/PYSEC-2026-2001",
    "withdrawn": None,
}


def test_a_fix_of_the_locked_series_named_by_the_newest_release_fails_at_once(pypi):
    releases = {"6.1.3": (90, False), "6.1.4": (0, False), "6.2.0": (3, False)}
    pypi["django"] = project("6.2.0", [BACKPORTED], **releases)

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert message.startswith("BEKANNTE SCHWACHSTELLE")
    assert "PYSEC-2026-2001 (CVE-2026-40001): behoben in 6.1.4, 6.2.1" in message
    assert message.endswith("Auf 6.1.4 anheben.")


def test_a_record_fixed_at_or_below_the_locked_version_is_no_finding(pypi):
    releases = {"6.1.4": (20, False), "6.2.0": (3, False)}
    pypi["django"] = project("6.2.0", [BACKPORTED], **releases)

    assert by_name(audit_dependencies.audit({"django": "6.1.4"}))["django"] == (
        WARNING,
        "nicht prüfbar: gesperrt 6.1.4, neueste Version 6.2.0; "
        "neue Funktionsreihe, als geplantes Upgrade einspielen.",
    )


def test_a_fix_only_in_a_newer_series_fails_and_names_it(pypi):
    record = BACKPORTED | {"fixed_in": ["6.2.5"]}
    releases = {"6.1.3": (90, False), "6.2.5": (1, False), "6.3.0": (1, False)}
    pypi["django"] = project("6.3.0", [record], **releases)

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert message.endswith("Auf 6.2.5 anheben.")


def test_a_fix_not_yet_released_fails_and_says_so(pypi):
    pypi["django"] = project("6.2.0", [BACKPORTED], **{"6.1.3": (90, False), "6.2.0": (3, False)})

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert message.endswith("Noch keine erschienene Version behebt das.")


def test_a_record_without_a_fix_fails_an_older_locked_release_too(pypi):
    pypi["ecdsa"] = project("0.19.2", [ECDSA_RECORD], **{"0.19.1": (300, False)})

    level, message = by_name(audit_dependencies.audit({"ecdsa": "0.19.1"}))["ecdsa"]

    assert level == FAILURE
    assert "auch in 0.19.1" in message and "PYSEC-2026-1325" in message


def test_a_withdrawn_record_does_not_count_for_an_older_release(pypi):
    withdrawn = BACKPORTED | {"withdrawn": "2026-11-01T00:00:00Z"}
    releases = {"6.1.3": (90, False), "6.1.4": (0, False), "6.2.0": (3, False)}
    pypi["django"] = project("6.2.0", [withdrawn], **releases)

    assert by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"][0] == WARNING


def test_an_older_release_without_vulnerability_data_is_not_passed(pypi):
    pypi["django"] = {"info": {"version": "6.2.0"}, "releases": {}}

    level, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert level == FAILURE
    assert "keine Schwachstellendaten" in message
