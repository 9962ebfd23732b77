"""Real processes for tests: gunicorn with production settings, manage.py, plain HTTP."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_database_url(host=None, port=None):
    """Return the test database's address for a server process; PostgreSQL's host, port changed."""
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    host = host or settings_dict["HOST"] or "127.0.0.1"
    port = port or settings_dict["PORT"] or 5432
    return f"postgres://{settings_dict['USER']}@{host}:{port}/{settings_dict['NAME']}"


def fetch_response(url, **headers):
    """Return the status, the headers and the body of a GET, whatever the status."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def fetch(url):
    """Return the status and body of a GET, error pages included."""
    status, _headers, body = fetch_response(url)
    return status, body


@contextmanager
def running_gunicorn(tmp_path, **environment):
    """Run gunicorn (one worker) with production settings on a free port; yield its URL.

    `environment` adds to or replaces the defaults, e.g. DATABASE_URL and REDIS_URL;
    the server's output goes to tmp_path / "gunicorn.log".
    """
    port = free_port()
    environment = server_environment(
        tmp_path,
        SITE_URL=f"http://127.0.0.1:{port}",
        PAGE_CACHE_TIMEOUT="300",
        **environment,
    )
    log = (tmp_path / "gunicorn.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "office.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log, stderr=log)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def server_environment(tmp_path, **environment):
    """The environment of a production process a test starts: its own key, media and cache state."""
    # No REDIS_URL unless given: the shell's would share another server's cache.
    inherited = {"DEBUG", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {key: value for key, value in os.environ.items() if key not in inherited} | {
        "DJANGO_SETTINGS_MODULE": "tests.server_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(tmp_path),
        # The page cache's shared state, for this server alone.
        "CACHE_STATE_DIR": str(tmp_path / "cache-state"),
        "DATABASE_URL": server_database_url(),
        **environment,
    }


@contextmanager
def running_worker(tmp_path, **environment):
    """Run `manage.py db_worker` on the test database; yield the process.

    It polls every 0.1 s; its output goes to tmp_path / "worker.log". Only
    transactional tests (`transaction=True`) commit what it should see.
    """
    log = (tmp_path / "worker.log").open("a")
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.1", "--verbosity", "2"]
    environment = server_environment(tmp_path, **environment)
    process = subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log, stderr=log)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def manage(*args, unset=("DJANGO_ALLOW_ASYNC_UNSAFE",), **env):
    """Run manage.py in a fresh process, without the variables in unset, with env added."""
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
