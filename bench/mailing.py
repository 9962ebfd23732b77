#!/usr/bin/env python3
"""Send one release to 2,000 contacts through a real db_worker and a local SMTP server.

    bench/mailing.py                                   # SQLite in a temporary folder
    bench/mailing.py --recipients 500
    bench/mailing.py --database-url postgres://postgres@127.0.0.1:5432/plenum_bench
    bench/mailing.py --profile worker.prof             # the worker under cProfile (slower)

A fresh database (a SQLite file, or a PostgreSQL database dropped and created,
only if its name contains "bench") is migrated; the script commits a release,
the contacts and the mailing, starts `manage.py db_worker` with EMAIL_URL
pointing at aiosmtpd on loopback, and once a second compares the admin's
progress (Mailing.objects.with_progress(), what "1.234 von 2.000 versendet"
reads) with what the server accepted, and samples the worker's RSS. Target:
all delivered within 120 s, worker under 150 MB. Writes a Markdown table to
bench/results/<date>-mailing-<db>.md.
"""

import argparse
import datetime
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

if Path(sys.prefix).resolve() != VENV.resolve():
    python = VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} not found: install the project first (make install).")
    os.execv(python, [str(python), __file__, *sys.argv[1:]])

sys.path.insert(0, str(ROOT))
TARGET_SECONDS = 120
TARGET_MB = 150


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    """Return the user and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average():
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def fresh_database(url):
    if url is None:
        folder = tempfile.mkdtemp(prefix="plenum-mailing-")
        return f"sqlite:///{folder}/bench.sqlite3", "sqlite"
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit("The database name must contain 'bench': it is dropped and created.")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return url, "postgresql"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", help="write the worker's cProfile statistics to this file")
    args = parser.parse_args()
    database_url, vendor = fresh_database(args.database_url)
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "office.settings",
        "SITE_URL": "https://www.beispiel-mdl.de",
    }
    environment.pop("DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=environment,
        check=True,
    )
    os.environ.update(environment)
    import django

    django.setup()
    from django.db import transaction

    from distribution import sending
    from distribution.models import Contact, Mailing
    from releases.models import Category, Release
    from tests.kit.smtp import smtp_server

    with smtp_server() as (mailbox, email_url):
        with transaction.atomic():
            category = Category.objects.create(name="Landespolitik", slug="landespolitik")
            release = Release.objects.create(
                title="Von der Kohle zur KI",
                slug="von-der-kohle-zur-ki",
                lead="Nordrhein-Westfalens Weg in die digitale Wirtschaft.",
                body="<p>" + "Ein Absatz über Strukturwandel und Arbeit. " * 40 + "</p>" * 1,
                category=category,
                status=Release.Status.PUBLISHED,
            )
            Contact.objects.bulk_create(
                Contact(
                    name=f"Journalistin {n}",
                    outlet="Zeitung",
                    email=f"presse-{n}@example.net",
                    status=Contact.Status.ACTIVE,
                    source=Contact.Source.IMPORTED,
                    token=f"token-{n:06d}",
                )
                for n in range(args.recipients)
            )
            mailing = sending.create_mailing(release, None, Mailing.Mode.PUBLICATION)
        load_before = load_average()
        started, started_at = time.monotonic(), time.time()
        command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"]
        if args.profile:
            command[1:1] = ["-m", "cProfile", "-o", str(Path(args.profile).resolve())]
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment | {"EMAIL_URL": email_url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        peak, samples, wrong = 0.0, 0, []
        try:
            while True:
                time.sleep(1)
                peak = max(peak, rss_mb(worker.pid))
                accepted_before = len(mailbox.accepted)
                shown = Mailing.objects.with_progress().get(pk=mailing.pk)
                accepted_after = len(mailbox.accepted)
                samples += 1
                # The admin counts a copy once its row commits, a moment after the
                # server accepted it: at most one copy (the one in flight) behind.
                if not accepted_before - 1 <= shown.sent <= accepted_after:
                    wrong.append((shown.sent, accepted_before, accepted_after))
                if shown.state == Mailing.State.DONE:
                    break
                if time.monotonic() - started > 600:
                    raise SystemExit("gave up after 600 s")
            seconds = max(t for _, _, t in mailbox.accepted) - started_at
            worker_cpu = cpu_seconds(worker.pid)
            load_after = load_average()
        finally:
            # SIGINT lets the worker return, so cProfile writes its statistics.
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=30)
        recipients = mailbox.recipients()
    duplicates = len(recipients) - len(set(recipients))
    rows = [
        ("database", vendor),
        ("recipients", f"{args.recipients:,}"),
        ("delivered", f"{len(set(recipients)):,} ({duplicates} twice)"),
        ("time to the last acceptance", f"{seconds:.1f} s (target {TARGET_SECONDS} s)"),
        ("worker peak RSS", f"{peak:.0f} MB (target {TARGET_MB} MB)"),
        ("worker CPU time (start-up included)", f"{worker_cpu:.1f} s"),
        ("load average (1, 5, 15 min) before / after", f"{load_before} / {load_after}"),
        ("progress samples off", f"{len(wrong)} of {samples}"),
        (
            "machine",
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        ),
    ]
    table = "| what | result |\n| --- | --- |\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    print(table)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{datetime.date.today().isoformat()}-mailing-{vendor}.md"
    path.write_text(f"# bench/mailing.py, {datetime.date.today().isoformat()}\n\n{table}\n")
    print(f"written to {path.relative_to(ROOT)}")
    failed = seconds > TARGET_SECONDS or peak > TARGET_MB or duplicates or wrong
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
