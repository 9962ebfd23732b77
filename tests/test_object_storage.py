"""Media on an S3-compatible object store (moto's S3 server on loopback), and the store away."""

import hashlib
import io
import json
import secrets
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from PIL import Image as PILImage
from pypdf import PdfReader

from office.admin.uploads import STORAGE_AWAY
from office.media import images
from office.models import Image
from releases.models import Release, ReleaseAttachment
from tests.kit.cluster import running_object_store
from tests.kit.factories import make_release, media_files, photo, photo_image
from tests.kit.pages import admin_page

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def object_store(tmp_path_factory):
    with running_object_store(tmp_path_factory.mktemp("s3")) as store:
        yield store


@pytest.fixture
def bucket(settings, object_store):
    """A fresh bucket of the shared S3 server as the media storage."""
    object_store.create_bucket(f"plenum-{secrets.token_hex(4)}")
    settings.STORAGES = {**settings.STORAGES, "default": object_store.storage_options}
    return object_store


@pytest.fixture
def store_going_away(settings, tmp_path):
    """An S3 server of this test's own, which the test stops."""
    with running_object_store(tmp_path) as store:
        settings.STORAGES = {**settings.STORAGES, "default": store.storage_options}
        yield store


def upload_photo(client, content, alt_text="Der Abgeordnete am Rednerpult"):
    data = {
        "alt_text": alt_text,
        "caption": "",
        "credit": "",
        "focal_x": 50,
        "focal_y": 50,
        "file": SimpleUploadedFile("handy.jpg", content),
    }
    return client.post("/admin/office/image/add/", data)


def attach_pdf(client, release):
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_page(client.get(url)).form | {
        "releaseattachment_set-TOTAL_FORMS": "1",
        "releaseattachment_set-0-order": "1",
        "releaseattachment_set-0-title": "Studie",
        "releaseattachment_set-0-file": SimpleUploadedFile("studie.pdf", blank_pdf()),
    }
    return client.post(url, data)


def blank_pdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def hashes(store):
    return {name: hashlib.sha256(store.read(name)).hexdigest() for name in store.object_names()}


def streamed(response):
    return b"".join(response.streaming_content)


# Every path that writes or reads media, on the object store


def test_uploaded_photo_and_its_renditions_are_stored_in_the_bucket_only(officer_client, bucket):
    response = upload_photo(officer_client, photo("JPEG", size=(1000, 750)))

    assert response.status_code == 302
    image = Image.objects.get()
    keys = bucket.object_names()
    assert image.file.name in keys
    assert set(images.rendition_names(image.file.name, image.renditions)) <= set(keys)
    assert media_files() == []  # nothing under MEDIA_ROOT
    with PILImage.open(io.BytesIO(bucket.read(image.file.name))) as stored:
        assert stored.size == (1000, 750)
        assert not stored.getexif()  # GPS and camera gone on the store, too


def test_media_are_named_under_the_sites_own_address_for_the_proxy(bucket, client, profile):
    image = photo_image(size=(1000, 750))
    release = make_release(hero_image=image)

    page = client.get(release.get_absolute_url()).content.decode()

    assert image.file.url == f"/media/{image.file.name}"
    assert image.picture()["src"].startswith("/media/bilder/")
    assert f'src="{image.picture()["src"]}"' in page
    assert bucket.endpoint.removeprefix("http://") not in page


def test_press_photo_attachment_pdf_and_card_are_read_from_the_bucket(
    officer_client, bucket, client, profile
):
    image = photo_image(size=(1000, 750))
    release = make_release(hero_image=image)
    assert attach_pdf(officer_client, release).status_code == 302
    attachment = ReleaseAttachment.objects.get()
    without_photo = make_release()

    photo_download = client.get(f"{release.get_absolute_url()}foto/{image.pk}/")
    attachment_download = client.get(f"{release.get_absolute_url()}anhang/{attachment.pk}/")
    pdf = client.get(f"{release.get_absolute_url()}pdf/")
    card = client.get(f"{without_photo.get_absolute_url()}vorschaubild.png")

    assert streamed(photo_download) == bucket.read(image.file.name)
    assert streamed(attachment_download) == bucket.read(attachment.file.name)
    assert pdf.status_code == 200
    assert PdfReader(io.BytesIO(pdf.content)).pages[0].images  # the photo, read from the store
    assert card.status_code == 200
    assert card.content in [bucket.read(key) for key in bucket.object_names("karten/")]


