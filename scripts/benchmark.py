"""Benchmark Plenum's public surfaces on a throwaway database.

What it measures
    For each public URL below: the number of SQL queries one request costs
    (in-process, django.test.Client with CaptureQueriesContext), and, against
    gunicorn with 2 sync workers on 127.0.0.1, requests per second, median and
    95th-percentile latency and the response size (uncompressed: no
    Accept-Encoding is sent). Every response must be 200, or the run fails.

    /  /pressemitteilungen/  /pressemitteilungen/?seite=50  one release
    /pressemitteilungen/kategorie/<slug>/  /pressemitteilungen/2025/
    /pressemitteilungen/feed/  /pressemitteilungen/atom/  /termine/
    /termine/kalender.ics  /suche/?q=KI  /sitemap.xml

How it works
    1. Creates its own database: a SQLite file in a temporary folder, or, with
       --database-url, a PostgreSQL database that is dropped and created first
       (its name must contain "bench").
    2. Runs `manage.py collectstatic` (production storage: WhiteNoise with
       hashed, compressed files, into the untracked staticfiles/), `migrate` and
       `loaddemo` with production-like settings: DEBUG off, a random
       SECRET_KEY, no HTTPS, no Redis (local-memory cache).
    3. Generates --releases press releases spread over the last three years
       (each with a category, two topics, a quote and a key figure; some drafts
       and some embargoed) and 200 events, past and upcoming (some drafts,
       embargoed, cancelled, all-day), with a fixed random seed.
    4. Counts queries per URL, starts gunicorn, sends 20 warm-up and then
       --requests requests per URL from --concurrency threads, each thread on
       its own http.client connection (gunicorn's sync workers close the
       connection after every response, so http.client reconnects).
    5. Prints a Markdown table and the machine it ran on; stops gunicorn and
       removes the temporary files, the PostgreSQL database and staticfiles/
       (if this run created it) also when something fails (--keep keeps them).

How to run (from the project folder)
    .venv/bin/python scripts/benchmark.py
    .venv/bin/python scripts/benchmark.py --releases 1000 --requests 300 --concurrency 4 \\
        --database-url postgres://postgres@127.0.0.1:5432/plenum_bench

Progress goes to stderr, the table to stdout.
"""

import argparse
import datetime
import http.client
import importlib.metadata
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
STATIC_ROOT = ROOT / "staticfiles"  # settings.STATIC_ROOT; the settings offer no override
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST = "127.0.0.1"
WORKERS = 2
WARMUP_REQUESTS = 20
EVENT_COUNT = 200
SEED = 20250213

