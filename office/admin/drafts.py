"""No lost work, and the page as readers will see it, in the change form of releases and events.

`DraftDeskMixin` gives a publishable's admin two views that the change form's
script (static/admin_plenum/draft-desk.js) posts the unsaved form to: the
automatic copy (`automatisch-sichern/`, kept as an `Autosave`, never in the
item) and the live preview (`live-vorschau/`, rendered by the public
templates, saved nowhere). The admin names its public page in
`live_preview`, a function of the request and the unsaved item.
"""

import json
import re

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from office.media.richtext import CONTROL_CHARACTERS, RichTextField
from office.models import NEW_ITEM, Autosave
from office.publishing.preview import Rows, Unsaved
from office.site import seo

# A release's text is some 10 KB; a copy a hundred times that is no form's.
MAX_AUTOSAVE_CHARS = 1_000_000
# What the copy leaves out: the form's plumbing, and the publishing decision, which
# belongs to the Freigabe and its buttons, not to a restored copy.
NOT_COPIED = ("csrfmiddlewaretoken", "edit_version", "status", "publish_at", "workflow_comment")
MANAGEMENT_FIELDS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


def copied(name: str) -> bool:
    """Return True if a posted field belongs in the automatic copy."""
    # A date and time arrive as two fields, publish_at_0 and publish_at_1.
    base = re.sub(r"_\d+$", "", name)
    return not (
        {name, base} & set(NOT_COPIED) or name.startswith("_") or name.endswith(MANAGEMENT_FIELDS)
    )


def option_labels(posted: str) -> dict | None:
    """Return {field: {value: text}} from the posted JSON, or None if it is not that."""
    try:
        labels = json.loads(posted)
    except ValueError:
        return None
    if not isinstance(labels, dict):
        return None
    for options in labels.values():
        if not isinstance(options, dict) or not all(
            isinstance(text, str) for text in options.values()
        ):
            return None
    return {
        without_controls(field): {
            without_controls(value): without_controls(text) for value, text in options.items()
        }
        for field, options in labels.items()
    }


def without_controls(text: str) -> str:
    """Drop control characters, as saving does; PostgreSQL's JSON cannot even hold a NUL."""
    return CONTROL_CHARACTERS.sub("", text)


def clock_time(moment) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def refusal(message, status):
    response = JsonResponse({"fehler": str(message)}, status=status)
    add_never_cache_headers(response)
    return response


def answer(data):
    response = JsonResponse(data)
    add_never_cache_headers(response)
    return response


