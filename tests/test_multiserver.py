"""Several app servers: two gunicorns behind nginx, one PostgreSQL, one Redis, S3, one worker.

Everything runs as real processes on loopback (tests/kit/cluster.py): nginx with
deploy/nginx.conf, two gunicorns with production settings, `manage.py db_worker`,
moto's S3 server, a PostgreSQL database made for this module (also when the rest
of the suite runs on SQLite) and Redis database 6. The processes share nothing but
these services, as hosts would. Clocks cannot be moved across processes, so the
embargo is real: a few seconds ahead, and every answer is judged by when it was
asked and received.

Run with `make test-multiserver` (CI runs it as a step of its own).
"""

import datetime
import threading
import time
import zoneinfo
from collections import Counter

import pytest
import redis

from tests.kit.cluster import (
    REDIS_DB,
    AdminSession,
    AppServer,
    get,
    manage_in,
    production_environment,
    running_nginx,
    running_object_store,
    running_process,
    scratch_postgres_database,
)
from tests.kit.factories import PASSWORD, photo

pytestmark = pytest.mark.multiserver

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Short, so that the test can wait for it; production keeps 60 s (README, "Production").
PROXY_MAX_AGE = 4

SEED = f"""
from django.contrib.auth.models import Group, User
from tests.kit.factories import make_category, make_profile, make_release
make_profile()
make_category(name="Aus dem Landtag", slug="aus-dem-landtag")
make_release(title="Haushalt beschlossen", slug="haushalt-beschlossen")
make_release(title="Schulbau im Kreis", slug="schulbau-im-kreis")
editor = User.objects.create_user("freigabe", password="{PASSWORD}", is_staff=True)
editor.groups.add(Group.objects.get(name="Freigabe"))
"""


class Layout:
    def __init__(self, directory, database_url, store, environment):
        self.directory, self.database_url, self.store = directory, database_url, store
        self.environment = environment
        self.servers = [
            AppServer(name, environment, directory, workers=2) for name in ("app-a", "app-b")
        ]
        self.a, self.b = self.servers
        self.proxy = None
        self.trace = directory / "tasks.txt"

    def editor(self, server):
        session = AdminSession(server.url)
        session.log_in("freigabe", PASSWORD)
        return session

    def query(self, sql, *parameters):
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            return connection.execute(sql, parameters).fetchone()[0]

    def change_path(self, slug):
        pk = self.query("SELECT id FROM releases_release WHERE slug = %s", slug)
        return f"/admin/releases/release/{pk}/change/"

    def save_release(self, session, path, **changes):
        data = session.form(path) | changes | {"_save": "Sichern"}
        response = session.post(path, data)
        assert response.status == 302, response.text[-3000:]
        return response


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    directory = tmp_path_factory.mktemp("layout")
    # PostgreSQL and Redis must answer: this layout cannot be tested without them.
    redis.Redis(db=REDIS_DB, socket_connect_timeout=5).flushdb()
    with (
        scratch_postgres_database() as database_url,
        running_object_store(directory) as store,
    ):
        environment = production_environment(
            directory,
            database_url,
            store,
            DJANGO_SETTINGS_MODULE="tests.cluster_settings",
            PROXY_MAX_AGE=str(PROXY_MAX_AGE),
            PLENUM_TASK_TRACE=str(directory / "tasks.txt"),
        )
        manage_in(environment, "migrate", "--noinput")
        manage_in(environment, "shell", "-c", SEED)
        layout = Layout(directory, database_url, store, environment)
        worker = [
            "python",
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ]
        worker[0] = __import__("sys").executable
        try:
            for server in layout.servers:
                server.start()
            with (
                running_process(directory, "worker", worker, environment) as layout.worker,
                running_nginx(directory / "nginx", layout.servers, store) as layout.proxy,
            ):
                yield layout
        finally:
            for server in layout.servers:
                server.stop()
            redis.Redis(db=REDIS_DB).flushdb()