def test_backup_holds_every_object_and_restore_writes_them_to_an_empty_bucket(
    tmp_path, bucket, settings
):
    image = photo_image(size=(900, 600))
    make_release(hero_image=image)
    before = hashes(bucket)
    archive = tmp_path / "sicherung.tar.gz"

    call_command("backup", str(archive), stdout=io.StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    bucket.create_bucket(f"plenum-leer-{secrets.token_hex(4)}")
    settings.STORAGES = {**settings.STORAGES, "default": bucket.storage_options}
    call_command("restore", str(archive), stdout=io.StringIO())

    media = {
        name.removeprefix("media/"): digest
        for name, digest in manifest["files"].items()
        if name.startswith("media/")
    }
    assert media == before
    assert hashes(bucket) == before
    assert Image.objects.get().file.name == image.file.name


# The store away


def test_readers_get_pages_and_feeds_while_the_object_store_is_away(
    store_going_away, client, profile
):
    image = photo_image(size=(1000, 750))
    release = make_release(hero_image=image)
    without_photo = make_release()
    store_going_away.stop()
    reader = Client(raise_request_exception=False)

    pages = [reader.get(path) for path in ("/", release.get_absolute_url(), "/pressemitteilungen/")]
    feed = reader.get("/pressemitteilungen/feed/")
    card = reader.get(f"{without_photo.get_absolute_url()}vorschaubild.png")
    download = reader.get(f"{release.get_absolute_url()}foto/{image.pk}/")
    pdf = reader.get(f"{release.get_absolute_url()}pdf/")

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert image.picture()["src"] in pages[1].content.decode()  # the image itself may fail
    assert feed.status_code == 200
    assert card.status_code == 200
    assert card["Content-Type"] == "image/png"
    for answer in (download, pdf):
        # The German maintenance page, which no cache keeps, not a server error.
        assert answer.status_code == 503
        assert "Die Website ist gleich wieder da" in answer.content.decode()
        assert "no-store" in answer["Cache-Control"]


def test_photo_upload_while_the_store_is_away_is_refused_in_german_and_nothing_is_kept(
    store_going_away, officer_client
):
    store_going_away.stop()

    response = upload_photo(officer_client, photo("JPEG"), alt_text="Am Rednerpult, Mai 2026")

    assert response.status_code == 200
    page = response.content.decode()
    assert str(STORAGE_AWAY) in page
    assert "Am Rednerpult, Mai 2026" in page  # the editor's input is still in the form
    assert Image.objects.count() == 0
    assert media_files() == []


def test_attachment_while_the_store_is_away_leaves_the_release_as_it_was(
    store_going_away, officer_client
):
    release = make_release(title="Vor dem Ausfall")
    store_going_away.stop()
    url = f"/admin/releases/release/{release.pk}/change/"
    data = admin_page(officer_client.get(url)).form | {
        "title": "Mit Anhang",
        "releaseattachment_set-TOTAL_FORMS": "1",
        "releaseattachment_set-0-order": "1",
        "releaseattachment_set-0-title": "Studie",
        "releaseattachment_set-0-file": SimpleUploadedFile("studie.pdf", blank_pdf()),
    }

    response = officer_client.post(url, data)

    assert response.status_code == 200
    assert str(STORAGE_AWAY) in response.content.decode()
    release.refresh_from_db()
    assert release.title == "Vor dem Ausfall"
    assert ReleaseAttachment.objects.count() == 0
    assert Release.objects.count() == 1


def test_photo_uploaded_once_the_store_is_back_is_stored(store_going_away, officer_client):
    store_going_away.stop()
    assert upload_photo(officer_client, photo("JPEG")).status_code == 200

    store_going_away.start()
    store_going_away.create_bucket()
    response = upload_photo(officer_client, photo("JPEG"))

    assert response.status_code == 302
    assert Image.objects.get().file.name in store_going_away.object_names()
