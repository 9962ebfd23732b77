from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, YearArchiveView

from office.cards import card_response
from office.conditional import LastModifiedDetailMixin, LastModifiedListMixin
from office.models import Profile
from office.preview import PreviewMixin
from releases.models import Category, Release, Topic

RELEASES_PER_PAGE = 10


class ReleaseListMixin(LastModifiedListMixin):
    """Published releases, ten a page, with what a list entry shows."""

    paginate_by = RELEASES_PER_PAGE
    page_kwarg = "seite"
    allow_empty = True

    def get_queryset(self):
        return Release.objects.published().select_related("category")


class ReleaseListView(ReleaseListMixin, ListView):
    template_name = "releases/release_list.html"


class CategoryView(ReleaseListMixin, ListView):
    template_name = "releases/release_category.html"

    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class TopicView(ReleaseListMixin, ListView):
    template_name = "releases/release_topic.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return super().get_queryset().filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class ReleaseYearView(ReleaseListMixin, YearArchiveView):
    date_field = "publish_at"
    make_object_list = True
    allow_empty = False
    template_name = "releases/release_archive_year.html"


class ReleaseDetailView(LastModifiedDetailMixin, PreviewMixin, DetailView):
    model = Release
    preview_permission = "releases.change_release"

    def get_queryset(self):
        return super().get_queryset().with_details()

    def get_context_data(self, **kwargs):
        return super().get_context_data(related=self.object.related(), **kwargs)


def social_card(request, slug):
    release = get_object_or_404(Release.objects.published(), slug=slug)
    return card_response(release.title, _("Pressemitteilung"), Profile.load().full_name)