CATEGORIES = [
    ("aus-der-landesregierung", "Aus der Landesregierung"),
    ("aus-dem-landtag", "Aus dem Landtag"),
    ("aus-dem-wahlkreis", "Aus dem Wahlkreis"),
    ("wirtschaft-und-arbeit", "Wirtschaft und Arbeit"),
    ("bildung-und-familie", "Bildung und Familie"),
    ("verkehr-und-infrastruktur", "Verkehr und Infrastruktur"),
]
TOPICS = [
    ("kuenstliche-intelligenz", "Künstliche Intelligenz"),
    ("wirtschaft", "Wirtschaft"),
    ("strukturwandel", "Strukturwandel"),
    ("digitalisierung", "Digitalisierung"),
    ("energie", "Energie"),
    ("schule", "Schule"),
    ("kita", "Kita"),
    ("landwirtschaft", "Landwirtschaft"),
    ("mittelstand", "Mittelstand"),
    ("ehrenamt", "Ehrenamt"),
    ("innere-sicherheit", "Innere Sicherheit"),
    ("gesundheit", "Gesundheit"),
]
PEOPLE = [
    ("Anna Becker", "Bürgermeisterin"),
    ("Jonas Hoffmann", "Geschäftsführer der IHK"),
    ("Miriam Schulte", "Schulleiterin"),
    ("Peter Wolters", "Vorsitzender des Kreisbauernverbands"),
    ("Leonie Brüggemann", "Professorin für Informatik"),
]
SUBJECTS = [
    "Künstliche Intelligenz im Mittelstand",
    "Glasfaser für den ländlichen Raum",
    "mehr Kita-Plätze im Kreis Borken",
    "die Zukunft des Rheinischen Reviers",
    "Digitalisierung der Schulen",
    "den Ausbau der B 67",
    "Wasserstoff aus dem Münsterland",
    "das Ehrenamt in Sportvereinen",
    "Landärzte in kleinen Gemeinden",
    "Fachkräfte für das Handwerk",
]
OPENERS = [
    "Landtag berät über",
    "Neue Förderung für",
    "Klare Worte zu",
    "Besuch vor Ort:",
    "Gute Nachrichten für",
]
CLAIMS = [
    "NRW geht voran",
    "Land stellt Millionen bereit",
    "Gespräch mit Betrieben und Verbänden",
    "der Kreis profitiert",
    "jetzt die Weichen stellen",
]
SENTENCES = [
    "Nordrhein-Westfalen hat eine starke industrielle Basis und eine der dichtesten "
    "Forschungslandschaften Europas.",
    "KI-Anwendungen helfen Betrieben, Prozesse zu verbessern und Fachkräfte zu entlasten.",
    "Die Landesregierung stellt dafür in diesem Jahr zusätzliche Mittel bereit.",
    "Vor Ort haben Unternehmen, Verbände und Kommunen ihre Erfahrungen geschildert.",
    "Gerade im ländlichen Raum entscheidet die Infrastruktur über die Zukunft der Region.",
    "Der Abgeordnete kündigte an, das Thema im zuständigen Ausschuss erneut aufzurufen.",
    "Schulen, Kitas und Vereine sollen schneller und unbürokratischer unterstützt werden.",
    "Eine aktuelle Studie zeigt, dass die Investitionen sich bereits auszahlen.",
    "Die Kommunen erhalten Planungssicherheit für die kommenden Jahre.",
    "Der Strukturwandel gelingt nur gemeinsam mit den Menschen in der Region.",
    "Viele Gespräche haben gezeigt, wo Bürgerinnen und Bürger der Schuh drückt.",
    "Der Landtag wird sich in seiner nächsten Sitzung mit dem Antrag befassen.",
]
VENUES = [
    ("Landtag Nordrhein-Westfalen", "Platz des Landtags 1\n40221 Düsseldorf"),
    ("Rathaus Borken", "Im Piepershagen 17\n46325 Borken"),
    ("Stadthalle Gronau", "Konrad-Adenauer-Straße 45\n48599 Gronau"),
    ("Vertretung des Landes Nordrhein-Westfalen beim Bund", "Hiroshimastraße 12–16\n10785 Berlin"),
]


def log(message):
    print(f"[benchmark] {message}", file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=1000, help="generated releases (1000)")
    parser.add_argument("--requests", type=int, default=300, help="requests per URL (300)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to drop and create, e.g. "
        "postgres://postgres@127.0.0.1:5432/plenum_bench (default: SQLite in a temp folder)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp folder and database for inspection"
    )
    args = parser.parse_args()
    if args.releases < 600 or args.requests < 1 or args.concurrency < 1:
        parser.error("need --releases >= 600 (for ?seite=50), --requests >= 1, --concurrency >= 1")
    return args


# --- database and environment -------------------------------------------------


def postgres_admin(url):
    """Return (database name, connection URL of the maintenance database)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit("--database-url must be a postgres:// URL; omit it for SQLite.")
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: its name must contain 'bench'.")
    return name, parts._replace(path="/postgres").geturl()


def recreate_postgres(url, drop_only=False):
    import psycopg
    from psycopg import sql

    name, admin_url = postgres_admin(url)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def configure_environment(database_url, tmp, port):
    """Production-like settings for this process and every subprocess it starts."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="office.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=f"benchmark-only-{secrets.token_urlsafe(40)}",
        ALLOWED_HOSTS=f"{HOST},testserver",
        SITE_URL=f"http://{HOST}:{port}",
        MEDIA_ROOT=str(tmp / "media"),
    )
    for name in ("DEBUG", "HTTPS", "REDIS_URL"):
        os.environ.pop(name, None)


def manage(*arguments):
    log(f"manage.py {' '.join(arguments)}")
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(arguments)} failed ({result.returncode}).")


def setup_django():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- content ------------------------------------------------------------------


def paragraphs(rng, count):
    return "".join(f"<p>{' '.join(rng.sample(SENTENCES, 4))}</p>" for _ in range(count))


