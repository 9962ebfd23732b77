from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST

from office.models import (
    AuditEntry,
    Image,
    LegalPage,
    Person,
    PreviewLink,
    Profile,
    Quote,
    Statistic,
)
from office.models.numbers import GermanDecimalField
from office.publishing import workflow
from office.publishing.revisions import EditConflict, changed_fields, field_diffs
from office.site.links import absolute_url


class GermanSlugMixin:
    """Prefill slugs the German way (ä → ae, ß → ss) from the title."""

    class Media:
        js = ("admin/js/urlify.js", "admin_plenum/german-slugs.js")


class WorkflowForm(forms.ModelForm):
    """The change form of a release or event, checked against the workflow on the server."""

    # Set per request by PublishableAdmin.get_form.
    workflow_user = None

    workflow_comment = forms.CharField(
        label=_("Anmerkung zur Freigabe"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Steht mit Ihrem Namen im Freigabeprotokoll. Wer einen Text zurückgibt, "
            "schreibt hier, was zu ändern ist."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_status = self.instance.status if self.instance.pk else None
        self.was_public = bool(self.instance.pk) and self.instance.is_published()
        self.allowed = workflow.allowed_statuses(self.workflow_user, self._meta.model)
        if "status" in self.fields:
            # Only the widget narrows: a crafted post of another status reaches
            # clean_status and its clear message instead of "not a valid choice".
            self.fields["status"].widget.choices = [
                (status.value, status.label) for status in self.allowed
            ]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status not in self.allowed:
            raise ValidationError(
                _(
                    "Veröffentlichen und Zurückziehen ist der Freigabe vorbehalten. "
                    "Wählen Sie „In Prüfung“, dann prüft die Freigabe Ihren Text."
                ),
                code="publish_permission",
            )
        return status

    def clean(self):
        cleaned_data = super().clean()
        sent_back = workflow.action_for(self.stored_status, cleaned_data.get("status"))
        if sent_back == workflow.Action.REJECTED and not cleaned_data.get("workflow_comment"):
            self.add_error(
                "workflow_comment",
                _("Bitte schreiben Sie dazu, was geändert werden soll, bevor Sie zurückgeben."),
            )
        return cleaned_data


class VersionedAdminForm(forms.ModelForm):
    """Carry the version the editor loaded, and refuse the save if it moved on meanwhile."""

    edit_version = forms.IntegerField(
        label=_("Version"), widget=forms.HiddenInput, required=False, min_value=0
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edit_version"].initial = self.instance.version
        self.conflict_from = None

    def clean(self):
        cleaned_data = super().clean()
        if self.instance._state.adding:
            return cleaned_data
        loaded = cleaned_data.get("edit_version")
        if loaded is None:
            raise ValidationError(
                _("Dem Formular fehlt die Versionsnummer. Bitte die Seite neu laden."),
                code="version_missing",
            )
        if loaded != self.instance.version:
            self.conflict_from = loaded
            # The next save, once the editor has merged, is against what is stored now.
            self.data = self.data.copy()
            self.data[self.add_prefix("edit_version")] = self.instance.version
            raise ValidationError(
                _(
                    "Jemand anderes hat diesen Inhalt inzwischen geändert. Ihre Eingaben "
                    "stehen noch unten im Formular; was sich inzwischen geändert hat, steht "
                    "darüber. Bitte übernehmen Sie, was bleiben soll, und speichern Sie erneut."
                ),
                code="edit_conflict",
            )
        return cleaned_data


class VersionedAdminMixin:
    """Versions for a content admin: no lost edits, a "Versionen" page and restoring.

    `version_fields` are the fields the Versionen page compares word by word and
    that restoring writes back; status and publish time are never among them, so
    a restore leaves the publishing decision to the workflow.
    """

    version_fields = ()
    versions_shown = 100

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = kwargs.get("form", self.form)
        kwargs["form"] = type(base.__name__, (VersionedAdminForm, base), {})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        read_only = obj is not None and not self.has_change_permission(request, obj)
        if read_only or "edit_version" in flatten_fieldsets(fieldsets):
            return fieldsets
        # The hidden number rides in the first fieldset, so the admin renders it.
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], "edit_version")}), *rest]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Another save won between this form's check and its save, and this
            # transaction rolled back. Validating again shows the conflict, input kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and not obj.claim_version(form.cleaned_data["edit_version"]):
            raise EditConflict
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and form.conflict_from is not None:
            context["edit_conflict"] = self.conflict_context(obj, form.conflict_from)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def conflict_context(self, obj, loaded):
        """Return what changed between the version an editor loaded and the stored one."""
        # obj already holds the editor's input; the stored state is read afresh.
        stored = type(obj)._base_manager.get(pk=obj.pk)
        base = obj.history.filter(version=loaded).first()
        since = obj.history.filter(version__gt=loaded).select_related("history_user")
        return {
            "diffs": field_diffs(self.model, base, stored, self.version_fields),
            "base_missing": base is None,
            "versions": list(since.order_by("history_date", "history_id")),
        }

    def get_urls(self):
        restore = self.admin_site.admin_view(self.restore_version_view)
        return [
            path(
                "<path:object_id>/history/<int:history_id>/restore/",
                restore,
                name=self.url_name("restore_version"),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = obj.history.select_related("history_user").order_by(
            "-history_date", "-history_id"
        )
        # One more than shown, so the oldest shown version has its predecessor to compare.
        records = list(records[: self.versions_shown + 1])
        versions = []
        for record, previous in zip(records, [*records[1:], None], strict=True):
            versions.append(
                {
                    "record": record,
                    "changed": changed_fields(self.model, previous, record),
                    "diffs": field_diffs(self.model, previous, record, self.version_fields)
                    if previous
                    else [],
                    "current": record.version == obj.version,
                }
            )
        # Django's own change log of the item (e.g. preview links shared) stays on this page.
        log = LogEntry.objects.filter(
            object_id=str(obj.pk), content_type=get_content_type_for_model(obj)
        ).select_related("user")
        context = {
            **self.admin_site.each_context(request),
            "log_entries": list(log.order_by("-action_time", "-pk")[: self.versions_shown]),
            "title": _("Versionen von „%(object)s“") % {"object": obj},
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "versions": versions[: self.versions_shown],
            "more_versions": len(records) > self.versions_shown,
            "can_restore": self.has_change_permission(request, obj),
            "restore_url_name": f"admin:{self.url_name('restore_version')}",
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/plenum/versions.html", context)

    def restore_version_view(self, request, object_id, history_id):
        return require_POST(self._restore_version)(request, object_id, history_id)

    def _restore_version(self, request, object_id, history_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        record = get_object_or_404(obj.history, history_id=history_id)
        fields = [self.model._meta.get_field(name) for name in self.version_fields]
        changed = {f.name for f in fields if getattr(obj, f.attname) != getattr(record, f.attname)}
        # Readers see "Aktualisiert am", as after any edit of a public text (PublishableAdmin).
        if changed & set(getattr(self, "revision_fields", ())) and obj.is_published():
            obj.revised_at = timezone.now()
        with transaction.atomic(using=obj._state.db):
            if not obj.claim_version(obj.version):
                # Someone saved (or withdrew) meanwhile; writing the row loaded
                # before that would undo it.
                messages.error(
                    request,
                    gettext(
                        "Jemand anderes hat diesen Inhalt inzwischen geändert. "
                        "Bitte prüfen Sie die Versionen und stellen Sie dann erneut wieder her."
                    ),
                )
                return redirect(reverse(f"admin:{self.url_name('history')}", args=[obj.pk]))
            for field in fields:
                setattr(obj, field.attname, getattr(record, field.attname))
            # Saved like any edit: a new version, and the rich text sanitized again.
            obj._change_reason = gettext("Wiederhergestellt aus Version %(version)s") % {
                "version": record.version
            }
            # Only the restored fields: status and publish time stay as they are now.
            restored = [field.name for field in fields]
            restored += [name for name in ("revised_at", "updated_at") if hasattr(obj, name)]
            obj.save(update_fields=restored)
            self.log_change(request, obj, obj._change_reason)
        messages.success(
            request,
            gettext("Version %(old)s wurde als neue Version %(new)s wiederhergestellt.")
            % {"old": record.version, "new": obj.version},
        )
        return redirect(reverse(f"admin:{self.url_name('history')}", args=[obj.pk]))

    def url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"


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
    """Shared workflow of anything with a status and a publish time."""

    form = WorkflowForm
    # Fields whose change after publication readers are told about ("Aktualisiert am").
    revision_fields = ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"workflow_user": request.user})

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

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        if form.was_public and set(form.changed_data) & set(self.revision_fields):
            obj.revised_at = timezone.now()
        super().save_model(request, obj, form, change)
        workflow.record(
            obj, request.user, form.stored_status, form.cleaned_data.get("workflow_comment", "")
        )

    @admin.display(description=_("Stand"), ordering="publish_at")
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


@admin.register(Profile)
class ProfileAdmin(SharedContentMixin, admin.ModelAdmin):
    list_display = ("full_name", "party", "parliament", "constituency")
    autocomplete_fields = ("portrait",)
    fieldsets = (
        (None, {"fields": ("name", "title", "role", "party", "parliament", "constituency")}),
        (_("Porträt und Lebenslauf"), {"fields": ("portrait", "biography")}),
        (_("Büro"), {"fields": ("office_address", "office_phone", "office_email")}),
        (
            _("Pressekontakt"),
            {"fields": ("press_contact_name", "press_contact_phone", "press_contact_email")},
        ),
    )

    def has_add_permission(self, request):
        # One office, one profile: the site reads the first and only row.
        return super().has_add_permission(request) and not Profile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(SharedContentMixin, admin.ModelAdmin):
    list_display = ("name", "role")
    search_fields = ("name", "role")


@admin.register(Quote)
class QuoteAdmin(SharedContentMixin, VersionedAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "person", "said_on", "context")
    list_filter = ("person",)
    list_select_related = ("person",)
    search_fields = ("text", "context", "person__name")
    date_hierarchy = "said_on"
    autocomplete_fields = ("person",)
    version_fields = ("text", "said_on", "context", "source_url")


class StatisticForm(forms.ModelForm):
    class Meta:
        field_classes = {"value": GermanDecimalField}
        help_texts = {
            "value": _(
                "Wie gewohnt mit Komma, z. B. 67,8 oder 1.234,5. Leer für Aussagen ohne Zahl."
            )
        }


@admin.register(Statistic)
class StatisticAdmin(SharedContentMixin, VersionedAdminMixin, admin.ModelAdmin):
    form = StatisticForm
    list_display = ("display_value", "label", "source_name", "source_year")
    list_filter = ("source_name", "source_year")
    search_fields = ("label", "unit", "source_name", "source_title")
    fieldsets = (
        (None, {"fields": ("qualifier", "value", "unit", "label")}),
        (_("Quelle"), {"fields": ("source_name", "source_title", "source_url", "source_year")}),
    )
    version_fields = (
        "qualifier",
        "value",
        "unit",
        "label",
        "source_name",
        "source_title",
        "source_url",
        "source_year",
    )

    @admin.display(description=_("Wert"), ordering="value")
    def display_value(self, obj):
        return obj.display_value or "–"


@admin.register(Image)
class ImageAdmin(SharedContentMixin, admin.ModelAdmin):
    list_display = ("thumbnail", "alt_text", "credit", "dimensions", "uploaded_at")
    search_fields = ("alt_text", "caption", "credit")
    date_hierarchy = "uploaded_at"
    readonly_fields = ("thumbnail", "dimensions", "focal_picker", "social_crop")
    fieldsets = (
        (None, {"fields": ("file", "thumbnail", "dimensions", "alt_text", "caption", "credit")}),
        (_("Zuschnitt"), {"fields": ("focal_picker", "focal_x", "focal_y", "social_crop")}),
    )

    class Media:
        js = ("admin_plenum/focal-point.js",)
        css = {"all": ("admin_plenum/focal-point.css",)}

    @admin.display(description=_("Vorschau"))
    def thumbnail(self, obj):
        if not obj.file:
            return "–"
        picture = obj.picture()
        return format_html(
            '<img src="{}" alt="" width="120" loading="lazy" class="plenum-thumbnail">',
            picture["src"] if picture else obj.file.url,
        )

    @admin.display(description=_("Abmessungen"))
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height} px" if obj.width else "–"

    @admin.display(description=_("Bildmittelpunkt wählen"))
    def focal_picker(self, obj):
        if not obj.renditions:
            return _("Nach dem Speichern hier ins Bild klicken, um den Bildmittelpunkt zu setzen.")
        return format_html(
            '<span class="plenum-focal"><img src="{}" alt="{}">'
            '<span class="plenum-focal__marker"></span></span><br>{}',
            obj.picture()["src"],
            _("Bild zum Setzen des Bildmittelpunkts"),
            _("Ins Bild klicken, z. B. auf ein Gesicht; die Prozentwerte unten folgen."),
        )

    @admin.display(description=_("Vorschaubild für soziale Netzwerke"))
    def social_crop(self, obj):
        if not obj.renditions:
            return "–"
        url, width, height = obj.social()
        return format_html(
            '<img src="{}" alt="" width="300" loading="lazy" class="plenum-thumbnail"><br>{}',
            url,
            _("%(width)d × %(height)d px, zugeschnitten um den Bildmittelpunkt")
            % {"width": width, "height": height},
        )


@admin.register(LegalPage)
class LegalPageAdmin(SharedContentMixin, admin.ModelAdmin):
    list_display = ("__str__", "updated_at")
    fields = ("slug", "body")

    def get_readonly_fields(self, request, obj=None):
        # A text stays with its page; another page gets its own row.
        return ("slug",) if obj else ()

    def has_add_permission(self, request):
        # One text per page: once every page has one, there is nothing left to add.
        pages_left = LegalPage.objects.count() < len(LegalPage.Slug)
        # Public the moment it is saved, like every change of a legal page.
        freigabe = workflow.is_freigabe(request.user)
        return super().has_add_permission(request) and pages_left and freigabe


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read only: the workflow writes the record, people read it."""

    list_display = ("created_at", "action", "object_repr", "content_type", "user", "comment")
    list_filter = ("action", "content_type", "user")
    list_select_related = ("content_type", "user")
    search_fields = ("object_repr", "comment")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
