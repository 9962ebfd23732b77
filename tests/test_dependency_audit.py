"""scripts/audit_dependencies.py: it fails on a known vulnerability, on a release it
cannot check and on an unreachable PyPI, and passes nothing it did not check.

PyPI itself is asked in CI (`make audit`); here a local HTTP server answers in its
place with records shaped like PyPI's project JSON.
"""

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.test_security_faults import free_port

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


def project(newest, vulnerabilities=()):
    return {"info": {"version": newest}, "vulnerabilities": list(vulnerabilities)}


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
    return {name: (ok, message) for name, _version, ok, message in results}


def test_the_newest_release_without_records_passes(pypi):
    pypi["django"] = project("6.1.3")

    assert by_name(audit_dependencies.audit({"django": "6.1.3"})) == {
        "django": (True, "keine bekannte Schwachstelle")
    }


def test_a_known_vulnerability_fails_and_names_the_record(pypi):
    pypi["ecdsa"] = project("0.19.2", [ECDSA_RECORD])

    ok, message = by_name(audit_dependencies.audit({"ecdsa": "0.19.2"}))["ecdsa"]

    assert not ok
    assert "PYSEC-2026-1325" in message and "CVE-2024-23342" in message


def test_a_withdrawn_record_does_not_count(pypi):
    pypi["ecdsa"] = project("0.19.2", [ECDSA_RECORD | {"withdrawn": "2026-11-01T00:00:00Z"}])

    assert by_name(audit_dependencies.audit({"ecdsa": "0.19.2"}))["ecdsa"][0]


def test_an_older_release_fails_as_unchecked_even_when_the_newest_is_clean(pypi):
    # The records of the newest release say nothing about the fixes that came before it.
    pypi["pypdf"] = project("7.1.1")

    ok, message = by_name(audit_dependencies.audit({"pypdf": "7.1.0"}))["pypdf"]

    assert not ok
    assert "nicht prüfbar" in message and "7.1.1" in message


def test_a_record_without_vulnerability_data_is_not_passed(pypi):
    pypi["django"] = {"info": {"version": "6.1.3"}}

    ok, message = by_name(audit_dependencies.audit({"django": "6.1.3"}))["django"]

    assert not ok
    assert "nicht prüfbar" in message


def test_a_project_pypi_does_not_know_fails(pypi):
    ok, message = by_name(audit_dependencies.audit({"plenum-intern": "1.0"}))["plenum-intern"]

    assert not ok
    assert "PyPI nicht erreichbar" in message


def test_an_unreachable_pypi_fails_every_package_and_the_run(monkeypatch, capsys):
    monkeypatch.setattr(audit_dependencies, "PYPI_JSON_URL", f"http://127.0.0.1:{free_port()}")

    assert audit_dependencies.main([]) == 1

    output = capsys.readouterr().out
    assert "ok  " not in output
    assert "0 ohne bekannte Schwachstelle" in output


def test_the_runtime_group_is_checked_with_everything_it_pulls_in():
    installed = audit_dependencies.installed_closure(
        audit_dependencies.group_requirements("runtime")
    )

    # Direct pins, their dependencies (asgiref, sqlparse) and extras (psycopg[binary,pool]).
    assert {"django", "asgiref", "sqlparse", "psycopg-binary", "psycopg-pool", "nh3"} <= set(
        installed
    )
    pinned = next(r for r in audit_dependencies.group_requirements("runtime") if r.name == "Django")
    assert pinned.specifier.contains(installed["django"])
    # Test tools are not shipped, so the runtime audit leaves them out.
    assert "pytest" not in installed and "playwright" not in installed


def test_the_test_group_includes_the_runtime_group():
    installed = audit_dependencies.installed_closure(audit_dependencies.group_requirements("test"))

    assert {"django", "pytest", "feedparser", "playwright"} <= set(installed)
