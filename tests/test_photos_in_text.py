"""Photos of the library in a release's text: stored as references, rendered like the hero."""

import io
import re

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from office.publishing import workflow
from office.publishing.revisions import html_to_text, word_diff
from releases.models import Release
from tests.kit.factories import (
    make_image,
    make_release,
    photo_image,
)
from tests.kit.pages import parse_feed, release_form_data
from tests.kit.xss import VECTORS, Markup, offences

pytestmark = pytest.mark.django_db


def placed(image, caption=""):
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f'<figure data-image="{image.pk}">{figcaption}</figure>'


def stored_body(body):
    """Save a release with this text through the model, as commands and imports do."""
    release = make_release(body=body)
    release.refresh_from_db()
    return release.body


# Sanitizing: only references to photos of the library are kept.


def test_a_reference_to_a_library_photo_is_kept_as_it_was_written():
    image = make_image()
    body = f"<p>Vorher</p>{placed(image)}<p>Nachher</p>"

    assert stored_body(body) == body


def test_a_caption_of_its_own_is_kept_as_plain_text():
    image = make_image()
    body = (
        f'<figure data-image="{image.pk}"><figcaption><strong>Im</strong> Plenum &amp; '
        '<a href="https://example.org">danach</a></figcaption></figure>'
    )

    assert stored_body(body) == placed(image, "Im Plenum &amp; danach")


def test_a_reference_to_no_photo_of_the_library_is_dropped():
    image = make_image()
    missing = image.pk + 1000

    body = stored_body(
        f'<p>Text</p><figure data-image="{missing}"><figcaption>Weg</figcaption></figure>'
        '<figure data-image="abc"></figure><figure><figcaption>Ohne Nummer</figcaption></figure>'
        '<figure data-image="99999999999999999999"></figure>'
        f'<figure data-image="{image.pk}" class="x" style="color:red" onclick="alert(1)"></figure>'
    )

    assert body == f"<p>Text</p>{placed(image)}"


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://evil.example/spy.gif" alt="">',
        '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" alt="">',
        '<img src="javascript:alert(1)">',
        '<img src="/media/bilder/echt.jpg" data-image="{pk}">',
        '<img data-file="{pk}" src="x" onerror="alert(1)">',
    ],
)
def test_an_img_is_never_stored_inside_or_outside_a_photo(img):
    image = make_image()
    img = img.format(pk=image.pk)

    body = stored_body(f"<p>a{img}b</p><figure data-image='{image.pk}'>{img}</figure>")

    assert body == f"<p>ab</p>{placed(image)}"


def test_a_nested_figure_and_loose_captions_leave_only_the_outer_reference_and_text():
    outer, inner = make_image(), make_image()

    body = stored_body(
        f'<figure data-image="{outer.pk}"><p>Fremder Text</p>'
        f'<figure data-image="{inner.pk}"><figcaption>Innen</figcaption></figure>'
        "<figcaption>Außen</figcaption></figure><figcaption>Lose</figcaption>"
    )

    assert body == placed(outer, "Innen Außen") + "Lose"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda vector: vector[:40])
def test_hostile_markup_in_and_around_a_photo_leaves_only_the_reference(vector):
    image = make_image()

    body = stored_body(
        f'{vector}<figure data-image="{image.pk}"><figcaption>{vector}</figcaption>'
        f"{vector}</figure>{vector}"
    )

    elements = Markup(body).elements
    # An unclosed vector (<script>, <textarea>) may swallow the photo with the rest.
    photos = [attrs for tag, attrs in elements if tag == "figure"]
    assert photos in ([], [{"data-image": str(image.pk)}])
    assert offences(e for e in elements if e[0] not in ("figure", "figcaption")) == []
    assert [attrs for tag, attrs in elements if tag == "figcaption"] in ([], [{}])


def test_sanitizing_a_text_with_photos_twice_changes_nothing():
    image = make_image()
    release = make_release(body=f"<p>a</p>{placed(image, 'Im Saal &lt;b&gt;')}<p>b</p>")
    release.refresh_from_db()
    first = release.body

    release.save()
    release.refresh_from_db()

    assert release.body == first == f"<p>a</p>{placed(image, 'Im Saal &lt;b&gt;')}<p>b</p>"


def test_the_admin_form_keeps_a_library_photo_and_drops_the_rest(officer_client, category):
    image = make_image()
    body = (
        f'<p>Text</p><figure data-image="{image.pk}"><img src="https://evil.example/x.gif">'
        f'<figcaption>Eigene</figcaption></figure><figure data-image="{image.pk + 99}"></figure>'
        '<img src="data:image/png;base64,iVBORw0KGgo="><img src="javascript:alert(1)">'
    )

    response = officer_client.post(
        "/admin/releases/release/add/", release_form_data(category, body, "mit-foto")
    )

    assert response.status_code == 302
    assert Release.objects.get(slug="mit-foto").body == f"<p>Text</p>{placed(image, 'Eigene')}"


# Rendering: the same <picture> as the hero photo, from the library, in one query.


def prose(response):
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(
        r'<div class="prose">(.*?)</div>\s*(?:<section|<footer|</article)', html, re.S
    )[1]