def generate_content(release_count, rng):
    """Create releases, quotes, figures and events; return the slugs the URLs need."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from events.models import Event
    from office.models import Person, Quote, Statistic
    from releases.models import Category, Release, ReleaseQuote, ReleaseStatistic, Topic

    now = timezone.now()
    published, draft = Release.Status.PUBLISHED, Release.Status.DRAFT
    with transaction.atomic():
        categories = [
            Category.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in CATEGORIES
        ]
        topics = [
            Topic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in TOPICS
        ]
        people = Person.objects.bulk_create(Person(name=n, role=r) for n, r in PEOPLE)

        releases = []
        for number in range(1, release_count + 1):
            status, publish_at = published, now - datetime.timedelta(days=rng.uniform(0, 3 * 365))
            chance = rng.random()
            if chance < 0.05:
                status = draft
            elif chance < 0.08:  # embargoed: published, but its time has not come
                publish_at = now + datetime.timedelta(hours=rng.uniform(1, 30 * 24))
            title = f"{rng.choice(OPENERS)} {rng.choice(SUBJECTS)} – {rng.choice(CLAIMS)}"
            releases.append(
                Release(
                    title=title,
                    slug=f"{slugify(title)[:150]}-{number}",
                    lead=" ".join(rng.sample(SENTENCES, 2)),
                    body=f"<h2>{rng.choice(SUBJECTS)}</h2>{paragraphs(rng, rng.randint(3, 6))}",
                    category=rng.choice(categories),
                    status=status,
                    publish_at=publish_at,
                )
            )
        releases = Release.objects.bulk_create(releases, batch_size=500)
        Release.topics.through.objects.bulk_create(
            Release.topics.through(release_id=release.pk, topic_id=topic.pk)
            for release in releases
            for topic in rng.sample(topics, 2)
        )
        quotes = Quote.objects.bulk_create(
            (
                Quote(
                    text=" ".join(rng.sample(SENTENCES, 2)),
                    person=rng.choice([None, None, *people]),
                    said_on=timezone.localdate(release.publish_at),
                    context=f"Pressemitteilung „{release.title[:80]}“",
                )
                for release in releases
            ),
            batch_size=500,
        )
        ReleaseQuote.objects.bulk_create(
            ReleaseQuote(release=release, quote=quote, order=1)
            for release, quote in zip(releases, quotes, strict=True)
        )
        figures = Statistic.objects.bulk_create(
            (
                Statistic(
                    value=Decimal(rng.randint(1, 9999)) / 10,
                    unit=rng.choice(["Prozent", "Mio. Euro", "Schulen", "Kilometer"]),
                    label=f"für {rng.choice(SUBJECTS)}",
                    source_name=rng.choice(["IT.NRW", "Institut der deutschen Wirtschaft (IW)"]),
                    source_year=timezone.localdate(release.publish_at).year,
                )
                for release in releases
            ),
            batch_size=500,
        )
        ReleaseStatistic.objects.bulk_create(
            ReleaseStatistic(release=release, statistic=figure, order=1)
            for release, figure in zip(releases, figures, strict=True)
        )

        events = []
        for number in range(1, EVENT_COUNT + 1):
            start = timezone.localtime(now + datetime.timedelta(days=rng.uniform(-730, 365)))
            all_day = rng.random() < 0.1
            if all_day:
                start = start.replace(hour=0, minute=0, second=0, microsecond=0)
                end = start + datetime.timedelta(days=rng.randint(0, 2), hours=23, minutes=59)
            else:
                start = start.replace(hour=rng.randint(8, 19), minute=0, second=0, microsecond=0)
                end = start + datetime.timedelta(hours=rng.randint(1, 8))
            status = published
            publish_at = min(start - datetime.timedelta(days=rng.uniform(7, 60)), now)
            chance = rng.random()
            if chance < 0.05:
                status = draft
            elif chance < 0.08:
                publish_at = now + datetime.timedelta(hours=rng.uniform(1, 30 * 24))
            venue, address = rng.choice(VENUES)
            title = f"{rng.choice(['Bürgersprechstunde', 'Podiumsdiskussion', 'Besuch'])}: "
            title += rng.choice(SUBJECTS)
            events.append(
                Event(
                    title=title,
                    slug=f"{slugify(title)[:150]}-{number}",
                    starts_at=start,
                    ends_at=end,
                    all_day=all_day,
                    venue_name=venue,
                    venue_address=address,
                    description=paragraphs(rng, 1),
                    organizer="Abgeordnetenbüro",
                    cancelled=rng.random() < 0.05,
                    status=status,
                    publish_at=publish_at,
                )
            )
        events = Event.objects.bulk_create(events)
        Event.speakers.through.objects.bulk_create(
            Event.speakers.through(event_id=event.pk, person_id=person.pk)
            for event in events[::2]
            for person in rng.sample(people, 2)
        )

        # The release shown in full: the newest public one, with an upcoming event.
        public = sorted(
            (r for r in releases if r.status == published and r.publish_at <= now),
            key=lambda r: r.publish_at,
            reverse=True,
        )
        upcoming = [e for e in events if e.status == published and e.publish_at <= now < e.ends_at]
        links = {(public[0].pk, upcoming[0].pk)}
        links |= {(rng.choice(public).pk, event.pk) for event in events[:150]}
        Release.events.through.objects.bulk_create(
            Release.events.through(release_id=release_id, event_id=event_id)
            for release_id, event_id in links
        )

    return {
        "release": public[0].slug,
        "category": public[0].category.slug,
        "summary": (
            f"{Release.objects.count():,} releases ({Release.objects.published().count():,} "
            f"public), {Event.objects.count():,} events ({Event.objects.published().count():,} "
            f"public, {Event.objects.published().upcoming().count()} upcoming)"
        ),
    }


def urls_for(content):
    """Return {label: URL}; the labels keep the table narrow (slugs are named above it)."""
    return {
        "/": "/",
        "/pressemitteilungen/": "/pressemitteilungen/",
        "/pressemitteilungen/?seite=50": "/pressemitteilungen/?seite=50",
        "/pressemitteilungen/<slug>/": f"/pressemitteilungen/{content['release']}/",
        "/pressemitteilungen/kategorie/<slug>/": (
            f"/pressemitteilungen/kategorie/{content['category']}/"
        ),
        "/pressemitteilungen/2025/": "/pressemitteilungen/2025/",
        "/pressemitteilungen/feed/": "/pressemitteilungen/feed/",
        "/pressemitteilungen/atom/": "/pressemitteilungen/atom/",
        "/termine/": "/termine/",
        "/termine/kalender.ics": "/termine/kalender.ics",
        "/suche/?q=KI": "/suche/?q=KI",
        "/sitemap.xml": "/sitemap.xml",
    }


# --- measuring ----------------------------------------------------------------


def count_queries(urls):
    """Queries of one request per URL, after one request that warms per-process caches."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for label, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"In-process GET {url} answered {response.status_code}, not 200.")
        counts[label] = len(captured.captured_queries)
    return counts


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port, log_path):
    command = [
        str(GUNICORN),
        "office.wsgi",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        f"--bind={HOST}:{port}",
        f"--chdir={ROOT}",
    ]
    log(" ".join(command[1:]))
    with open(log_path, "wb") as output:
        # Its own session, so stopping it can reach its workers and nothing else.
        server = subprocess.Popen(
            command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}):\n{log_path.read_text()}")
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            connection.request("GET", "/robots.txt")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass  # not listening yet
        finally:
            connection.close()
        time.sleep(0.2)
    stop_gunicorn(server)
    raise SystemExit(f"gunicorn did not answer within 30 s:\n{log_path.read_text()}")


