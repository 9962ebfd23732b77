#!/usr/bin/env python3
"""Readers through nginx's cache against the same nginx serving a static file of the same size.

    .venv/bin/python bench/proxy.py                 # 300 releases, 8 s per measurement
    .venv/bin/python bench/proxy.py --duration 4

The layout of tests/test_multiserver.py (tests/kit/cluster.py): deploy/nginx.conf in
front of two gunicorns (2 sync workers each, production settings), a throwaway
PostgreSQL database (`seedbench`), Redis db 6, moto's S3 server. For the home page,
a release and the RSS feed, it saves the page as nginx sends it into a static file
of the same size, served by the same nginx (`location = /bench-static`), and runs
wrk (2 threads, 16 connections, no Accept-Encoding: plain pages) against the page
and the file in turn, twice, so load from elsewhere moves both alike. The ratio
page / file is what the proxy's cache makes of Python: issue 20 asks for 0.5.
Writes bench/results/<date>-proxy.md. Traffic goes to 127.0.0.1 only; needs wrk.
"""

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.server_settings")

from tests.kit.cluster import (  # noqa: E402
    AppServer,
    get,
    manage_in,
    production_environment,
    running_nginx,
    running_object_store,
    scratch_postgres_database,
)


def wrk(url, duration):
    output = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    assert errors is None, output
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=300)
    parser.add_argument("--duration", type=int, default=8)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    import redis

    redis.Redis(db=6).flushdb()
    with (
        tempfile.TemporaryDirectory(prefix="plenum-proxy-bench-") as scratch,
        scratch_postgres_database("plenum_proxybench") as database_url,
    ):
        directory = Path(scratch)
        with running_object_store(directory) as store:
            environment = production_environment(directory, database_url, store)
            manage_in(environment, "migrate", "--noinput")
            manage_in(environment, "seedbench", "--releases", str(options.releases))
            servers = [AppServer(f"app-{n}", environment, directory) for n in (1, 2)]
            for server in servers:
                server.start()
            static = directory / "static"
            static.mkdir()
            location = f"location = /bench-static {{ root {static}; default_type text/html; }}"
            try:
                with running_nginx(directory / "nginx", servers, store, location) as proxy:
                    rows = measure(proxy, static, options.duration)
            finally:
                for server in servers:
                    server.stop()
    redis.Redis(db=6).flushdb()
    report(rows, options)


def measure(proxy, static, duration):
    feed = get(proxy + "/pressemitteilungen/feed/").text
    release = re.search(r"<link>https?://[^/]+(/pressemitteilungen/[^<]+/)</link>", feed)[1]
    rows = []
    pages = [("/", "/"), ("a release", release), ("RSS feed", "/pressemitteilungen/feed/")]
    for label, path in pages:
        body = get(proxy + path).body
        assert get(proxy + path).headers["X-Cache-Status"] == "HIT", path
        (static / "bench-static").write_bytes(body)
        page_rates, file_rates = [], []
        for _ in range(2):
            page_rates.append(wrk(proxy + path, duration))
            file_rates.append(wrk(proxy + "/bench-static", duration))
        page, file = sum(page_rates) / 2, sum(file_rates) / 2
        rows.append((label, path, len(body), page, file, page / file))
        print(f"{label}: {page:.0f} req/s, static {file:.0f} req/s, ratio {page / file:.2f}")
    return rows


def report(rows, options):
    today = datetime.date.today().isoformat()
    lines = [
        f"# Readers through nginx's cache, {today}",
        "",
        f"{options.releases} releases (`seedbench`), PostgreSQL, Redis, two gunicorns (2 sync "
        f"workers each) behind nginx (deploy/nginx.conf), wrk 2 threads, 16 connections, "
        f"{options.duration} s per run, two runs each, page and file in turn. "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| page | bytes | through the proxy req/s | static file req/s | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, path, size, page, file, ratio in rows:
        lines.append(f"| {label} (`{path}`) | {size:,} | {page:,.0f} | {file:,.0f} | {ratio:.2f} |")
    target = ROOT / "bench" / "results" / f"{today}-proxy.md"
    target.write_text("\n".join(lines) + "\n")
    print(f"written to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