def hero_figure(response):
    html = response.content.decode()
    return re.search(r'<figure class="image">.*?</figure>', html, re.S)[0]


def test_a_photo_in_the_text_is_the_hero_photo_figure_lazy_loaded(client, profile):
    image = photo_image(caption="Im Plenarsaal")
    make_release(slug="aufmacher", hero_image=image)
    make_release(slug="im-text", body=f"<p>Vorher</p>{placed(image)}<p>Nachher</p>")

    hero = hero_figure(client.get("/pressemitteilungen/aufmacher/"))
    in_text = prose(client.get("/pressemitteilungen/im-text/"))

    expected = hero.replace(' fetchpriority="high"', ' loading="lazy" decoding="async"')
    assert in_text.split("\n", 1)[0] == '<p>Vorher</p><figure class="image">'
    assert expected in in_text
    assert in_text.endswith("</figure>\n<p>Nachher</p>")
    assert [source["type"] for source in image.picture()["sources"]] == ["image/avif", "image/webp"]
    for needed in (
        '<source type="image/avif" srcset="/media/',
        " 480w, ",
        'sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)"',
        f'alt="{image.alt_text}"',
        'width="1600" height="1200" loading="lazy"',
        "<figcaption>Im Plenarsaal · <small>Foto: Max Mustermann</small></figcaption>",
    ):
        assert needed in in_text


def test_a_caption_of_its_own_replaces_the_librarys_and_keeps_the_credit(client, profile):
    image = photo_image(caption="Aus der Bildersammlung")
    make_release(slug="eigene", body=placed(image, "Beim Besuch der Schule &amp; Kita"))

    in_text = prose(client.get("/pressemitteilungen/eigene/"))

    assert (
        "<figcaption>Beim Besuch der Schule &amp; Kita · <small>Foto: Max Mustermann</small>"
        in in_text
    )
    assert "Aus der Bildersammlung" not in in_text


def test_a_photo_deleted_from_the_library_leaves_nothing_in_the_text(client, profile):
    image = photo_image()
    body = f"<p>a</p>{placed(image)}<p>b</p>"
    release = make_release(slug="geloescht", body=body)
    image.delete()

    page = prose(client.get("/pressemitteilungen/geloescht/"))
    feed = feedparser.parse(client.get("/pressemitteilungen/feed/").content)

    assert page == "<p>a</p><p>b</p>"
    assert feed.entries[0].content[0].value.count("<img") == 0
    assert Release.objects.get(pk=release.pk).body == body


def queries(client, path):
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_all_photos_of_a_text_cost_one_query(client, profile, django_assert_max_num_queries):
    """A text with photos asks for them once, however many it places."""
    images = [photo_image(size=(900, 600)) for _ in range(3)]
    make_release(slug="ohne")
    make_release(slug="mit", body="".join(f"<p>{n}</p>{placed(i)}" for n, i in enumerate(images)))
    without = queries(client, "/pressemitteilungen/ohne/")

    with django_assert_max_num_queries(without + 1):
        response = client.get("/pressemitteilungen/mit/")

    assert prose(response).count("<picture>") == 3


def test_a_feed_shows_each_photo_as_an_absolute_img_of_a_rendition(client, profile):
    image = photo_image(caption="Im Landtag")
    make_release(body=f"<p>Text</p>{placed(image)}")
    rendition = f"https://www.example.org/media/{image.rendition_name('800.jpg')}"

    rss = parse_feed(client.get("/pressemitteilungen/feed/"))
    atom = parse_feed(client.get("/pressemitteilungen/atom/"))
    json_feed = client.get("/pressemitteilungen/feed.json").json()

    for content in (
        rss.entries[0].content[0].value,
        atom.entries[0].content[0].value,
        json_feed["items"][0]["content_html"],
    ):
        elements = Markup(content).elements
        assert "picture" not in [tag for tag, _attrs in elements]
        assert [attrs for tag, attrs in elements if tag == "img"] == [
            {"src": rendition, "alt": image.alt_text, "width": "800", "height": "600"}
        ]
        assert "Im Landtag · <small>Foto: Max Mustermann</small>" in content


def test_the_photos_of_all_feed_items_cost_one_query(
    client, profile, django_assert_max_num_queries
):
    """A feed asks for the photos of all its items' texts at once."""
    make_release()
    without = queries(client, "/pressemitteilungen/feed/")
    for _ in range(3):
        make_release(body=f"<p>Text</p>{placed(photo_image(size=(900, 600)))}")

    with django_assert_max_num_queries(without + 1):
        response = client.get("/pressemitteilungen/feed/")

    assert response.content.decode().count("&lt;img src=") == 3


def pdf_images(response):
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return sum(len(page.images) for page in reader.pages)


def test_the_pdf_prints_a_photo_of_the_text_and_nothing_for_a_deleted_one(client, profile):
    kept, deleted = photo_image(size=(900, 600)), photo_image(size=(900, 600))
    make_release(slug="druck", body=f"<p>a</p>{placed(kept)}<p>b</p>{placed(deleted)}")
    deleted.delete()

    assert pdf_images(client.get("/pressemitteilungen/druck/pdf/")) == 1