def stop_gunicorn(server):
    if server.poll() is None:
        server.terminate()  # the master shuts its workers down gracefully
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def hammer(port, url, total, concurrency):
    """Send `total` GETs from `concurrency` threads; return (seconds, results)."""
    results, errors = [], []
    lock = threading.Lock()
    shares = [total // concurrency + (i < total % concurrency) for i in range(concurrency)]

    def client(count):
        # http.client reconnects by itself when the server closes the connection.
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        try:
            for _ in range(count):
                started = time.perf_counter()
                connection.request("GET", url)
                response = connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    results.append((response.status, elapsed, len(body)))
        except Exception as error:  # reported after the threads are joined
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(share,)) for share in shares if share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise SystemExit(f"GET {url} failed: {errors[0]!r}")
    bad = sorted({status for status, _, _ in results if status != 200})
    if bad:
        raise SystemExit(f"GET {url} answered {bad}, not only 200.")
    return seconds, results


def measure(port, url, requests, concurrency):
    hammer(port, url, WARMUP_REQUESTS, concurrency)
    seconds, results = hammer(port, url, requests, concurrency)
    latencies = sorted(elapsed * 1000 for _, elapsed, _ in results)
    p95 = (
        statistics.quantiles(latencies, n=100, method="inclusive")[94]
        if len(latencies) > 1
        else latencies[0]
    )
    return {
        "status": 200,
        "rps": requests / seconds,
        "median": statistics.median(latencies),
        "p95": p95,
        "kb": max(size for _, _, size in results) / 1024,
    }


