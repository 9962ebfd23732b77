"""The Freigabe in the admin: status changes, shared content, preview links, the audit trail.

Just past 400 lines: the release and event admins share every piece, and
splitting the form from the admin that decides with it would part one rule.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from office.models import (
    AuditEntry,
    PreviewLink,
)
from office.publishing import workflow
from office.site.links import absolute_url


class GermanSlugMixin:
    """Prefill slugs the German way (ä → ae, ß → ss) from the title."""

    class Media:
        js = ("admin/js/urlify.js", "admin_plenum/german-slugs.js")


# The name of the buttons that decide (their value is a workflow.Decision);
# "Speichern" stays Django's own "_save".
DECISION = "_decision"
# What a datetime-local input sends with step 60: the minute, no seconds.
MINUTE_FORMAT = "%Y-%m-%dT%H:%M"


class ReadOnlyMixin:
    """Let people read what code writes, never add or change it (admins and inlines alike)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class WorkflowForm(forms.ModelForm):
    """The change form of a release or event, checked against the workflow on the server.

    Status and publish time are not fields: the buttons post a decision
    (office.publishing.workflow.Decision), which the rule allows or refuses.
    """

    # Set per request by PublishableAdmin.get_form.
    workflow_user = None

    workflow_comment = forms.CharField(
        label=_("Anmerkung"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Steht mit Ihrem Namen im Freigabeprotokoll. Wer einen Text zurückgibt, "
            "schreibt hier, was zu ändern ist."
        ),
    )
    embargo = forms.DateTimeField(
        label=_("Sperrfrist bis"),
        required=False,
        input_formats=[MINUTE_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": 60}, format=MINUTE_FORMAT
        ),
        help_text=_(
            "Nur für „Freigeben“: Bis zu dieser Minute ist der Text nirgends öffentlich. "
            "Leer lassen, um sofort zu veröffentlichen."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_status = self.instance.status if self.instance.pk else None
        self.was_public = bool(self.instance.pk) and self.instance.is_published()
        self.offered = workflow.decisions(self.workflow_user, self.instance)
        self.decision = None
        embargo = self.fields["embargo"]
        embargo.widget.attrs["min"] = timezone.localtime().strftime(MINUTE_FORMAT)
        if self.stored_status == workflow.Status.PUBLISHED and not self.was_public:
            embargo.initial = self.instance.publish_at

    def clean(self):
        cleaned_data = super().clean()
        chosen = self.data.get(DECISION) or None
        if chosen is not None:
            refused = workflow.refusal(self.workflow_user, self.instance, chosen)
            if refused:
                raise ValidationError(refused, code="decision")
            self.decision = workflow.Decision(chosen)
        if self.decision == workflow.Decision.RETURN and not cleaned_data.get("workflow_comment"):
            self.add_error(
                "workflow_comment",
                _("Bitte schreiben Sie dazu, was geändert werden soll, bevor Sie zurückgeben."),
            )
        embargo = cleaned_data.get("embargo")
        if embargo is None or "embargo" not in self.changed_data:
            return cleaned_data
        if self.decision != workflow.Decision.APPROVE:
            # A Sperrfrist typed and then only saved would be lost without a word.
            self.add_error(
                "embargo",
                _(
                    "Eine Sperrfrist gilt nur mit „Freigeben“. "
                    "Bitte „Freigeben“ wählen oder das Feld leeren."
                ),
            )
            return cleaned_data
        embargo = embargo.replace(second=0, microsecond=0)
        if embargo < timezone.now().replace(second=0, microsecond=0):
            self.add_error(
                "embargo",
                _(
                    "Diese Sperrfrist ist schon vorbei. Bitte eine spätere Minute wählen oder "
                    "das Feld leeren, um sofort zu veröffentlichen."
                ),
            )
        cleaned_data["embargo"] = embargo
        return cleaned_data


def swap_fields(fields, swap):
    """Return a fieldset's field names with some replaced (by a name) or dropped (by None)."""
    swapped = []
    for name in fields:
        if isinstance(name, (list, tuple)):
            line = swap_fields(name, swap)
            if line:
                swapped.append(tuple(line))
        elif swap.get(name, name) is not None:
            swapped.append(swap.get(name, name))
    return swapped


class SharedContentMixin:
    """Make what published or submitted content shows (quotes, photos, names) the Freigabe's.

    Otherwise a writer could change a published release through them: its photo,
    its quotes, its figures, the name of its category, without approval; or a
    release in review after the Freigabe read it. See workflow.under_freigabe().
    """

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit_shared(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit_shared(request.user, obj))

    def delete_queryset(self, request, queryset):
        # The changelist's bulk delete asks has_delete_permission without an object.
        if not all(workflow.can_edit_shared(request.user, item) for item in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


class PublishableAdmin(GermanSlugMixin, admin.ModelAdmin):
    """Shared workflow of anything with a status and a publish time.

    The status and "Veröffentlichen am" are shown, never edited: buttons in the
    submit row (admin/plenum/decisions.html) post the decision, and
    WorkflowForm asks the rule whether this user may take it.
    """

    form = WorkflowForm
    # Fields whose change after publication readers are told about ("Aktualisiert am").
    revision_fields = ()
    # Drafts have no publish time yet: the list says so with a dash, not an empty cell.
    empty_value_display = "—"

    class Media(GermanSlugMixin.Media):
        css = {"all": ("admin_plenum/decisions.css",)}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"workflow_user": request.user})

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "workflow_status", "publish_at")

    def get_fieldsets(self, request, obj=None):
        # The decision row at the bottom holds the comment and the Sperrfrist.
        swap = {"status": "workflow_status", "workflow_comment": None, "embargo": None}
        return [
            (name, {**options, "fields": swap_fields(options["fields"], swap)})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_ordering(self, request):
        # Drafts have no publish time: first on every database (PostgreSQL sorts
        # NULL first when descending, SQLite last).
        ordering = super().get_ordering(request) or self.model._meta.ordering
        return [
            F("publish_at").desc(nulls_first=True) if field == "-publish_at" else field
            for field in ordering
        ]

    def get_queryset(self, request):
        return workflow.with_last_step(super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or workflow.can_edit(request.user, obj))

    def delete_queryset(self, request, queryset):
        # The changelist's bulk delete asks has_delete_permission without an object.
        if (
            not workflow.can_publish(request.user, self.model)
            and queryset.filter(status=self.model.Status.PUBLISHED).exists()
        ):
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            # A double submit passed the slug check twice; the first insert won and
            # the transaction rolled back. Validating again shows the form, input
            # kept, with the slug taken.
            return super().changeform_view(request, *args, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is None or self.has_change_permission(request, obj):
            status = workflow.Status(form.instance.status)
            context["decisions"] = {
                "status": status.label,
                "meaning": workflow.MEANING[status],
                "offered": [(decision.value, decision.label) for decision in form.offered],
                "name": DECISION,
                "comment": form["workflow_comment"],
                "embargo": form["embargo"] if workflow.Decision.APPROVE in form.offered else None,
                "refused": [
                    error for error in form.non_field_errors().as_data() if error.code == "decision"
                ],
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        workflow.decide(obj, form.decision, form.cleaned_data.get("embargo"))
        if form.was_public and set(form.changed_data) & set(self.revision_fields):
            obj.revised_at = timezone.now()
        super().save_model(request, obj, form, change)
        workflow.record(
            obj, request.user, form.stored_status, form.cleaned_data.get("workflow_comment", "")
        )
        if form.decision is not None:
            self.message_user(
                request,
                _("%(decision)s. Stand: %(state)s.")
                % {"decision": form.decision.label, "state": workflow.state(obj)},
                messages.SUCCESS,
            )

    @admin.display(description=_("Status"))
    def workflow_status(self, obj):
        status = workflow.Status(obj.status)
        return _("%(status)s: %(meaning)s") % {
            "status": status.label,
            "meaning": workflow.MEANING[status],
        }

    @admin.display(description=_("Stand"), ordering=F("publish_at").asc(nulls_first=True))
    def visibility(self, obj):
        return workflow.state(obj)

    @admin.display(description=_("Öffentlich"), boolean=True)
    def public(self, obj):
        return obj.is_published()

    @admin.display(description=_("Freigabeverlauf"))
    def workflow_history(self, obj):
        entries = workflow.history(obj) if obj and obj.pk else []
        return format_html_join(
            "\n",
            "<p>{}, {}, {}{}{}</p>",
            (
                (
                    entry.get_action_display(),
                    _("%(time)s Uhr") % {"time": workflow.berlin_minute(entry.created_at)},
                    entry.user or _("unbekannt"),
                    ": " if entry.comment else "",
                    entry.comment,
                )
                for entry in entries
            ),
        ) or _("Noch keine Schritte.")


class SharePreviewMixin:
    """Share an unpublished item with someone without an account through a PreviewLink.

    The change form lists the item's valid links and posts to two views of
    this admin, which check the change permission on the item itself.
    """

    change_form_template = "admin/share_preview_change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/vorschau-link/",
                self.admin_site.admin_view(require_POST(self.create_preview_link)),
                name=self.url_name("create_preview_link"),
            ),
            path(
                "<path:object_id>/vorschau-link/<int:link_id>/widerrufen/",
                self.admin_site.admin_view(require_POST(self.revoke_preview_link)),
                name=self.url_name("revoke_preview_link"),
            ),
            *super().get_urls(),
        ]

    def url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def admin_url(self, view, *args):
        return reverse(f"admin:{self.url_name(view)}", args=args)

    def shareable_object(self, request, object_id):
        """Return the item if the user may change it; raise 404 or 403 otherwise (queries)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def create_preview_link(self, request, object_id):
        obj = self.shareable_object(request, object_id)
        with transaction.atomic(using=obj._state.db):
            # Read again under a row lock: a publication committed since the object
            # was loaded must be seen, or the new link would outlive it.
            obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
            link = None if obj.is_published() else PreviewLink.objects.share(obj, request.user)
        if link is None:
            self.message_user(
                request,
                _("Dieser Inhalt ist bereits öffentlich; teilen Sie einfach seine Adresse."),
                messages.WARNING,
            )
        else:
            until = workflow.berlin_minute(link.expires_at)
            self.log_change(request, obj, _("Vorschau-Link erstellt, gültig bis %s Uhr") % until)
            self.message_user(
                request,
                _("Vorschau-Link erstellt, gültig bis %s Uhr. Kopieren Sie ihn unten.") % until,
                messages.SUCCESS,
            )
        return redirect(self.admin_url("change", obj.pk))

    def revoke_preview_link(self, request, object_id, link_id):
        obj = self.shareable_object(request, object_id)
        link = get_object_or_404(obj.preview_links, pk=link_id)
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.save(update_fields=["revoked_at"])
            self.log_change(request, obj, _("Vorschau-Link widerrufen"))
        self.message_user(request, _("Der Vorschau-Link gilt nicht mehr."), messages.SUCCESS)
        return redirect(self.admin_url("change", obj.pk))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            links = obj.preview_links.active().select_related("created_by")
            context["share_preview"] = {
                "published": obj.is_published(),
                "hours": settings.PREVIEW_LINK_HOURS,
                "create_url": self.admin_url("create_preview_link", obj.pk),
                "links": [
                    {
                        "url": absolute_url(link.get_absolute_url()),
                        "expires_at": workflow.berlin_minute(link.expires_at),
                        "created_by": link.created_by,
                        "revoke_url": self.admin_url("revoke_preview_link", obj.pk, link.pk),
                    }
                    for link in links
                ],
            }
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read only: the workflow writes the record, people read it."""

    list_display = ("created_at", "action", "object_repr", "content_type", "user", "comment")
    list_filter = ("action", "content_type", "user")
    list_select_related = ("content_type", "user")
    search_fields = ("object_repr", "comment")
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False