# Hidden with its release.


def test_a_photo_only_in_an_unpublished_text_is_named_nowhere_public(client, profile, tomorrow):
    secret = photo_image(caption="Geheimer Besuch")
    make_release(slug="oeffentlich", body="<p>Öffentlich</p>")
    make_release(slug="entwurf", status=Release.Status.DRAFT, body=placed(secret))
    make_release(slug="gesperrt", publish_at=tomorrow, body=placed(secret))
    names = [secret.file.name.rsplit(".", 1)[0], secret.renditions["key"]]

    pages = [
        "/",
        "/pressemitteilungen/",
        "/pressemitteilungen/oeffentlich/",
        "/pressemitteilungen/feed/",
        "/pressemitteilungen/atom/",
        "/pressemitteilungen/feed.json",
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/suche/?q=Besuch",
    ]
    answers = {path: client.get(path) for path in pages}
    hidden = [
        client.get(path).status_code
        for path in (
            "/pressemitteilungen/entwurf/",
            "/pressemitteilungen/gesperrt/",
            f"/pressemitteilungen/entwurf/foto/{secret.pk}/",
            f"/pressemitteilungen/gesperrt/foto/{secret.pk}/",
            "/pressemitteilungen/gesperrt/pdf/",
        )
    ]

    assert {path: answer.status_code for path, answer in answers.items()} == dict.fromkeys(
        pages, 200
    )
    for path, answer in answers.items():
        assert not any(name in answer.content.decode() for name in names), path
    assert hidden == [404] * 5


def test_a_published_text_offers_its_photos_to_the_press(client, profile):
    hero, in_text, elsewhere = photo_image(), photo_image(), photo_image()
    make_release(slug="presse", hero_image=hero, body=f"<p>a</p>{placed(in_text)}")

    page = client.get("/pressemitteilungen/presse/").content.decode()
    download = client.get(f"/pressemitteilungen/presse/foto/{in_text.pk}/")
    refused = client.get(f"/pressemitteilungen/presse/foto/{elsewhere.pk}/")

    assert re.findall(r"/pressemitteilungen/presse/foto/(\d+)/", page) == [
        str(hero.pk),
        str(in_text.pk),
    ]
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert refused.status_code == 404


def test_a_photo_in_a_published_text_is_the_freigabes_to_change(writer_client, approver):
    image = make_image()
    other = make_image()
    make_release(body=f"<p>a</p>{placed(image)}")
    make_release(status=Release.Status.DRAFT, body=placed(other))

    refused = writer_client.post(f"/admin/office/image/{image.pk}/delete/", {"post": "yes"})
    allowed = writer_client.post(f"/admin/office/image/{other.pk}/delete/", {"post": "yes"})

    assert workflow.under_freigabe(image) is True
    assert workflow.can_edit_shared(approver, image) is True
    assert refused.status_code == 403
    assert allowed.status_code == 302
    assert list(image._meta.model.objects.values_list("pk", flat=True)) == [image.pk]


# The editor's chooser: a small JSON view behind the admin login and the view permission.


CHOOSER = "/admin/office/image/auswahl/"


def test_the_chooser_finds_library_photos_by_alt_text_caption_and_credit(writer_client):
    rednerpult = make_image(alt_text="Die Abgeordnete am Rednerpult", caption="Haushaltsrede")
    schule = make_image(alt_text="Besuch einer Grundschule", credit="Foto: Kita Sonnenschein")

    def found(query):
        return [photo["id"] for photo in writer_client.get(CHOOSER, {"q": query}).json()["results"]]

    assert found("rednerpult") == [rednerpult.pk]
    assert found("haushalt") == [rednerpult.pk]
    assert found("sonnenschein") == [schule.pk]
    assert found("") == [schule.pk, rednerpult.pk]
    assert found("Zoo") == []


def test_the_chooser_describes_photos_named_by_id(writer_client):
    image = photo_image(caption="Im Saal")
    make_image()

    response = writer_client.get(CHOOSER, {"id": [str(image.pk), "x", "²", "9" * 30]})

    assert response.json() == {
        "results": [
            {
                "id": image.pk,
                "alt": image.alt_text,
                "caption": "Im Saal",
                "credit": "Foto: Max Mustermann",
                "thumbnail": image.square_url(),
                "preview": image.picture()["src"],
            }
        ]
    }


def test_the_chooser_is_for_editors_who_may_see_the_library(client, staff_without_permission):
    make_image()

    anonymous = client.get(CHOOSER)
    client.force_login(staff_without_permission)
    without_permission = client.get(CHOOSER)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert without_permission.status_code == 403


def test_the_history_of_a_text_names_a_photo_placed_or_removed():
    image = make_image()
    old = "<p>Erster Absatz.</p>"
    new = f"<p>Erster Absatz.</p>{placed(image, 'Im Saal')}"

    diff = word_diff(html_to_text(old), html_to_text(new))

    assert diff == f"Erster Absatz. <ins><br>[Foto {image.pk}]<br>Im Saal</ins>"
