from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import Paginator
from django.db.models import Count, Window
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe
from django.views.generic import ListView

from events.models import Event
from events.views import EventDetailView
from office.models import LegalPage, PreviewLink, Quote, Statistic
from office.publishing.cache import per_generation
from office.site.forms import SearchForm
from office.site.links import absolute_url
from office.site.search import highlight, search_site
from releases.archive import release_archive, topics_in_use
from releases.models import Release
from releases.views import ReleaseDetailView

HOME_RELEASE_COUNT = 5
HOME_EVENT_COUNT = 3
HOME_FIGURE_COUNT = 4
SEARCH_SECTION_PREVIEW = 5
SEARCH_PAGE_SIZE = 10
LIST_PAGE_SIZE = 20


def home(request):
    events = Event.objects.published().teasers()
    upcoming = list(events.upcoming()[:HOME_EVENT_COUNT])
    ctx = {
        "releases": Release.objects.published().teasers()[:HOME_RELEASE_COUNT],
        "events": upcoming,
        # Read only when nothing is upcoming, so the box does not look empty.
        "past_events": [] if upcoming else events.past()[:HOME_EVENT_COUNT],
        # Finding the public ones reads every link of quotes and figures to releases.
        "quote": per_generation("home-quote", newest_quote),
        "figures": per_generation("home-figures", newest_figures),
    }
    return render(request, "office/home.html", ctx)


def newest_quote():
    return Quote.objects.published().select_related("person").first()


def newest_figures():
    return list(Statistic.objects.published()[:HOME_FIGURE_COUNT])


class QuoteListView(ListView):
    template_name = "office/quotes.html"
    paginate_by = LIST_PAGE_SIZE
    page_kwarg = "seite"

    def get_queryset(self):
        return Quote.objects.published().select_related("person")


class FigureListView(ListView):
    template_name = "office/figures.html"
    paginate_by = LIST_PAGE_SIZE
    page_kwarg = "seite"

    def get_queryset(self):
        return Statistic.objects.published()


def search(request):
    form = SearchForm(request.GET)
    ctx = {"form": form, "searched": bool(request.GET)}
    if not form.is_valid():
        return render(request, "office/search.html", ctx)
    data = form.cleaned_data
    sections = search_site(data["q"], data["typ"], data["kategorie"], data["jahr"])
    if len(sections) == 1:
        # One kind of result: all of it, a page at a time.
        page = Paginator(sections[0].results, SEARCH_PAGE_SIZE).get_page(request.GET.get("seite"))
        sections[0].shown, sections[0].count = page.object_list, page.paginator.count
        ctx.update(page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages())
    else:
        for section in sections:
            # The total rides along with the first results: one query a section, not two.
            total = Window(Count("*"))
            section.shown = list(section.results.annotate(total=total)[:SEARCH_SECTION_PREVIEW])
            section.count = section.shown[0].total if section.shown else 0
    for section in sections:
        for item in section.shown:
            item.snippet_html = highlight(item.snippet, data["q"])
    params = request.GET.copy()
    params.pop("seite", None)
    params.pop("typ", None)
    ctx.update(
        query=data["q"],
        sections=sections,
        total=sum(section.count for section in sections),
        filter_query=params.urlencode(),
        pagination_query=page_query(request.GET),
    )
    return render(request, "office/search.html", ctx)


def page_query(params):
    """Return the query string that pagination links put before "seite=N"."""
    params = params.copy()
    params.pop("seite", None)
    return f"{params.urlencode()}&" if params else ""


def feeds(request):
    ctx = {
        "categories": release_archive()["categories"],
        "topics": topics_in_use(),
        "webcal_url": "webcal://" + absolute_url(reverse("events:calendar")).split("://", 1)[1],
    }
    return render(request, "office/feeds.html", ctx)


def profile(request):
    return render(request, "office/profile.html")


def legal_page(request, slug, template_name):
    """Render a legal page with its edited text, or its built-in text while there is none."""
    return render(request, template_name, {"page": LegalPage.load(slug)})


def imprint(request):
    return legal_page(request, LegalPage.Slug.IMPRINT, "office/imprint.html")


def privacy(request):
    return legal_page(request, LegalPage.Slug.PRIVACY, "office/privacy.html")


def accessibility(request):
    return legal_page(request, LegalPage.Slug.ACCESSIBILITY, "office/accessibility.html")


@require_safe
def shared_preview(request, token):
    """Show the one unpublished item a preview link names to whoever holds the link."""
    link = PreviewLink.objects.from_token(token)
    state = link.state() if link else None
    if state == PreviewLink.State.ACTIVE:
        # The public detail view and template, with the banner; it sends never-cache.
        view = ReleaseDetailView if link.release_id else EventDetailView
        extra = {"preview_link": link}
        response = view.as_view(shared_preview=True, extra_context=extra)(request, pk=link.item.pk)
    else:
        published = link.item if state == PreviewLink.State.PUBLISHED else None
        ctx = {"state": state, "published": published, "noindex": True}
        status = 404 if link is None else 410
        response = render(request, "office/preview_link_invalid.html", ctx, status=status)
        add_never_cache_headers(response)
    response.headers["X-Robots-Tag"] = "noindex"
    # The token is the secret: links out of the draft must not carry it along.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def favicon(request):
    # Browsers ask for /favicon.ico on pages without an icon link, the admin's too.
    # Resolved per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@x_robots_tag
def sitemap_index(request, sitemaps):
    """List every section's sitemap, page by page, at SITE_URL (Django's index uses the Host)."""
    entries = []
    for section, sitemap_class in sitemaps.items():
        section_sitemap = sitemap_class()
        location = absolute_url(reverse("sitemap-section", kwargs={"section": section}))
        lastmod = section_sitemap.get_latest_lastmod()
        entries.append(SitemapIndexItem(location, lastmod))
        for page in range(2, section_sitemap.paginator.num_pages + 1):
            entries.append(SitemapIndexItem(f"{location}?p={page}", lastmod))
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


def robots_txt(request):
    # The admin is not named: a moved ADMIN_PATH would be published here.
    lines = [
        "User-agent: *",
        "Allow: /",
        # Preview links are secret and noindex; a leaked one is not fetched either.
        "Disallow: /vorschau/",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
        f"Sitemap: {absolute_url(reverse('sitemap-news'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