class DraftDeskMixin:
    """The automatic copy and the live preview of a publishable's change form."""

    # A function (request, Unsaved item) -> {"html", "search", "share"}, set by the app.
    live_preview = None
    # Fields whose length counts for search results: {field: limit}.
    counted_fields = {"title": seo.SEARCH_TITLE_CHARS}

    def get_urls(self):
        autosave = self.admin_site.admin_view(require_POST(self.autosave_view))
        preview = self.admin_site.admin_view(require_POST(self.live_preview_view))
        return [
            path("automatisch-sichern/", autosave, name=self.url_name("autosave_new")),
            path("live-vorschau/", preview, name=self.url_name("live_preview_new")),
            path(
                "<path:object_id>/automatisch-sichern/",
                autosave,
                name=self.url_name("autosave"),
            ),
            path("<path:object_id>/live-vorschau/", preview, name=self.url_name("live_preview")),
            *super().get_urls(),
        ]

    def url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def writable_object(self, request, object_id):
        """Return (item or None for a new one, refusal or None) for the user's change form."""
        if object_id is None:
            if not self.has_add_permission(request):
                return None, refusal(_("Sie dürfen hier nichts anlegen."), 403)
            return None, None
        try:
            obj = self.get_object(request, unquote(object_id))
        except (ValueError, OverflowError):
            obj = None
        if obj is None:
            return None, refusal(_("Diesen Inhalt gibt es nicht (mehr)."), 404)
        if not self.has_change_permission(request, obj):
            return None, refusal(
                _("Sie dürfen diesen Inhalt nicht ändern, also auch nicht automatisch sichern."),
                403,
            )
        return obj, None

    # The automatic copy

    def autosaves(self, user, obj):
        return Autosave.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=obj.pk if obj is not None else NEW_ITEM,
        )

    def autosave_view(self, request, object_id=None):
        obj, refused = self.writable_object(request, object_id)
        if refused:
            return refused
        if request.POST.get("_verwerfen"):
            self.autosaves(request.user, obj).delete()
            return answer({"verworfen": True})
        fields = self.copied_fields(request)
        labels = option_labels(request.POST.get("_beschriftungen", "{}"))
        if not fields or labels is None:
            return refusal(_("Das Formular kam unvollständig an; gesichert wurde nichts."), 400)
        size = sum(len(name) + len(value) for name, value in fields) + len(str(labels))
        if size > MAX_AUTOSAVE_CHARS:
            return refusal(
                _("Das Formular ist zu groß für die automatische Sicherung. Bitte speichern."),
                400,
            )
        saved_at = timezone.now()
        lookup = {
            "user": request.user,
            "content_type": ContentType.objects.get_for_model(self.model),
            "object_id": obj.pk if obj is not None else NEW_ITEM,
        }
        try:
            with transaction.atomic():
                Autosave.objects.update_or_create(
                    **lookup, defaults={"fields": fields, "labels": labels, "saved_at": saved_at}
                )
        except IntegrityError:
            # Two copies of one form raced to be the first; the later one wins.
            Autosave.objects.filter(**lookup).update(
                fields=fields, labels=labels, saved_at=saved_at
            )
        return answer({"gesichert": saved_at.isoformat(), "uhrzeit": clock_time(saved_at)})

    def copied_fields(self, request):
        """Return the posted fields worth keeping, rich text sanitized as saving would."""
        rich = {
            field.name: field.sanitize
            for field in self.model._meta.get_fields()
            if isinstance(field, RichTextField)
        }
        return [
            [name, rich[name](value) if name in rich else without_controls(value)]
            for name, values in request.POST.lists()
            if copied(name)
            for value in values
        ]

    def offered_autosave(self, request, obj):
        """Return the user's automatic copy of this form to offer back, or None (queries)."""
        autosave = self.autosaves(request.user, obj).first()
        if autosave is None:
            return None
        return {
            "saved_at": autosave.saved_at.isoformat(),
            "time": clock_time(autosave.saved_at),
            "fields": autosave.fields,
            "labels": autosave.labels,
        }

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Saved: the copy of this form, or of the new item it was, has done its job.
        if not change:
            self.autosaves(request.user, None).delete()
        self.autosaves(request.user, obj).delete()

    # The live preview

    def live_preview_view(self, request, object_id=None):
        obj, refused = self.writable_object(request, object_id)
        if refused:
            return refused
        if self.live_preview is None:
            return refusal(_("Für diese Art von Inhalt gibt es keine Vorschau."), 404)
        item = self.unsaved_item(request, obj)
        response = answer(type(self).live_preview(request, item))
        response["X-Robots-Tag"] = "noindex"
        return response

    def unsaved_item(self, request, obj):
        """Return the item as the posted form has it, without saving anything (queries).

        Fields with errors keep the stored value, or stay empty for a new item,
        so a half-written form still shows what it has.
        """
        stored = obj
        if obj is None:
            obj = self.model()
        form_class = self.get_form(request, stored, change=stored is not None)
        form = form_class(request.POST, request.FILES, instance=obj)
        form.is_valid()
        item = form.instance
        # The rich text as saving stores it (photos too), whether or not the form is valid.
        for field in item._meta.concrete_fields:
            if isinstance(field, RichTextField):
                setattr(item, field.attname, field.sanitize(getattr(item, field.attname) or ""))
        if not item.slug or slugify(item.slug) != item.slug:
            item.slug = slugify(item.title)[:50] or "vorschau"
        item.publish_at = item.publish_at or timezone.now()
        many = {}
        for field in item._meta.many_to_many:
            if field.name in form.cleaned_data:
                many[field.name] = Rows(form.cleaned_data[field.name])
            elif stored is not None:
                many[field.name] = Rows(getattr(stored, field.name).all())
            else:
                many[field.name] = Rows()
        return Unsaved(item, rows=self.inline_rows(request, item, stored), **many)

    def inline_rows(self, request, item, stored):
        """Return {inline model: [row, ...]} of the inline rows the form keeps, in order."""
        rows = {}
        formsets, _inlines = self._create_formsets(request, item, change=stored is not None)
        for formset in formsets:
            kept = [
                form.instance
                for form in formset.forms
                if (form.has_changed() or form.instance.pk)
                and form.is_valid()
                and not form.cleaned_data.get("DELETE")
            ]
            order = next((f.name for f in formset.model._meta.fields if f.name == "order"), None)
            if order:
                kept.sort(key=lambda row: getattr(row, order) or 0)
            rows[formset.model] = kept
        return rows

    # The change form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        writable = (
            self.has_add_permission(request)
            if obj is None
            else (self.has_change_permission(request, obj))
        )
        if writable:
            on_object = obj is not None
            name = "autosave" if on_object else "autosave_new"
            preview = "live_preview" if on_object else "live_preview_new"
            args = [obj.pk] if on_object else []
            context["draft_desk"] = {
                "autosave_url": reverse(f"admin:{self.url_name(name)}", args=args),
                "preview_url": reverse(f"admin:{self.url_name(preview)}", args=args)
                if self.live_preview
                else "",
                "storage_key": (
                    f"plenum-autosave:{request.user.pk}:{self.opts.label_lower}:"
                    f"{obj.pk if on_object else 'neu'}"
                ),
                "offer": self.offered_autosave(request, obj),
                "counted": self.counted_fields,
            }
        return super().render_change_form(request, context, add, change, form_url, obj)
