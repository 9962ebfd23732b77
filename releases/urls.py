from django.urls import path, register_converter

from releases import views
from releases.feeds import (
    CategoryFeed,
    ReleaseAtomFeed,
    ReleaseFeed,
    ReleaseJsonFeed,
    TopicFeed,
)


class YearConverter:
    # Four digits from 1000 to 2999: a year a release can carry; anything else is no
    # address of this site, and never reaches the view.
    regex = "[12][0-9]{3}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{value:04d}"


register_converter(YearConverter, "yyyy")

app_name = "releases"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("feed/", ReleaseFeed(), name="feed"),
    path("atom/", ReleaseAtomFeed(), name="atom"),
    path("feed.json", ReleaseJsonFeed(), name="json"),
    # /pressemitteilungen/kategorie/<slug>/ and /thema/<slug>/
    path("kategorie/<slug:slug>/", views.CategoryView.as_view(), name="category"),
    path("kategorie/<slug:slug>/feed/", CategoryFeed(), name="category_feed"),
    path("thema/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    path("thema/<slug:slug>/feed/", TopicFeed(), name="topic_feed"),
    # A four-digit year comes before slugs; slugs of digits only are refused.
    path("<yyyy:year>/", views.ReleaseYearView.as_view(), name="year"),
    path("<slug:slug>/", views.ReleaseDetailView.as_view(), name="detail"),
    # /pressemitteilungen/<slug>/...: the press kit, public with its release only
    path("<slug:slug>/vorschaubild.png", views.social_card, name="card"),
    path("<slug:slug>/foto/<int:pk>/", views.photo, name="photo"),
    path("<slug:slug>/anhang/<int:pk>/", views.attachment, name="attachment"),
    path("<slug:slug>/pdf/", views.release_pdf, name="pdf"),
]
