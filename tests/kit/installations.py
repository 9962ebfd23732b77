"""Whole installations for tests that run manage.py as other processes: own database, own media.

The database is of the suite's kind (a SQLite file, or a PostgreSQL database beside the
test database) and migrated once: each installation is a copy of that template.
"""

import os
import secrets
import shutil
import subprocess
import sys

import psycopg
from django.db import connections

from tests.kit.servers import BASE_DIR

# The suite's own settings stay out of the other processes.
NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "DATABASE_URL", "BACKUP_KEY", "DEBUG"}


# Runs manage.py in this process and writes its peak resident memory when it exits.
MEASURED = """
import atexit, os, re, runpy, sys
def report():
    status = open("/proc/self/status").read()
    peak = re.search(r"^VmHWM:\\s+(\\d+) kB", status, re.M).group(1)
    open(os.environ["PEAK_RSS_FILE"], "w").write(peak)
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path("manage.py", run_name="__main__")
"""


class Installations:
    """Make migrated installations below root; close() drops their databases."""

    def __init__(self, root, vendor=None):
        self.root = root
        self.settings = connections["default"].settings_dict
        self.vendor = vendor or connections["default"].vendor
        self.prefix = f"plenum_kit_{secrets.token_hex(4)}"
        self.databases = []
        self.template = self.root / "template"
        self.template_url = self._create("template")
        result = self.run({"DATABASE_URL": self.template_url}, "migrate", "-v", "0")
        assert result.returncode == 0, result.stderr

    def new(self, name):
        """Return the environment of a fresh, migrated installation called name."""
        media = self.root / name / "media"
        media.mkdir(parents=True)
        return {
            "DATABASE_URL": self._create(name, template=self.template_url),
            "MEDIA_ROOT": str(media),
            "CACHE_STATE_DIR": str(self.root / name / "cache-state"),
        }

    def run(self, env, *args, code=None):
        """Run manage.py (or, with code, `manage.py shell -c code`) to its end.

        The result's `peak_rss_kb` is the process's peak resident memory (VmHWM, read as it
        exits). Not ru_maxrss: on Linux a child takes over its parent's high-water mark at
        exec, so every child would seem at least as big as the test process.
        """
        if code is not None:
            args = ("shell", "-v", "0", "-c", code, *args)
        peak = self.root / f"peak-{secrets.token_hex(4)}"
        command = [sys.executable, "-c", MEASURED, "manage.py", *args]
        environment = self._environment(env) | {"PEAK_RSS_FILE": str(peak)}
        process = subprocess.run(
            command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=600
        )
        peak_rss_kb = int(peak.read_text()) if peak.exists() else None
        peak.unlink(missing_ok=True)
        return Finished(process.returncode, process.stdout, process.stderr, peak_rss_kb)

    def start(self, env, *args, **popen):
        """Start manage.py in the installation env; popen goes to subprocess.Popen."""
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self._environment(env),
            text=True,
            **popen,
        )

    def _environment(self, env):
        return {k: v for k, v in os.environ.items() if k not in NOT_INHERITED} | env

    def close(self):
        if self.vendor != "postgresql":
            return
        with self._maintenance() as connection:
            for name in self.databases:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _create(self, name, template=None):
        if self.vendor == "sqlite":
            path = self.root / f"{name}.sqlite3"
            if template:
                shutil.copyfile(self.root / "template.sqlite3", path)
            return f"sqlite:///{path}"
        database = f"{self.prefix}_{name}"
        with self._maintenance() as connection:
            clause = f' TEMPLATE "{self.prefix}_template"' if template else ""
            connection.execute(f'CREATE DATABASE "{database}"{clause}')
        self.databases.append(database)
        user, host = self.settings["USER"], self.settings["HOST"] or "127.0.0.1"
        return f"postgres://{user}@{host}:{self.settings['PORT'] or 5432}/{database}"

    def _maintenance(self):
        return psycopg.connect(
            dbname="postgres",
            user=self.settings["USER"],
            host=self.settings["HOST"] or "127.0.0.1",
            port=self.settings["PORT"] or 5432,
            password=self.settings["PASSWORD"] or None,
            autocommit=True,
        )


class Finished:
    def __init__(self, returncode, stdout, stderr, peak_rss_kb):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.peak_rss_kb = peak_rss_kb
