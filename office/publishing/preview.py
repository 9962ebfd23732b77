"""Editors' previews: drafts at their public address, and the change form's live preview.

`PreviewMixin` serves stored drafts to editors; the rest draws an unsaved
item (office/admin/drafts.py) with the public templates, as a search result
and as a shared link.
"""

import base64

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import Truncator

from office.media.cards import render_card
from office.models import Profile
from office.site import seo
from office.site.links import absolute_url


class PreviewMixin:
    """Serve published items to everyone and unpublished ones to editors, never cached.

    The subclass names the model's change permission; the queryset it builds
    on is `published()` for everybody else.
    """

    preview_permission = ""
    # Set by the shared preview view once a valid PreviewLink has named the item.
    shared_preview = False

    def can_preview(self):
        return self.shared_preview or self.request.user.has_perm(self.preview_permission)

    def get_queryset(self):
        queryset = self.model.objects.all()
        return queryset if self.can_preview() else queryset.published()

    def get_object(self, queryset=None):
        item = super().get_object(queryset)
        if item.publish_at is None:
            # Nobody has decided yet: show the item as it would read if approved now.
            item.publish_at = timezone.now()
        return item

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = not self.object.is_published()
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.can_preview():
            add_never_cache_headers(response)
        return response


class Rows(list):
    """Related rows taken from the form, read as templates read a related manager."""

    def all(self):
        return self


class Unsaved:
    """An item as its form has it, never saved: its fields, and related rows from the form."""

    def __init__(self, item, **related):
        self._item = item
        self.__dict__.update(related)

    def __getattr__(self, name):
        return getattr(self._item, name)

    def __setattr__(self, name, value):
        # A field goes to the item, whose methods (is_past(), get_absolute_url()) read it.
        fields = self.__dict__.get("_item") and self._item._meta.concrete_fields
        if fields and any(name in (field.name, field.attname) for field in fields):
            setattr(self._item, name, value)
        else:
            super().__setattr__(name, value)


def search_result(title: str, path: str, description: str) -> dict:
    """Return a search result's lines as search engines cut them."""
    name = Profile.load().full_name
    page_title = f"{title} – {name}" if name else title
    return {
        "title": Truncator(page_title).chars(seo.SEARCH_TITLE_CHARS, truncate="…"),
        "url": absolute_url(path),
        "description": Truncator(" ".join(description.split())).chars(
            seo.SEARCH_DESCRIPTION_CHARS, truncate="…"
        ),
    }


def shared_link(title, description, image, kicker, footer) -> dict:
    """Return how a messenger or network shows the page's link: title, text, site, picture."""
    if image is not None:
        picture = image.social()[0]
    else:
        card = render_card(title or "…", kicker, footer)
        picture = "data:image/png;base64," + base64.b64encode(card).decode()
    return {
        "title": title,
        "description": seo.summary(description),
        "site": absolute_url("/").split("//", 1)[-1].rstrip("/"),
        "image": picture,
    }


def preview_page(request, template, context) -> str:
    """Render a public template as the live preview, marked as one and never indexed."""
    return render_to_string(
        template, {**context, "preview": True, "live_preview": True}, request=request
    )
