from functools import reduce
from operator import or_

from django.db.models import Q
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.generic import ListView

from events.models import Event
from office.conditional import with_last_modified
from office.forms import SearchForm
from office.links import absolute_url
from office.models import Quote, Statistic
from releases.models import Release

HOME_RELEASE_COUNT = 5
HOME_EVENT_COUNT = 3
HOME_FIGURE_COUNT = 4
SEARCH_RESULT_LIMIT = 50
LIST_PAGE_SIZE = 20


def home(request):
    ctx = {
        "releases": Release.objects.published().select_related("category")[:HOME_RELEASE_COUNT],
        "events": Event.objects.published().upcoming()[:HOME_EVENT_COUNT],
        "quote": Quote.objects.published().select_related("person").first(),
        "figures": Statistic.objects.published()[:HOME_FIGURE_COUNT],
    }
    return with_last_modified(
        render(request, "office/home.html", ctx), ctx["releases"], ctx["events"]
    )


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


def matching(queryset, fields, words):
    """Return the rows in which every word occurs in at least one of the fields."""
    for word in words:
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": word}) for f in fields)))
    return queryset[:SEARCH_RESULT_LIMIT]


def search(request):
    form = SearchForm(request.GET)
    ctx = {"form": form, "searched": "q" in request.GET}
    if form.is_valid():
        words = form.cleaned_data["q"].split()
        ctx["releases"] = matching(
            Release.objects.published().select_related("category"), ("title", "lead", "body"), words
        )
        ctx["events"] = matching(
            Event.objects.published(), ("title", "description", "venue_name"), words
        )
        ctx["quotes"] = matching(
            Quote.objects.published().select_related("person"), ("text", "context"), words
        )
        ctx["figures"] = matching(
            Statistic.objects.published(), ("label", "source_name", "source_title"), words
        )
    return render(request, "office/search.html", ctx)


def profile(request):
    return render(request, "office/profile.html")


def imprint(request):
    return render(request, "office/imprint.html")


def privacy(request):
    return render(request, "office/privacy.html")


def accessibility(request):
    return render(request, "office/accessibility.html")


def favicon(request):
    # Browsers ask for /favicon.ico on pages without an icon link, the admin's too.
    # Resolved per request: the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {absolute_url(reverse('sitemap'))}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
