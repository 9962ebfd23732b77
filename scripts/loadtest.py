#!/usr/bin/env python3
"""Load test: readers on pages, feeds and search while editors save releases in the admin.

    scripts/loadtest.py                      # 60 s on PostgreSQL, Redis as the shared cache
    scripts/loadtest.py --duration 20 --no-redis
    scripts/loadtest.py --database-url sqlite:////tmp/plenum-load.sqlite3

What it does, on a throwaway database (a PostgreSQL database is dropped and
created, and only if its name contains "loadtest"):

 1. migrate, loaddemo, seeds 300 releases, 40 events, quotes and figures;
    collectstatic into a temporary folder.
 2. Starts gunicorn with production settings (DEBUG and HTTPS off, a random
    SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the page cache on; REDIS_URL set
    unless --no-redis) with --workers sync workers on 127.0.0.1.
 3. For --duration seconds runs wrk (scripts/loadtest.lua) against a weighted
    mix of public pages, feeds, calendars and searches, and at the same time
    two editors in the admin: one creates releases (every fifth one submitted
    twice at once, as a double click does), one keeps changing the lead of
    one release. After each new release the creator reads the public list
    four times, as anonymous readers, and counts answers without it.
 4. Checks the database afterwards: every accepted save is there exactly once,
    no refused save is, the changed release holds the last accepted lead.
 5. Prints the figures. Exits 1 on any 5xx, on a lost, duplicated or phantom
    save, and on a public list that still lacks a release after its save.

Traffic goes to 127.0.0.1 only, bounded by --duration. Needs wrk
(`apt-get install -y wrk`).
"""

import argparse
import collections
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
if Path(sys.prefix).resolve() != VENV.resolve():
    python = VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} not found: install the project first (make install).")
    os.execv(python, [str(python), __file__, *sys.argv[1:]])

HOST = "127.0.0.1"
EDITOR = ("lasttest", secrets.token_urlsafe(16))  # a press officer made for this run

SEED = """
import datetime, random
from django.contrib.auth.models import Group, User
from django.utils import timezone
from events.models import Event
from office.models import Quote, Statistic
from releases.models import Category, Release, Topic
random.seed(7)
now = timezone.now()
categories = [
    Category.objects.create(name=f"Kategorie {n}", slug=f"kategorie-{n}") for n in range(6)
]
topics = [Topic.objects.create(name=f"Thema {n}", slug=f"thema-{n}") for n in range(10)]
words = "Landtag Haushalt Schule Energie Wasserstoff Kohle KI Verkehr Polizei Kommune".split()
for n in range(300):
    release = Release.objects.create(
        title=f"{random.choice(words)} und {random.choice(words)}: Meldung {n}",
        slug=f"meldung-{n}",
        lead=" ".join(random.choices(words, k=30)),
        body="".join(f"<p>{' '.join(random.choices(words, k=60))}</p>" for _ in range(6)),
        category=random.choice(categories),
        status="published",
        publish_at=now - datetime.timedelta(hours=7 * n + 1),
    )
    release.topics.set(random.sample(topics, 2))
for n in range(40):
    start = now + datetime.timedelta(days=n - 20, hours=3)
    Event.objects.create(
        title=f"Termin {n}", slug=f"termin-{n}", starts_at=start,
        ends_at=start + datetime.timedelta(hours=2), venue_name="Landtag NRW",
        status="published", publish_at=now - datetime.timedelta(days=30),
        description=f"<p>{' '.join(random.choices(words, k=40))}</p>",
    )
for n in range(20):
    text = " ".join(random.choices(words, k=20))
    Quote.objects.create(text=text, said_on=datetime.date(2025, 1, 1 + n))
    Statistic.objects.create(value=n + 1, unit="Prozent", label=f"Kennzahl {n}", source_name="IW")
editor = User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
# Editors publish directly, which the workflow leaves to the Freigabe group.
editor.groups.add(Group.objects.get(name="Freigabe"))
"""

VERIFY = """
import json
from releases.models import Release
rows = list(Release.objects.filter(title__startswith={prefix!r}).values_list("slug", "title"))
changed = Release.objects.get(pk={changed_pk}).lead
print(json.dumps({{"rows": rows, "changed_lead": changed}}))
"""


