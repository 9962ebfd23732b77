"""Versions in the admin: edit conflicts refused, a history with diffs, restoring."""

from django import forms
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.http import require_POST

from office.publishing.revisions import EditConflict, changed_fields, field_diffs


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
