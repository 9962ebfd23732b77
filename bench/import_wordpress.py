#!/usr/bin/env python3
"""Time `import_wordpress` on generated exports and compare its peak memory by export size.

    bench/import_wordpress.py                         # 1,000 and 5,000 posts, SQLite
    bench/import_wordpress.py --posts 5000            # one size
    bench/import_wordpress.py --database-url postgres://postgres@127.0.0.1:5432/plenum_bench

Each size runs on a fresh database (a SQLite file in a temporary folder, or a
PostgreSQL database dropped and created, only if its name contains "bench"):
migrate, then the import in a process of its own, which reports its wall time
and peak RSS (getrusage). The export has no photos: classic and block posts
with shortcodes, an embed, links between posts, 20 categories (some nested)
and 50 tags. Memory that does not grow with the file is the point of
streaming: the peak at 5,000 posts should be close to the one at 1,000.
Prints a Markdown table and writes it to bench/results/<date>-import-wordpress-<db>.md.
"""

import argparse
import datetime
import json
import os
import platform
import random
import secrets
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

SITE = "https://www.beispiel-mdl.de"
TARGET_SECONDS = 60
WORDS = [
    "Landtag",
    "Haushalt",
    "Schule",
    "Verkehr",
    "Kommune",
    "Förderung",
    "Antrag",
    "Ausschuss",
    "Wahlkreis",
    "Bürgerinnen",
    "Bürger",
    "Zukunft",
    "Klima",
    "Energie",
    "Digitalisierung",
    "Polizei",
    "Pflege",
    "Kita",
    "Radweg",
    "Bahn",
    "Investition",
    "Mittelstand",
    "Handwerk",
    "Hochschule",
    "Forschung",
    "Sicherheit",
    "Ehrenamt",
    "Sport",
    "Kultur",
    "Heimat",
]


def cdata(text):
    return f"<![CDATA[{text}]]>"


def sentence(rng, n=14):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def post_xml(rng, number, posts):
    day = datetime.date(2012, 1, 1) + datetime.timedelta(days=number % 4700)
    slug = f"meldung-{number}"
    other = rng.randrange(1, posts + 1)
    paragraphs = [sentence(rng, rng.randrange(30, 80)) for _ in range(rng.randrange(3, 7))]
    if number % 2:
        content = "\n\n".join(paragraphs)
        content += f'\n\n[caption id="" width="600"]<img src="{SITE}/x.jpg" /> Bild[/caption]'
        content += f'\n\nSiehe <a href="{SITE}/?p={other}">auch hier</a>.'
    else:
        content = "\n\n".join(
            f"<!-- wp:paragraph -->\n<p>{p}</p>\n<!-- /wp:paragraph -->" for p in paragraphs
        )
        content += '\n\n<!-- wp:html --><iframe src="https://www.youtube.com/embed/x"></iframe>'
    status = rng.choices(["publish", "draft", "pending", "future", "private"], [90, 4, 2, 2, 2])[0]
    categories = "".join(
        f'<category domain="category" nicename="kategorie-{c}"><![CDATA[K {c}]]></category>'
        for c in rng.sample(range(20), 2)
    )
    tags = "".join(
        f'<category domain="post_tag" nicename="thema-{t}"><![CDATA[T {t}]]></category>'
        for t in rng.sample(range(50), 3)
    )
    date = f"{day:%Y-%m-%d} 09:00:00"
    return f"""
    <item>
        <title>{sentence(rng, 8)}</title>
        <link>{SITE}/{day:%Y/%m/%d}/{slug}/</link>
        <dc:creator>{cdata("redaktion")}</dc:creator>
        <guid isPermaLink="false">{SITE}/?p={number}</guid>
        <content:encoded>{cdata(content)}</content:encoded>
        <excerpt:encoded>{cdata(sentence(rng) if number % 3 else "")}</excerpt:encoded>
        <wp:post_id>{number}</wp:post_id>
        <wp:post_date>{cdata(date)}</wp:post_date>
        <wp:post_date_gmt>{cdata(date)}</wp:post_date_gmt>
        <wp:post_name>{cdata(slug)}</wp:post_name>
        <wp:status>{cdata(status)}</wp:status>
        <wp:post_parent>0</wp:post_parent>
        <wp:post_type>{cdata("post")}</wp:post_type>
        <wp:post_password>{cdata("")}</wp:post_password>
        {categories}{tags}
        <wp:comment><wp:comment_id>1</wp:comment_id>
            <wp:comment_content>{cdata(sentence(rng))}</wp:comment_content></wp:comment>
    </item>"""


