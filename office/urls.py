from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.static import serve

from events.sitemaps import EventSitemap
from office.site import health, views
from office.site.sitemaps import PageSitemap
from releases.sitemaps import NewsSitemap, ReleaseSitemap

sitemaps = {
    "pages": PageSitemap,
    "releases": ReleaseSitemap,
    "events": EventSitemap,
    "news": NewsSitemap,
}

office_patterns = [
    path("", views.home, name="home"),
    path("zitate/", views.QuoteListView.as_view(), name="quotes"),
    path("zahlen/", views.FigureListView.as_view(), name="figures"),
    path("suche/", views.search, name="search"),
    path("feeds/", views.feeds, name="feeds"),
    path("ueber-mich/", views.profile, name="profile"),
    path("impressum/", views.imprint, name="imprint"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("vorschau/<str:token>/", views.shared_preview, name="preview-link"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
]

urlpatterns = [
    path("", include((office_patterns, "office"))),
    path("pressemitteilungen/", include("releases.urls")),
    path("termine/", include("events.urls")),
    path("presseverteiler/", include("distribution.urls")),
    # /sitemap.xml is an index of one sitemap per section, each paged at its limit.
    path("sitemap.xml", views.sitemap_index, {"sitemaps": sitemaps}, name="sitemap"),
    path(
        "sitemap-news.xml",
        sitemap,
        {"sitemaps": {"news": NewsSitemap}, "template_name": "sitemaps/news.xml"},
        name="sitemap-news",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap-section"),
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]

# A database or cache outage is a 503 with the German maintenance page.
handler500 = health.server_error

if settings.DEBUG:
    # Development only; production serves uploads from the proxy or object store.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
