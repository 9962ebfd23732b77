#!/usr/bin/env python3
"""Time the admin's save of a 12-megapixel photo, and the worker's renditions of it.

    bench/photo_save.py                                # this checkout, SQLite
    bench/photo_save.py --before /path/to/old/checkout # and another one, e.g. before the task
    bench/photo_save.py --database-url postgres://postgres@127.0.0.1:5432/plenum_bench

The photo is a 4000 × 3000 JPEG with a camera's colour grain (about 3.7 MB),
made here. Each checkout gets a fresh database (a SQLite
file in a temporary folder, or a PostgreSQL database dropped and created,
only if its name contains "bench"), is migrated, and a process of its own
posts the photo to /admin/office/image/add/ through Django's test client as a
logged-in superuser, `--saves` times. The save's wall time is how long the
editor waits and the write transaction stays open. Where the save left the
renditions to a task, `manage.py db_worker --batch` then runs the queue, and
each task's own time comes from its row (finished_at - started_at).
Writes a Markdown table to bench/results/<date>-photo-save-<db>.md.
"""

import argparse
import datetime
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

# Run with the project's virtualenv whichever python started the script.
if Path(sys.prefix).resolve() != VENV.resolve():
    python = VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} not found: install the project first (make install).")
    os.execv(python, [str(python), __file__, *sys.argv[1:]])


def write_photo(path):
    """Write a 4000 × 3000 JPEG: a colour gradient under per-channel grain, as a phone's."""
    from PIL import Image, ImageFilter

    size = (4000, 3000)
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
            Image.new("L", size, 110),
        ],
    )
    grain = Image.merge("RGB", [Image.effect_noise(size, 60) for _ in range(3)])
    Image.blend(base, grain.filter(ImageFilter.BoxBlur(1)), 0.5).save(path, "JPEG", quality=92)


def child_save(photo, saves):
    """Post the photo `saves` times through the admin; print the seconds of each as JSON."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from office.models import Image

    client = Client()
    client.force_login(User.objects.create_superuser("bench", "bench@example.org", None))
    seconds = []
    for number in range(saves):
        with open(photo, "rb") as file:
            data = {"alt_text": f"Foto {number}", "caption": "", "credit": ""}
            data |= {"focal_x": 50, "focal_y": 50, "file": file}
            started = time.perf_counter()
            response = client.post("/admin/office/image/add/", data)
            seconds.append(time.perf_counter() - started)
        if response.status_code != 302:
            raise SystemExit(f"The save was refused: {response.status_code}")
    made = Image.objects.exclude(renditions={}).count()
    print(json.dumps({"seconds": seconds, "made_in_save": made}))


def child_tasks():
    """Print each finished task's own seconds and whether every image has renditions."""
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from office.models import Image

    tasks = DBTaskResult.objects.filter(status="SUCCESSFUL")
    seconds = [(task.finished_at - task.started_at).total_seconds() for task in tasks]
    complete = all(image.has_current_renditions() for image in Image.objects.all())
    print(json.dumps({"seconds": seconds, "complete": complete}))


def fresh_database(database_url, folder):
    if not database_url:
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    name = urlsplit(database_url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit("Refusing to drop a database whose name does not contain 'bench'.")
    import psycopg

    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url


def run(checkout, env, *args):
    python = str(VENV / "bin" / "python")
    result = subprocess.run(
        [python, *args], cwd=checkout, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    return result.stdout


def measure(checkout, photo, saves, database_url, folder):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "office.settings",
        "DATABASE_URL": fresh_database(database_url, folder),
        "SECRET_KEY": f"bench-{secrets.token_urlsafe(40)}",
        "ALLOWED_HOSTS": "testserver",
        "MEDIA_ROOT": str(folder / "media"),
        "CACHE_STATE_DIR": str(folder / "state"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(checkout),
    }
    env.pop("REDIS_URL", None)
    run(checkout, env, "manage.py", "migrate", "-v0")
    saved = json.loads(run(checkout, env, __file__, "--child-save", str(photo), str(saves)))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=checkout, capture_output=True, text=True
    ).stdout.strip()
    row = {"checkout": str(checkout), "commit": commit, "save": saved["seconds"]}
    row["inline"] = saved["made_in_save"] == saves
    if not row["inline"]:
        started = time.perf_counter()
        run(checkout, env, "manage.py", "db_worker", "--batch", "--no-reload", "--interval", "0")
        row["worker_wall"] = time.perf_counter() - started
        tasks = json.loads(run(checkout, env, __file__, "--child-tasks"))
        if not tasks["complete"]:
            raise SystemExit("The worker left images without renditions.")
        row["tasks"] = tasks["seconds"]
    return row


def describe(row):
    save = statistics.median(row["save"])
    spread = f"{min(row['save']):.2f}–{max(row['save']):.2f}"
    if row["inline"]:
        return f"| `{row['commit']}` renditions in the save | {save:.2f} ({spread}) | – | – |"
    task = statistics.median(row["tasks"])
    return (
        f"| `{row['commit']}` renditions by a task | {save:.2f} ({spread}) | {task:.2f} "
        f"| {row['worker_wall']:.1f} |"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="another checkout to measure first")
    parser.add_argument("--saves", type=int, default=5, help="photos saved per checkout")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose name contains 'bench'")
    parser.add_argument("--child-save", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-tasks", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_save:
        return child_save(args.child_save[0], int(args.child_save[1]))
    if args.child_tasks:
        return child_tasks()
    database = "postgresql" if args.database_url else "sqlite"
    checkouts = [path.resolve() for path in (args.before, ROOT) if path]
    rows = []
    with tempfile.TemporaryDirectory(prefix="plenum-photo-") as folder:
        photo = Path(folder) / "IMG_0001.jpg"
        write_photo(photo)
        for number, checkout in enumerate(checkouts):
            print(f"{checkout} …", file=sys.stderr)
            work = Path(folder) / str(number)
            work.mkdir()
            rows.append(measure(checkout, photo, args.saves, args.database_url, work))
        megabytes = photo.stat().st_size / 2**20
    lines = [
        f"# Saving a 12-megapixel photo in the admin, {database}, {datetime.date.today():%Y-%m-%d}",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end "
        "(the machine is shared: compare rows of one run, not runs). "
        f"Photo: 4000 × 3000 JPEG, {megabytes:.1f} MB, saved "
        f"{args.saves} times per checkout through /admin/office/image/add/ (test client, "
        "superuser). Seconds; median (min–max).",
        "",
        "| checkout | admin save (the editor waits, the transaction is open) "
        "| worker: one photo's renditions | worker: all, wall |",
        "| --- | ---: | ---: | ---: |",
        *(describe(row) for row in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    name = f"{datetime.date.today():%Y-%m-%d}-photo-save-{database}.md"
    (ROOT / "bench" / "results" / name).write_text(text)


if __name__ == "__main__":
    main()
