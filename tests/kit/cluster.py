"""Several app servers on loopback: an S3 server, nginx, gunicorns, a database of their own.

The S3-protocol server is moto's server mode (PyPI `moto[server]`): a real HTTP
server speaking the S3 REST API that botocore signs and parses as it does with
AWS, started as a process of its own. No S3 server is packaged in Debian, and
moto is maintained, installs with pip like the rest of the tests, and needs no
Java or Go toolchain; the npm alternative (s3rver) has had no release for years.
"""

import http.cookiejar
import json
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.kit.pages import AdminPage
from tests.kit.servers import BASE_DIR, free_port, server_environment

NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = BASE_DIR / "deploy" / "nginx.conf"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_DB = 6  # this project's tests of several servers; 13 and 0 belong to others


def wait_for_port(port, process=None, seconds=60):
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited during start-up")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def stop(process, timeout=30):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ObjectStore:
    """A moto S3 server on loopback with one bucket; `environment` configures Plenum for it."""

    port: int
    log: Path
    bucket: str = "plenum-media"
    process: subprocess.Popen | None = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def environment(self):
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "plenum-test",
            "AWS_SECRET_ACCESS_KEY": "plenum-test-secret",
        }

    @property
    def storage_options(self):
        """STORAGES["default"] for a Django in the test process, as settings.py builds it."""
        return {
            "BACKEND": "office.media.storage.ObjectStorage",
            "OPTIONS": {
                "bucket_name": self.bucket,
                "endpoint_url": self.endpoint,
                "region_name": "eu-central-1",
                "access_key": "plenum-test",
                "secret_key": "plenum-test-secret",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="eu-central-1",
            aws_access_key_id="plenum-test",
            aws_secret_access_key="plenum-test-secret",
        )

    def start(self):
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        wait_for_port(self.port, self.process)

    def stop(self):
        stop(self.process)

    def create_bucket(self, name=None):
        """Create the bucket with the policy README "Production" asks for: objects readable."""
        self.bucket = name or self.bucket
        client = self.client()
        client.create_bucket(
            Bucket=self.bucket,
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
        )
        client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(public_read(self.bucket)))
        return self.bucket

    def object_names(self, prefix=""):
        pages = self.client().get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
            for item in page.get("Contents", [])
        )

    def read(self, key):
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


def public_read(bucket):
    """Anyone may read an object by its name (through the proxy); nobody may list the bucket."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@contextmanager
def running_object_store(tmp_path):
    store = ObjectStore(port=free_port(), log=tmp_path / "s3.log")
    store.start()
    try:
        store.create_bucket()
        yield store
    finally:
        store.stop()


@contextmanager
def scratch_postgres_database(prefix="plenum_multiserver"):
    """Create a PostgreSQL database of its own, yield its URL, drop it afterwards.

    Fails (never skips) when PostgreSQL does not answer: this layout needs it.
    """
    import psycopg

    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True, connect_timeout=5) as server:
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class AppServer:
    """One gunicorn with production settings (tests.server_settings) on its own port."""

    name: str
    environment: dict
    directory: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "office.wsgi:application"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)]
        command += ["--timeout", "30", "--graceful-timeout", "20", "--name", self.name]
        with (self.directory / f"{self.name}.log").open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.environment, stdout=log, stderr=log
            )
        wait_for_port(self.port, self.process)

    def stop(self):
        """Stop gracefully, as systemd does: SIGTERM, requests in flight are finished."""
        stop(self.process)


def render_nginx(directory, port, app_servers, store, server=""):
    """Write deploy/nginx.conf with loopback values into directory; return the file."""
    (directory / "temp").mkdir(exist_ok=True)
    (directory / "cache").mkdir(exist_ok=True)
    temp = directory / "temp"
    main = "\n".join(
        [
            "daemon off;",
            "worker_processes 2;",
            # Run by root in CI: the workers must be able to write the test's folders.
            "user root;",
            f"pid {directory}/nginx.pid;",
            f"error_log {directory}/nginx-error.log warn;",
        ]
    )
    http = "\n    ".join(
        [
            f"access_log {directory}/nginx-access.log plenum;",
            f"client_body_temp_path {temp}/body;",
            f"proxy_temp_path {temp}/proxy;",
            f"fastcgi_temp_path {temp}/fastcgi;",
            f"uwsgi_temp_path {temp}/uwsgi;",
            f"scgi_temp_path {temp}/scgi;",
        ]
    )
    values = {
        "main": main,
        "http": http,
        "mime_types": "/etc/nginx/mime.types",
        "app_servers": "\n        ".join(
            f"server 127.0.0.1:{server.port} max_fails=1 fail_timeout=2s;" for server in app_servers
        ),
        "media_server": f"127.0.0.1:{store.port}",
        "media_scheme": "http",
        "media_host": f"127.0.0.1:{store.port}",
        "media_prefix": f"/{store.bucket}/",
        "cache_dir": str(directory / "cache"),
        "listen": f"127.0.0.1:{port}",
        "server_name": "127.0.0.1",
        "server": server,
    }
    text = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    assert not left, f"placeholders not filled: {left}"
    target = directory / "nginx.conf"
    target.write_text(text)
    return target


@contextmanager
def running_nginx(directory, app_servers, store, server=""):
    """Run nginx in the foreground with the rendered template; yield its URL.

    `server` adds lines to its server block (the benchmark's static file).
    """
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = render_nginx(directory, port, app_servers, store, server)
    check = subprocess.run(
        [NGINX, "-t", "-c", str(config), "-p", str(directory)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    with (directory / "nginx.out").open("a") as log:
        process = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(directory)], stdout=log, stderr=log
        )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextmanager
def running_process(directory, name, command, environment):
    with (directory / f"{name}.log").open("a") as log:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=environment, stdout=log, stderr=log)
    try:
        yield process
    finally:
        stop(process)


def production_environment(directory, database_url, store, **extra):
    """The environment every process of the layout shares: one database, one Redis, one bucket."""
    return server_environment(
        directory,
        DATABASE_URL=database_url,
        REDIS_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        PAGE_CACHE_TIMEOUT="300",
        SITE_URL="http://127.0.0.1",
        **store.environment,
        **extra,
    )


def manage_in(environment, *args, timeout=300):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self):
        return self.body.decode()


def get(url, timeout=20, **headers):
    """A plain GET, as a reader's browser or feed reader sends it."""
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class AdminSession:
    """An editor's browser on one address: cookies, the CSRF token, forms sent back as shown."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path, data=None, files=None):
        headers = {}
        body = None
        if files:
            body, content_type = multipart(data or {}, files)
            headers["Content-Type"] = content_type
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=120) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())

    @property
    def csrf(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post(self, path, data, files=None):
        return self.request(path, {**data, "csrfmiddlewaretoken": self.csrf}, files)

    def log_in(self, username, password):
        self.request("/admin/login/")
        response = self.post("/admin/login/", {"username": username, "password": password})
        assert response.status == 302, response.text[:2000]

    def form(self, path):
        """Return the fields of the admin form at path as a browser would send them."""
        return AdminPage(self.request(path).text).form


def multipart(data, files):
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in data.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, (filename, content, content_type) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