def write_export(path, posts):
    """Write an export of `posts` posts, one at a time, as WordPress would."""
    rng = random.Random(posts)
    with open(path, "w", encoding="utf-8") as file:
        file.write(f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
    xmlns:content="http://purl.org/rss/1.0/modules/content/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
    <title>Beispiel MdL</title>
    <link>{SITE}</link>
    <wp:wxr_version>1.2</wp:wxr_version>
    <wp:base_site_url>{SITE}</wp:base_site_url>
    <wp:base_blog_url>{SITE}</wp:base_blog_url>
    <wp:author><wp:author_login>{cdata("redaktion")}</wp:author_login>
        <wp:author_display_name>{cdata("Redaktion")}</wp:author_display_name></wp:author>
""")
        for c in range(20):
            parent = f"kategorie-{c - 10}" if c >= 10 else ""
            file.write(
                f"<wp:category><wp:category_nicename>kategorie-{c}</wp:category_nicename>"
                f"<wp:category_parent>{parent}</wp:category_parent>"
                f"<wp:cat_name>{cdata(f'K {c}')}</wp:cat_name></wp:category>\n"
            )
        for t in range(50):
            file.write(
                f"<wp:tag><wp:tag_slug>thema-{t}</wp:tag_slug>"
                f"<wp:tag_name>{cdata(f'T {t}')}</wp:tag_name></wp:tag>\n"
            )
        for number in range(1, posts + 1):
            file.write(post_xml(rng, number, posts))
        file.write("\n</channel>\n</rss>\n")


def child(export):
    """Run the import in this process; print its seconds and peak RSS as JSON."""
    import io
    import resource

    import django

    django.setup()
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("import_wordpress", export, stdout=out, stderr=err)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "seconds": seconds,
        # CPU time as well: on a machine shared with others, wall time also counts waiting.
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "report": out.getvalue().splitlines(),
    }
    print(json.dumps(figures))


def fresh_database(database_url, tmp, posts):
    if not database_url:
        return f"sqlite:///{tmp / f'import-{posts}.sqlite3'}"
    name = urlsplit(database_url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit("Refusing to drop a database whose name does not contain 'bench'.")
    import psycopg

    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return database_url


def measure(posts, database_url, tmp):
    export = tmp / f"export-{posts}.xml"
    write_export(export, posts)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "office.settings",
        "DATABASE_URL": fresh_database(database_url, tmp, posts),
        "SECRET_KEY": f"bench-{secrets.token_urlsafe(40)}",
        "MEDIA_ROOT": str(tmp / "media"),
        "CACHE_STATE_DIR": str(tmp / f"state-{posts}"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    python = str(VENV / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [python, __file__, "--child", str(export)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(result.stderr)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["posts"] = posts
    figures["file_mb"] = export.stat().st_size / 2**20
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, action="append", help="posts per export (repeatable)")
    parser.add_argument("--database-url", help="a PostgreSQL URL whose name contains 'bench'")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    sizes = args.posts or [1000, 5000]
    database = "postgresql" if args.database_url else "sqlite"
    rows = []
    with tempfile.TemporaryDirectory(prefix="plenum-import-") as folder:
        for posts in sizes:
            print(f"{posts} Beiträge …", file=sys.stderr)
            rows.append(measure(posts, args.database_url, Path(folder)))
    lines = [
        f"# import_wordpress, {database}, {datetime.date.today():%Y-%m-%d}",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Target: {TARGET_SECONDS} s for 5,000 posts, peak "
        "memory not growing with the export.",
        "",
        "| posts | export (MB) | seconds | CPU seconds | posts/s | peak RSS (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['posts']} | {row['file_mb']:.1f} | {row['seconds']:.1f} | "
            f"{row['cpu_seconds']:.1f} | "
            f"{row['posts'] / row['seconds']:.0f} | {row['peak_mb']:.0f} |"
        )
    report = rows[-1]["report"]
    # The counts; the notes on single posts (private ones, here) only as their number.
    notes = report.index("Hinweise:") if "Hinweise:" in report else len(report)
    report = [*report[:notes], f"({len(report[notes + 1 :])} Hinweise zu einzelnen Beiträgen)"]
    lines += ["", "Report of the largest run:", "", "```", *report, "```", ""]
    text = "\n".join(lines)
    print(text)
    results = (
        ROOT
        / "bench"
        / "results"
        / f"{datetime.date.today():%Y-%m-%d}-import-wordpress-{database}.md"
    )
    results.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
