"""Photo renditions as background work: the save enqueues, a real `db_worker` makes them.

Until the worker has made them, readers get the clean original (same random
name) with its size; the worker's update renews the page cache. A task of an
outdated version records nothing, and a worker killed mid-task loses nothing
that `manage.py renditions` (run before every worker start) does not make.
"""

import datetime
import io
import os
import re
import signal
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image as PILImage, ImageFilter

from office.admin.images import RENDITIONS_PENDING, WORKER_BEHIND
from office.media import images
from office.models import Image
from office.models.images import RENDITION_ATTEMPTS, RENDITION_RETRY, make_image_renditions
from releases.models import Release
from tests.kit.factories import change_url, make_release, media_files, photo, photo_image
from tests.kit.servers import fetch, manage, running_gunicorn, running_worker, server_database_url
from tests.kit.tasks import write_line

pytestmark = pytest.mark.django_db

SECONDS = 180  # what the slowest step may take on a shared, busy machine


def upload(client, content, **fields):
    data = {
        "alt_text": "Die Abgeordnete im Gespräch",
        "caption": "",
        "credit": "",
        "focal_x": 50,
        "focal_y": 50,
        "file": SimpleUploadedFile("foto.jpg", content),
        **fields,
    }
    return client.post("/admin/office/image/add/", data, follow=True)


def change(client, image, **fields):
    data = {"alt_text": image.alt_text, "caption": image.caption, "credit": image.credit}
    data |= {"focal_x": 50, "focal_y": 50, **fields}
    return client.post(change_url(image), data)


def twelve_megapixels():
    """Return a 4000 × 3000 JPEG with a camera's grain: seconds of encoding for the worker."""
    base = PILImage.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    grain = PILImage.effect_noise((4000, 3000), 40).convert("RGB").filter(ImageFilter.BoxBlur(1))
    buffer = io.BytesIO()
    PILImage.blend(base, grain, 0.5).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def wait_for(condition, what):
    deadline = time.monotonic() + SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {SECONDS} s for {what}")
        time.sleep(0.05)


def renditions_of(image):
    return Image.objects.values_list("renditions", flat=True).get(pk=image.pk)


def hero(html):
    """Return the markup of a page's first figure."""
    return re.search(r'<figure class="image">(.*?)</figure>', html, re.S).group(1)


def attribute(markup, name):
    return re.search(rf' {name}="([^"]*)"', markup).group(1)


def worker_settings(settings):
    return {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}


# Before the worker: the clean original, everywhere a reader looks


@pytest.mark.usefixtures("task_queue")
def test_before_the_worker_pages_pdf_and_social_tags_use_the_clean_original(
    approver_client, client, profile, settings
):
    settings.ROOT_URLCONF = "tests.kit.public_site"  # serves /media/ as the proxy does

    response = upload(approver_client, photo(size=(1600, 1200), orientation=6))
    image = Image.objects.get()
    make_release(slug="mit-foto", hero_image=image)
    page = client.get("/pressemitteilungen/mit-foto/").content.decode()
    figure = hero(page)
    original = client.get(attribute(figure, "src"))
    pdf = client.get("/pressemitteilungen/mit-foto/pdf/")

    assert str(RENDITIONS_PENDING) in response.text
    assert list(DBTaskResult.objects.values_list("status", "args_kwargs")) == [
        ("READY", {"args": [image.pk, images.rendition_key(image)], "kwargs": {}})
    ]
    assert (image.renditions, "<picture>" in figure) == ({}, False)
    assert attribute(figure, "src") == image.file.url
    assert (attribute(figure, "width"), attribute(figure, "height")) == ("1200", "1600")
    assert (original.status_code, original["Content-Type"]) == (200, "image/jpeg")
    with PILImage.open(io.BytesIO(b"".join(original.streaming_content))) as served:
        assert (served.size, dict(served.getexif())) == ((1200, 1600), {})
    assert f'<meta property="og:image" content="{settings.SITE_URL}{image.file.url}">' in page
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