def test_an_edit_through_one_app_server_is_fresh_on_the_other_at_once(layout):
    path = "/pressemitteilungen/haushalt-beschlossen/"
    for _ in range(2):  # the second answer comes from the page cache in Redis
        assert "Haushalt beschlossen" in get(layout.b.url + path).text
    editor = layout.editor(layout.a)

    layout.save_release(
        editor, layout.change_path("haushalt-beschlossen"), title="Haushalt 2027 beschlossen"
    )

    assert "Haushalt 2027 beschlossen" in get(layout.b.url + path).text
    assert "Haushalt 2027 beschlossen" in get(layout.b.url + "/pressemitteilungen/").text


def test_an_embargo_ends_in_its_second_on_both_servers_and_through_the_proxy(layout):
    editor = layout.editor(layout.a)
    # The Freigabe sets a Sperrfrist to the minute: the next one at least 15 s ahead.
    ends = (datetime.datetime.now(BERLIN) + datetime.timedelta(seconds=75)).replace(
        second=0, microsecond=0
    )
    layout.save_release(
        editor,
        "/admin/releases/release/add/",
        title="Gesperrt bis gleich",
        slug="gesperrt-bis-gleich",
        lead="Sperrfrist",
        body="<p>Text</p>",
        category="1",
        _decision="approve",
        embargo=ends.strftime("%Y-%m-%dT%H:%M"),
    )
    addresses = [
        layout.proxy + "/pressemitteilungen/",
        layout.proxy + "/pressemitteilungen/feed/",
        layout.proxy + "/pressemitteilungen/gesperrt-bis-gleich/",
        layout.a.url + "/pressemitteilungen/",
        layout.b.url + "/pressemitteilungen/",
    ]
    deadline = ends.timestamp() + 4
    seen = []  # (address, asked, received, shown, cache status)
    while time.time() < deadline:
        for address in addresses:
            asked = time.time()
            response = get(address)
            received = time.time()
            shown = response.status == 200 and "Gesperrt bis gleich" in response.text
            assert response.status in (200, 404), (address, response.status)
            seen.append((address, asked, received, shown, response.headers["X-Cache-Status"]))
        time.sleep(0.05)

    early = [s for s in seen if s[3] and s[2] < ends.timestamp()]
    missed = [s for s in seen if not s[3] and s[1] >= ends.timestamp()]
    assert early == []  # never before its second
    assert missed == []  # and never missed once it has come, not even from nginx's cache
    held = [s for s in seen if s[0].startswith(layout.proxy) and s[4] == "HIT" and not s[3]]
    assert held, "the proxy kept no page before the embargo's end: nothing was tested"
    assert {s[0] for s in seen if s[3]} == set(addresses)


def test_an_edit_reaches_readers_through_the_proxy_within_its_max_age(layout):
    path = layout.proxy + "/pressemitteilungen/schulbau-im-kreis/"
    etag = get(path).headers["ETag"]
    kept = get(path, **{"If-None-Match": etag})
    assert (kept.status, kept.headers["X-Cache-Status"]) == (304, "HIT")  # answered by nginx
    editor = layout.editor(layout.b)

    layout.save_release(
        editor, layout.change_path("schulbau-im-kreis"), title="Schulbau im Kreis verschoben"
    )
    saved = time.time()
    answers = []
    while time.time() < saved + PROXY_MAX_AGE * 1.5 + 3:
        asked = time.time()
        answers.append((asked, "verschoben" in get(path).text))
        time.sleep(0.1)

    # s-maxage plus stale-while-revalidate, and the second nginx counts in.
    bound = PROXY_MAX_AGE + PROXY_MAX_AGE // 2 + 1
    assert all(fresh for asked, fresh in answers if asked > saved + bound)
    first_fresh = next(asked for asked, fresh in answers if fresh)
    print(f"edit reached readers through the proxy after {first_fresh - saved:.1f} s")


