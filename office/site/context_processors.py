from django.utils.translation import gettext as _

from office.models import Profile
from office.site.links import absolute_url
from office.site.seo import logo_url


def site(request):
    """Give every template the office's profile and the page's canonical address."""
    profile = Profile.load()
    canonical = absolute_url(request.path)
    if (page := request.GET.get("seite", "")).isdigit() and int(page) > 1:
        canonical += f"?seite={int(page)}"
    return {
        "profile": profile,
        "canonical_url": canonical,
        "logo_url": logo_url(),
        "site_description": _("Pressemitteilungen, Termine und Positionen von %(name)s, %(house)s.")
        % {"name": profile.full_name, "house": profile.parliament},
    }