@pytest.mark.usefixtures("task_queue")
def test_a_focal_point_change_keeps_the_old_renditions_until_the_new_ones_exist(
    approver_client, client, profile
):
    image = photo_image(size=(1000, 750))
    image.make_renditions()  # as the worker would; its task stays queued
    shown_before = hero(client.get(make_release(hero_image=image).get_absolute_url()).text)

    change(approver_client, image, focal_y=10)

    image.refresh_from_db()
    shown = hero(client.get(Release.objects.get().get_absolute_url()).text)
    assert (image.has_current_renditions(), shown) == (False, shown_before)
    assert all(Path(image.file.storage.path(name)).exists() for name in image_files(image)[1:])


def image_files(image):
    return [image.file.name, *images.rendition_names(image.file.name, image.renditions)]


def test_an_upload_while_tasks_wait_for_minutes_tells_the_editor_the_worker_is_behind(
    approver_client, tmp_path, task_queue
):
    write_line.enqueue(str(tmp_path / "trace.txt"), "liegen geblieben")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=3))

    response = upload(approver_client, photo(size=(800, 600)))

    assert str(WORKER_BEHIND) in response.text
    assert str(RENDITIONS_PENDING) not in response.text


def test_a_deferred_task_just_due_is_no_sign_of_a_stopped_worker(
    approver_client, tmp_path, task_queue
):
    now = timezone.now()
    due = write_line.using(run_after=now - datetime.timedelta(seconds=30))
    due.enqueue(str(tmp_path / "trace.txt"), "seit gestern geplant")
    DBTaskResult.objects.update(enqueued_at=now - datetime.timedelta(days=1))

    response = upload(approver_client, photo(size=(800, 600)))

    assert str(RENDITIONS_PENDING) in response.text
    assert str(WORKER_BEHIND) not in response.text


def test_renditions_the_storage_refuses_are_tried_again_later(approver_client, task_queue):
    upload(approver_client, photo(size=(800, 600)))
    image = Image.objects.get()
    key = images.rendition_key(image)
    # A file where the renditions' folder must go: the storage refuses, as a full disk would.
    blocked = Path(settings.MEDIA_ROOT, images.rendition_folder(image.file.name))
    blocked.write_bytes(b"")
    refused_at = timezone.now()

    with pytest.raises(OSError):
        make_image_renditions.call(image.pk, key)
    retry = DBTaskResult.objects.exclude(args_kwargs__args=[image.pk, key]).get()
    blocked.unlink()
    made = make_image_renditions.call(*retry.args_kwargs["args"])

    assert retry.args_kwargs["args"] == [image.pk, key, 2]
    assert refused_at + RENDITION_RETRY <= retry.run_after <= timezone.now() + RENDITION_RETRY
    assert made is True
    assert Image.objects.get().has_current_renditions()


def test_a_storage_refusing_for_an_hour_fails_the_task_for_good(approver_client, task_queue):
    upload(approver_client, photo(size=(800, 600)))
    image = Image.objects.get()
    key = images.rendition_key(image)
    Path(settings.MEDIA_ROOT, images.rendition_folder(image.file.name)).write_bytes(b"")

    with pytest.raises(OSError):
        make_image_renditions.call(image.pk, key, RENDITION_ATTEMPTS)

    assert DBTaskResult.objects.count() == 1  # the upload's own; no further retry


# A task that comes too late


def test_a_late_task_of_an_old_focal_point_records_nothing_and_removes_its_files(
    approver_client,
):
    image = photo_image(size=(1000, 750))
    late = Image.objects.get(pk=image.pk)  # a task that loaded this version, then took long

    change(approver_client, image, focal_y=10)  # its renditions are made at once in tests
    recorded = late.make_renditions()

    image.refresh_from_db()
    assert (recorded, image.focal_y) == (False, 10)
    assert media_files() == sorted(image_files(image))


def test_a_late_task_of_a_deleted_image_leaves_no_file(django_capture_on_commit_callbacks):
    image = photo_image(size=(1000, 750))
    late = Image.objects.get(pk=image.pk)

    with django_capture_on_commit_callbacks() as deleted_at_commit:
        image.delete()  # its original stays until the commit
    recorded = late.make_renditions()
    left = media_files()
    for callback in deleted_at_commit:
        callback()

    assert (recorded, left, media_files()) == (False, [image.file.name], [])