def test_a_photo_uploaded_through_one_server_is_served_by_the_other_and_the_proxy(layout):
    editor = layout.editor(layout.a)
    form = editor.form("/admin/office/image/add/") | {
        "alt_text": "Der Abgeordnete im Plenarsaal",
        "focal_x": "50",
        "focal_y": "50",
        "_save": "Sichern",
    }
    upload = editor.post(
        "/admin/office/image/add/",
        form,
        files={"file": ("plenarsaal.jpg", photo("JPEG", size=(1200, 900)), "image/jpeg")},
    )
    assert upload.status == 302, upload.text[-2000:]
    image_id = layout.query("SELECT max(id) FROM office_image")
    originals = [key for key in layout.store.object_names("bilder/") if key.count("/") == 1]
    assert len(originals) == 1
    layout.save_release(editor, layout.change_path("gesperrt-bis-gleich"), hero_image=image_id)

    page = get(layout.b.url + "/pressemitteilungen/gesperrt-bis-gleich/").text
    rendition = page.split('<img src="/media/')[1].split('"')[0]
    through_proxy = get(f"{layout.proxy}/media/{rendition}")
    download = get(f"{layout.b.url}/pressemitteilungen/gesperrt-bis-gleich/foto/{image_id}/")

    assert through_proxy.status == 200
    assert through_proxy.body == layout.store.read(rendition)
    assert through_proxy.headers["Content-Type"].startswith("image/")
    assert download.status == 200
    assert download.body == layout.store.read(originals[0])
    # The bucket's own API stays closed: no listing, no other method.
    for address in ("/media/", "/media/?list-type=2", "/media/%3Flist-type%3D2", "/media/x"):
        listing = get(layout.proxy + address)
        assert listing.status == 404
        assert b"ListBucketResult" not in listing.body


def test_tasks_enqueued_through_both_app_servers_run_once_on_the_worker(layout):
    for number in range(20):
        server = layout.servers[number % 2]
        answer = AdminSession(server.url).request("/test-aufgabe/", {"zeile": f"{number}"})
        assert answer.status == 202

    deadline = time.time() + 60
    while time.time() < deadline:
        lines = layout.trace.read_text().split() if layout.trace.exists() else []
        if len(lines) >= 20:
            break
        time.sleep(0.2)
    time.sleep(1)  # a task run twice would show within the worker's next polls

    lines = layout.trace.read_text().split()
    assert sorted(lines, key=int) == [str(number) for number in range(20)]
    assert layout.worker.poll() is None  # its own process, still at work


def test_stopping_one_app_server_under_reader_load_loses_no_request(layout):
    # Addresses no cache keeps, so every request reaches an app server.
    stop = threading.Event()
    outcomes = Counter()
    upstreams = Counter()

    def reader(number):
        count = 0
        while not stop.is_set():
            count += 1
            address = f"/pressemitteilungen/?leser={number}-{count}"
            if count % 3 == 0:
                address = f"/suche/?q=Haushalt&leser={number}-{count}"
            try:
                outcomes[get(layout.proxy + address, timeout=30).status] += 1
            except OSError as error:
                outcomes[type(error).__name__] += 1

    readers = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for thread in readers:
        thread.start()
    time.sleep(3)
    before = dict(outcomes)
    layout.a.stop()  # SIGTERM: gunicorn finishes what it started, takes nothing new
    time.sleep(4)
    stop.set()
    for thread in readers:
        thread.join(timeout=60)

    log = (layout.directory / "nginx" / "nginx-access.log").read_text()
    for line in log.splitlines():
        if "leser=" in line:
            upstreams[line.split("upstream=")[1].split()[0]] += 1
    assert set(outcomes) == {200}, outcomes
    assert sum(outcomes.values()) > sum(before.values()) + 10  # readers went on reading
    assert any(str(layout.a.port) in upstream for upstream in upstreams)  # both served
    assert any(str(layout.b.port) in upstream for upstream in upstreams)
