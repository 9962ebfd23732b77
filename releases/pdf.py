"""A release as a PDF for the press, on the office's letterhead, drawn by WeasyPrint."""

from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from office.media import StorageUnavailable
from office.media.images import MEDIA_SCHEME
from office.site.links import absolute_url

# Importing WeasyPrint makes Pillow accept truncated images process-wide;
# uploads are judged strictly, so switch it back (office/media/images.py relies on it).
ImageFile.LOAD_TRUNCATED_IMAGES = False


class MediaOnlyFetcher(URLFetcher):
    """Fetch the release's own photos from the storage; refuse every other address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unavailable = None

    def fetch(self, url, headers=None):
        if not url.startswith(MEDIA_SCHEME):
            # Nothing in a release may make the server request another address.
            raise ValueError(f"Refused to fetch {url!r} for a PDF.")
        try:
            with default_storage.open(url.removeprefix(MEDIA_SCHEME)) as stored:
                return URLFetcherResponse(url, body=stored.read())
        except StorageUnavailable as error:
            # WeasyPrint would leave the photo out and the page cache keep that PDF.
            self.unavailable = error
            raise


def release_pdf(release, profile) -> bytes:
    html = render_to_string(
        "releases/release_pdf.html",
        {"release": release, "profile": profile, "url": absolute_url(release.get_absolute_url())},
    )
    fetcher = MediaOnlyFetcher()
    pdf = HTML(string=html, url_fetcher=fetcher, base_url=MEDIA_SCHEME).write_pdf()
    if fetcher.unavailable is not None:
        raise fetcher.unavailable
    return pdf