# The real worker


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("task_queue")
def test_with_the_worker_down_readers_get_the_original_and_its_task_runs_once_when_it_comes(
    approver_client, profile, settings, tmp_path
):
    upload(approver_client, photo(size=(1600, 1200)))
    image = Image.objects.get()
    release = make_release(slug="mit-foto", hero_image=image)
    address = "/pressemitteilungen/mit-foto/"

    with running_gunicorn(tmp_path, **worker_settings(settings)) as site:
        before = fetch(site + address)
        # Changed without a signal: only a renewed generation can show it.
        Release.objects.filter(pk=release.pk).update(lead="Nach dem Speichern im Cache")
        cached = fetch(site + address)
        with running_worker(tmp_path, **worker_settings(settings)):
            wait_for(lambda: renditions_of(image), "the worker's renditions")
        after = fetch(site + address)

    image.refresh_from_db()
    task = DBTaskResult.objects.get()
    assert (before[0], cached, after[0]) == (200, before, 200)
    assert attribute(hero(before[1]), "src") == image.file.url
    assert "<picture>" not in before[1]
    assert "Nach dem Speichern im Cache" in after[1]
    sources = re.findall(r'<source type="([^"]+)" srcset="([^"]+)"', hero(after[1]))
    assert [kind for kind, _srcset in sources] == ["image/avif", "image/webp"]
    assert (task.status, task.return_value, len(task.worker_ids)) == ("SUCCESSFUL", True, 1)
    assert media_files() == sorted(image_files(image))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("task_queue")
def test_tasks_of_a_replaced_focal_point_or_file_or_a_deleted_image_write_nothing(
    approver_client, settings, tmp_path
):
    upload(approver_client, photo(size=(1200, 900)))
    image = Image.objects.get()
    change(approver_client, image, focal_x=20)
    new_file = SimpleUploadedFile("neu.jpg", photo(size=(900, 600)))
    change(approver_client, image, focal_x=20, file=new_file)
    upload(approver_client, photo(size=(800, 600)), alt_text="Gleich wieder gelöscht")
    Image.objects.get(alt_text="Gleich wieder gelöscht").delete()

    with running_worker(tmp_path, **worker_settings(settings)):
        wait_for(
            lambda: not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
            "the queue to drain",
        )

    image.refresh_from_db()
    tasks = DBTaskResult.objects.order_by("enqueued_at")
    assert [(task.status, task.return_value) for task in tasks] == [
        ("SUCCESSFUL", False),  # the first focal point
        ("SUCCESSFUL", False),  # the second, replaced with the file
        ("SUCCESSFUL", True),
        ("SUCCESSFUL", False),  # the deleted image
    ]
    assert (image.renditions["sizes"][-1], image.focal_x) == ([900, 600], 20)
    assert media_files() == sorted(image_files(image))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("task_queue")
def test_a_worker_killed_mid_task_loses_no_photo_and_renditions_makes_it_once(
    approver_client, profile, settings, tmp_path
):
    upload(approver_client, twelve_megapixels())
    image = Image.objects.get()
    make_release(slug="mit-foto", hero_image=image)
    task = DBTaskResult.objects.get()

    with running_worker(tmp_path, **worker_settings(settings)) as worker:
        wait_for(lambda: DBTaskResult.objects.get().status == "RUNNING", "the task to start")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=SECONDS)
    # The worker comes back: a task queued after the kill runs, the killed one stays claimed.
    trace = tmp_path / "trace.txt"
    write_line.enqueue(str(trace), "wieder da")
    with running_worker(tmp_path, **worker_settings(settings)):
        wait_for(trace.exists, "the restarted worker")
    killed = DBTaskResult.objects.get(pk=task.pk)
    page = Client().get("/pressemitteilungen/mit-foto/").text
    environment = {"DATABASE_URL": server_database_url(), **worker_settings(settings)}
    environment["CACHE_STATE_DIR"] = str(tmp_path / "cache-state")
    recovery = manage("renditions", **environment)
    again = manage("renditions", **environment)

    image.refresh_from_db()
    # django-tasks-db never hands a claimed task to another worker: it stays RUNNING.
    assert (killed.status, killed.finished_at) == ("RUNNING", None)
    assert attribute(hero(page), "src") == image.file.url
    assert (recovery.stdout, again.stdout) == (
        "Bildvarianten erzeugt: 1\n",
        "Bildvarianten erzeugt: 0\n",
    )
    assert image.has_current_renditions()
    assert media_files() == sorted(image_files(image))