# --- report -------------------------------------------------------------------


def machine():
    from django import get_version
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        database = f"PostgreSQL {version} (psycopg {importlib.metadata.version('psycopg')})"
    else:
        database = f"SQLite {connection.Database.sqlite_version}"
    cpuinfo = Path("/proc/cpuinfo")  # Linux only; the model is left out elsewhere
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    cpu = f"{os.cpu_count()} CPUs" + (f" ({models[0]})" if models else "")
    return (
        f"{cpu}, load average {os.getloadavg()[0]:.1f} before the load test, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"Django {get_version()}, gunicorn {importlib.metadata.version('gunicorn')} "
        f"({WORKERS} sync workers), {database}"
    )


def report(args, content, counts, results, about):
    lines = [
        f"Machine: {about}",
        "",
        f"Data: {content['summary']}, demo content included; the release shown is "
        f"`{content['release']}`, the category `{content['category']}`.",
        "",
        f"Load: {args.requests} requests per URL after {WARMUP_REQUESTS} warm-up, "
        f"{args.concurrency} concurrent clients on {HOST}; queries counted in-process; "
        "sizes uncompressed.",
        "",
        "| URL | status | queries | req/s | median ms | p95 ms | KB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, result in results.items():
        lines.append(
            f"| `{label}` | {result['status']} | {counts[label]} | {result['rps']:.0f} | "
            f"{result['median']:.1f} | {result['p95']:.1f} | {result['kb']:.1f} |"
        )
    print("\n".join(lines), flush=True)


def main():
    args = parse_args()
    if not GUNICORN.exists():
        raise SystemExit(f"{GUNICORN} not found; run this with the project's .venv/bin/python.")
    if args.database_url:
        postgres_admin(args.database_url)  # refuse bad URLs before anything happens
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="plenum-bench-"))
    created_static = not STATIC_ROOT.exists()
    port = free_port()
    server = None
    try:
        if args.database_url:
            log("recreating the PostgreSQL database")
            recreate_postgres(args.database_url)
            database_url = args.database_url
        else:
            database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        configure_environment(database_url, tmp, port)
        # collectstatic first: with the manifest storage, importing the URLconf (which
        # migrate's system checks do) needs the manifest already.
        manage("collectstatic", "--noinput")
        manage("migrate", "--noinput")
        manage("loaddemo")

        setup_django()
        from django.db import connections

        log(f"generating {args.releases} releases and {EVENT_COUNT} events")
        content = generate_content(args.releases, random.Random(SEED))
        log(content["summary"])
        urls = urls_for(content)
        log("counting queries in-process")
        counts = count_queries(urls)
        about = machine()
        connections.close_all()

        server = start_gunicorn(port, tmp / "gunicorn.log")
        results = {}
        for label, url in urls.items():
            result = results[label] = measure(port, url, args.requests, args.concurrency)
            log(f"{url}: {result['rps']:.0f} req/s, median {result['median']:.1f} ms")
        report(args, content, counts, results, about)
        log(f"done in {time.monotonic() - started:.0f} s")
    finally:
        if server is not None:
            stop_gunicorn(server)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            if args.database_url:
                recreate_postgres(args.database_url, drop_only=True)
            shutil.rmtree(tmp, ignore_errors=True)
            if created_static:
                shutil.rmtree(STATIC_ROOT, ignore_errors=True)
        else:
            log(f"kept {tmp}" + (f" and {args.database_url}" if args.database_url else ""))


if __name__ == "__main__":
    main()