def paths_file(directory):
    """Write the readers' mix: a line per path, repeated by weight."""
    weighted = {
        "/": 10,
        "/pressemitteilungen/": 10,
        "/pressemitteilungen/kategorie/kategorie-1/": 4,
        "/pressemitteilungen/thema/thema-2/": 3,
        "/termine/": 5,
        "/termine/archiv/": 2,
        "/zitate/": 2,
        "/zahlen/": 2,
        "/ueber-mich/": 2,
        "/impressum/": 1,
        "/pressemitteilungen/feed/": 10,
        "/pressemitteilungen/atom/": 5,
        "/pressemitteilungen/kategorie/kategorie-3/feed/": 3,
        "/termine/feed/": 3,
        "/termine/kalender.ics": 5,
        "/sitemap.xml": 1,
    }
    weighted |= {f"/pressemitteilungen/?seite={n}": 1 for n in range(2, 12)}
    weighted |= {f"/pressemitteilungen/meldung-{n}/": 1 for n in range(0, 300, 3)}
    weighted |= {f"/termine/termin-{n}/": 1 for n in range(0, 40, 4)}
    terms = ["Landtag", "Haushalt", "KI", "Energie Schule", "Wasserstoff", "Kohle Verkehr", "xyz"]
    weighted |= {f"/suche/?q={urllib.parse.quote(term)}": 2 for term in terms}
    year = time.localtime().tm_year
    weighted |= {f"/pressemitteilungen/{year}/": 2, f"/pressemitteilungen/{year - 1}/": 1}
    target = Path(directory) / "paths.txt"
    target.write_text("".join(f"{path}\n" * weight for path, weight in weighted.items()))
    return target, sum(weighted.values())


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An editor's browser: cookies, the CSRF token, no automatic redirects."""

    def __init__(self, base, cookies=None):
        self.base = base
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    @property
    def csrf(self):
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")

    def post(self, path, data):
        return self.request(path, {**data, "csrfmiddlewaretoken": self.csrf})

    def log_in(self, username, password):
        self.request("/admin/login/")
        status, _ = self.post("/admin/login/", {"username": username, "password": password})
        if status != 302:
            raise RuntimeError(f"Editor login failed: {status}")  # shows in the thread's output


def release_data(title, slug, lead, category_pk=1, approve=True):
    """Return an admin post of a release; a new one is approved (published now) at once."""
    data = {
        "title": title,
        "slug": slug,
        "lead": lead,
        "body": f"<p>{title}: Text.</p>",
        "category": str(category_pk),
    }
    # A published release is changed with a plain save: approving it again is refused.
    data |= {"_decision": "approve"} if approve else {"_save": "Speichern"}
    return data


def management_fields(form_html):
    """Return the inline formsets' management fields of an admin form page, as it sends them."""
    pattern = r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)" value="(\d+)"'
    return dict(re.findall(pattern, form_html))


