import datetime
from pathlib import PurePath

from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from office.media.cards import card_response
from office.media.photos import library_photos, photo_ids
from office.models import Image, Profile
from office.publishing.cache import per_generation
from office.publishing.preview import PreviewMixin, preview_page, search_result, shared_link
from office.site.paging import DeferredJoinPaginator
from releases.archive import by_slug
from releases.models import (
    Category,
    Release,
    ReleaseAttachment,
    ReleaseImage,
    ReleaseQuote,
    ReleaseStatistic,
    Topic,
)

RELEASES_PER_PAGE = 10


class ReleaseListMixin:
    """Published releases, ten a page, with what a list entry shows."""

    paginate_by = RELEASES_PER_PAGE
    paginator_class = DeferredJoinPaginator
    page_kwarg = "seite"
    allow_empty = True

    def get_queryset(self):
        return Release.objects.published().teasers()


class ReleaseListView(ReleaseListMixin, ListView):
    template_name = "releases/release_list.html"


class CategoryView(ReleaseListMixin, ListView):
    template_name = "releases/release_category.html"

    def get_queryset(self):
        self.category = by_slug(Category, self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class TopicView(ReleaseListMixin, ListView):
    template_name = "releases/release_topic.html"

    def get_queryset(self):
        self.topic = by_slug(Topic, self.kwargs["slug"])
        return super().get_queryset().filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class ReleaseYearView(ReleaseListMixin, ListView):
    """A year's releases, in the site's time zone; a year without any is a 404.

    Not Django's YearArchiveView: it asks the database for the year's months
    and for the years before and after, three queries the page does not show,
    and filters by extracting every release's year instead of a range of the index.
    """

    template_name = "releases/release_archive_year.html"

    def get_queryset(self):
        self.year = datetime.date(self.kwargs["year"], 1, 1)
        start, end = (
            timezone.make_aware(datetime.datetime(year, 1, 1))
            for year in (self.year.year, self.year.year + 1)
        )
        releases = super().get_queryset().filter(publish_at__gte=start, publish_at__lt=end)
        if not releases.exists():
            raise Http404(f"No releases in {self.year.year}.")
        return releases

    def get_context_data(self, **kwargs):
        return super().get_context_data(year=self.year, **kwargs)


class ReleaseDetailView(PreviewMixin, DetailView):
    model = Release
    preview_permission = "releases.change_release"

    def get_queryset(self):
        return super().get_queryset().with_details().with_press_kit()

    def get_context_data(self, **kwargs):
        release = self.object
        in_text = library_photos([release.body])
        press_photos = [release.hero_image] if release.hero_image else []
        for image in [link.image for link in release.gallery] + list(in_text.values()):
            if image not in press_photos:
                press_photos.append(image)
        # Ranking by shared topics reads every release on them: kept per content generation.
        related = per_generation(f"related:{release.pk}", release.related)
        return super().get_context_data(
            related=related, photos=in_text, press_photos=press_photos, **kwargs
        )


def live_preview(request, release):
    """Return an unsaved release as its page, search result and shared link, for the admin."""
    stored = release.pk is not None

    def rows(model, key):
        # Rows of an inline the form does not have stay as stored.
        if model in release.rows:
            return [row for row in release.rows[model] if getattr(row, key)]
        return list(model.objects.filter(release=release.pk)) if stored else []

    if release.category_id is None:
        # The page links its category; one still to be chosen is shown as such.
        release.category = Category(name=_("Ohne Kategorie"), slug="ohne-kategorie")
    release.quote_links = rows(ReleaseQuote, "quote_id")
    release.statistic_links = rows(ReleaseStatistic, "statistic_id")
    release.gallery = rows(ReleaseImage, "image_id")
    release.public_events = [event for event in release.events.all() if event.is_published()]
    context = {"release": release, "object": release, "related": [], "press_photos": []}
    return {
        "html": preview_page(request, "releases/release_detail.html", context),
        "search": search_result(release.title, release.get_absolute_url(), release.lead),
        "share": shared_link(
            release.title,
            release.lead,
            release.hero_image,
            _("Pressemitteilung"),
            Profile.load().full_name,
        ),
    }


def social_card(request, slug):
    release = get_object_or_404(Release.objects.published(), slug=slug)
    return card_response(release.title, _("Pressemitteilung"), Profile.load().full_name)


def release_for_download(request, slug):
    """Return a public release, or any release for an editor (queries)."""
    if request.user.has_perm("releases.change_release"):
        return get_object_or_404(Release, slug=slug)
    return get_object_or_404(Release.objects.published(), slug=slug)


def download(request, release, file, filename):
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename)
    if not release.is_published():
        add_never_cache_headers(response)
    return response


def attachment(request, slug, pk):
    release = release_for_download(request, slug)
    item = get_object_or_404(ReleaseAttachment, release=release, pk=pk)
    return download(request, release, item.file, item.filename)


def photo(request, slug, pk):
    """Serve the clean original of a photo the release shows (hero, gallery, text) as a download."""
    release = release_for_download(request, slug)
    in_text = Q(pk__in=photo_ids([release.body]))
    of_release = Q(pk=release.hero_image_id) | Q(releaseimage__release=release) | in_text
    image = get_object_or_404(Image.objects.filter(of_release).distinct(), pk=pk)
    filename = f"{release.slug}-foto-{image.pk}{PurePath(image.file.name).suffix}"
    return download(request, release, image.file, filename)


def release_pdf(request, slug):
    """Serve the release as a PDF on the office's letterhead."""
    queryset = Release.objects.with_details()
    if not request.user.has_perm("releases.change_release"):
        queryset = queryset.published()
    release = get_object_or_404(queryset, slug=slug)
    # Imported here: WeasyPrint adds 40 MB to every worker, and few requests need it.
    from releases import pdf

    content = pdf.release_pdf(release, Profile.load())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{release.slug}.pdf"'
    if not release.is_published():
        add_never_cache_headers(response)
    return response