class Editors:
    """Two editors at work while readers load the site; every outcome is recorded."""

    def __init__(self, base, run, changed_pk, category_pk, pause):
        self.base, self.run, self.changed_pk, self.category_pk = base, run, changed_pk, category_pk
        self.pause = pause
        self.stop = threading.Event()
        self.created, self.refused, self.failed = [], [], []
        self.double = collections.Counter()
        self.saves_5xx = 0
        self.last_lead, self.changes = None, collections.Counter()
        self.freshness = collections.Counter()
        self.save_seconds = []

    def record_create(self, slug, title, status):
        if status == 302:
            self.created.append((slug, title))
        elif status == 200:
            self.refused.append(slug)
        else:
            self.failed.append((slug, status))
            self.saves_5xx += status >= 500

    def creator(self):
        browser = Browser(self.base)
        browser.log_in(*EDITOR)
        inlines = management_fields(browser.request("/admin/releases/release/add/")[1])
        number = 0
        while not self.stop.is_set():
            number += 1
            title = f"Lasttest {self.run} Nr. {number}"
            slug = f"lasttest-{self.run}-{number}"
            data = release_data(title, slug, "Unter Last gespeichert.", self.category_pk)
            data |= inlines
            started = time.monotonic()
            if number % 5 == 0:
                # A double click: the same form twice at once, from the same session.
                results = self.double_submit(browser, data)
                self.double[tuple(sorted(results))] += 1
                for status in results:
                    self.record_create(slug, title, status)
            else:
                status, _ = browser.post("/admin/releases/release/add/", data)
                self.record_create(slug, title, status)
            self.save_seconds.append(time.monotonic() - started)
            if self.created and self.created[-1][0] == slug:
                for _ in range(4):
                    status, body = Browser(self.base).request("/pressemitteilungen/")
                    self.freshness["fresh" if title in body else f"stale-{status}"] += 1
            self.stop.wait(self.pause)

    def double_submit(self, browser, data):
        twin = Browser(self.base, cookies=browser.cookies)
        results = {}

        def submit(which):
            results[which] = which.post("/admin/releases/release/add/", data)[0]

        threads = [threading.Thread(target=submit, args=(b,)) for b in (browser, twin)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return list(results.values())

    def changer(self):
        browser = Browser(self.base)
        browser.log_in(*EDITOR)
        number = 0
        path = f"/admin/releases/release/{self.changed_pk}/change/"
        while not self.stop.is_set():
            number += 1
            lead = f"Stand {number}"
            data = release_data(
                "Wird laufend geändert", "wird-geaendert", lead, self.category_pk, approve=False
            )
            # As an editor does: open the form, which carries the version it shows.
            _, form = browser.request(path)
            loaded = re.search(r'name="edit_version" value="(\d+)"', form)
            data["edit_version"] = loaded[1] if loaded else ""
            data |= management_fields(form)
            status, _ = browser.post(path, data)
            self.changes[status] += 1
            self.saves_5xx += status >= 500
            if status == 302:
                self.last_lead = lead
            self.stop.wait(self.pause)


def wait_for_port(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up.")
        try:
            socket.create_connection((HOST, port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start.")


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare_database(url):
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme.startswith("postgres"):
        name = parsed.path.lstrip("/")
        if "loadtest" not in name:
            raise SystemExit("The PostgreSQL database name must contain 'loadtest'; it is dropped.")
        server = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
        import psycopg

        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/plenum_loadtest"
    )
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-redis", action="store_true", help="each worker its own cache")
    parser.add_argument(
        "--editor-pause", type=float, default=0.0, help="seconds each editor waits between saves"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install -y wrk")

    scratch = Path(tempfile.mkdtemp(prefix="plenum-loadtest-"))
    port = free_port()
    base = f"http://{HOST}:{port}"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")
    } | {
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": base,
        "STATIC_ROOT": str(scratch / "static"),
        "MEDIA_ROOT": str(scratch / "media"),
        "PAGE_CACHE_TIMEOUT": "300",
        "CACHE_STATE_DIR": str(scratch / "cache-state"),
    }
    if not args.no_redis:
        environment["REDIS_URL"] = f"redis://{HOST}:6379/9"
        subprocess.run(["redis-cli", "-n", "9", "flushdb"], check=True, capture_output=True)

    def manage(*command):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise SystemExit(f"manage.py {command[0]} failed:\n{result.stderr}")
        return result.stdout

    print(f"Preparing {args.database_url} in {scratch} …", flush=True)
    prepare_database(args.database_url)
    manage("migrate", "--noinput", "-v", "0")
    manage("loaddemo")
    manage("shell", "-v", "0", "-c", f"USERNAME, PASSWORD = {EDITOR!r}\n{SEED}")
    changed_pk = int(
        manage(
            "shell",
            "-v",
            "0",
            "-c",
            "from releases.models import Release, Category; "
            "r = Release.objects.create(title='Wird laufend geändert', slug='wird-geaendert', "
            "lead='Stand 0', body='<p>x</p>', category=Category.objects.get(slug='kategorie-0'), "
            "status='published', publish_at='2025-01-01T09:00:00Z'); print(r.pk, r.category_id)",
        ).split()[0]
    )
    category_pk = int(
        manage(
            "shell",
            "-v",
            "0",
            "-c",
            "from releases.models import Category; "
            "print(Category.objects.get(slug='kategorie-0').pk)",
        )
    )
    manage("collectstatic", "--noinput", "-v", "0")
    paths, path_count = paths_file(scratch)

    log = (scratch / "gunicorn.log").open("w")
    gunicorn = subprocess.Popen(
        [
            str(VENV / "bin" / "gunicorn"),
            "office.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=log,
    )
    try:
        wait_for_port(port, gunicorn)
        run = secrets.token_hex(3)
        editors = Editors(base, run, changed_pk, category_pk, args.editor_pause)
        threads = [
            threading.Thread(target=editors.creator),
            threading.Thread(target=editors.changer),
        ]
        print(
            f"Load: {args.duration} s, wrk {args.connections} connections on {path_count} weighted "
            f"paths, 2 editors (pause {args.editor_pause} s), gunicorn {args.workers} workers, "
            f"cache {'locmem per worker' if args.no_redis else 'Redis'} …",
            flush=True,
        )
        for thread in threads:
            thread.start()
        wrk = subprocess.run(
            [
                "wrk",
                "--threads",
                "2",
                "--connections",
                str(args.connections),
                "--duration",
                f"{args.duration}s",
                "--timeout",
                "10s",
                "--latency",
                "--script",
                str(ROOT / "scripts" / "loadtest.lua"),
                base,
                "--",
                str(paths),
            ],
            capture_output=True,
            text=True,
        )
        editors.stop.set()
        for thread in threads:
            thread.join()
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
        log.close()

    line = next(line for line in wrk.stdout.splitlines() if line.startswith("LOADTEST "))
    readers = json.loads(line.removeprefix("LOADTEST "))
    statuses = {int(code): count for code, count in readers["statuses"].items()}
    verified = json.loads(
        manage(
            "shell",
            "-v",
            "0",
            "-c",
            VERIFY.format(prefix=f"Lasttest {run} ", changed_pk=changed_pk),
        )
    )
    rows = collections.Counter(slug for slug, _ in verified["rows"])
    accepted = collections.Counter(slug for slug, _ in editors.created)
    lost = sorted(set(accepted) - set(rows))
    duplicated = sorted(slug for slug, count in rows.items() if count > 1)
    phantom = sorted(set(rows) - set(accepted))
    doubly_accepted = sorted(slug for slug, count in accepted.items() if count > 1)
    server_errors = sum(count for code, count in statuses.items() if code >= 500)
    errors_logged = (scratch / "gunicorn.log").read_text().count("Internal Server Error")

    seconds = readers["duration_us"] / 1e6
    saves = sorted(editors.save_seconds)
    print()
    print(
        f"Readers: {readers['requests']} requests in {seconds:.1f} s = "
        f"{readers['requests'] / seconds:.0f} req/s; statuses {dict(sorted(statuses.items()))}; "
        f"socket errors {readers['errors']}"
    )
    print(
        f"Latency: p50 {readers['p50_us'] / 1000:.1f} ms, p90 {readers['p90_us'] / 1000:.1f} ms, "
        f"p99 {readers['p99_us'] / 1000:.1f} ms, max {readers['max_us'] / 1000:.0f} ms"
    )
    print(
        f"Creator: {len(editors.created)} releases accepted, {len(editors.refused)} refused "
        f"(duplicate slug), {len(editors.failed)} failed {editors.failed[:5]}; "
        f"double submits (statuses): {dict(editors.double)}; "
        f"save p50 {saves[len(saves) // 2] * 1000:.0f} ms"
        if saves
        else "Creator: no save"
    )
    print(
        f"Changer: {dict(editors.changes)}; last accepted lead {editors.last_lead!r}, "
        f"stored {verified['changed_lead']!r}"
    )
    print(f"Freshness of the public list right after a save: {dict(editors.freshness)}")
    print(
        f"Database: {len(rows)} rows of this run; lost {lost}, duplicated {duplicated}, "
        f"phantom {phantom}, accepted twice {doubly_accepted}"
    )
    print(
        f"5xx: readers {server_errors}, editors {editors.saves_5xx}, "
        f"'Internal Server Error' in the log {errors_logged}"
    )
    ok = (
        server_errors == 0
        and editors.saves_5xx == 0
        and not (lost or duplicated or phantom or doubly_accepted)
        and verified["changed_lead"] == editors.last_lead
        and readers["requests"] > 0
        and not any(key.startswith("stale") for key in editors.freshness)
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
