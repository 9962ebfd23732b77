"""The admin of the people on the list: CSV import and export, sign-ups, Terminhinweise."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _, ngettext

from distribution import contacts_csv, invitations
from distribution.models import ContactImport, Guest, Invitation, Signup
from events.models import Event
from office.admin.workflow import ReadOnlyMixin

# The import reads files up to this size (10,000 contacts are about 1 MB).
MAX_BYTES = 20 * 1024 * 1024
PREVIEW_LINES = 100


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-Datei"),
        help_text=_(
            "Aus Outlook („Exportieren → Kommagetrennte Werte“) oder Excel („CSV UTF-8“ oder "
            "„CSV (Trennzeichen-getrennt)“). Spalten: E-Mail (Pflicht), Name oder Vorname und "
            "Nachname, Medium/Firma, Kategorien, Themen (mehrere durch Komma getrennt)."
        ),
    )
    legal_basis = forms.CharField(
        label=_("Rechtsgrundlage"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text=_(
            "Worauf der Versand an diese Kontakte beruht, z. B. „Einwilligung per E-Mail, "
            "gesammelt 2024 im Büro“. Wird bei jedem Kontakt als Nachweis gespeichert."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Die Datei ist größer als 20 MB."))
        return upload


class ContactCsvMixin:
    """Import and export for the contacts' admin; both need the right to add and change contacts."""

    change_list_template = "admin/distribution/contact/change_list.html"
    actions = ("export_csv",)

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="distribution_contact_import"), *super().get_urls()]

    def may_import(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"may_import": self.may_import(request), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Ausgewählte Kontakte als CSV exportieren"), permissions=["change"])
    def export_csv(self, request, queryset):
        return contacts_csv.export(queryset)

    def import_view(self, request):
        if not self.may_import(request):
            raise PermissionDenied
        if request.method == "POST" and "upload" in request.POST:
            if not request.POST["upload"].isascii() or not request.POST["upload"].isdigit():
                raise Http404
            return self.confirm_import(request, request.POST["upload"])
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            ContactImport.objects.filter(
                imported_at=None, created_at__lt=timezone.now() - timedelta(days=1)
            ).delete()
            upload = ContactImport.objects.create(
                filename=form.cleaned_data["file"].name[:255],
                legal_basis=form.cleaned_data["legal_basis"],
                content=contacts_csv.decode(form.cleaned_data["file"].read()),
                created_by=request.user,
            )
            return self.preview(request, form, upload)
        return self.render_import(request, {"form": form})

    def preview(self, request, form, upload):
        """Show what the file would import and every line's errors; nothing is stored yet."""
        try:
            lines = contacts_csv.read(upload.content)
        except contacts_csv.CsvError as error:
            upload.delete()
            form.add_error("file", str(error))
            return self.render_import(request, {"form": form})
        failing = [line for line in lines if line.errors]
        ctx = {
            "form": form,
            "upload": upload,
            "lines": lines[:PREVIEW_LINES],
            "more": max(0, len(lines) - PREVIEW_LINES),
            "failing": failing,
            "count": number_format(len(lines), force_grouping=True),
        }
        return self.render_import(request, ctx)

    def confirm_import(self, request, upload_id):
        upload = get_object_or_404(
            ContactImport, pk=upload_id, created_by=request.user, imported_at=None
        )
        try:
            lines = contacts_csv.read(upload.content)
        except contacts_csv.CsvError as error:
            messages.error(request, str(error))
            return redirect("admin:distribution_contact_import")
        if any(line.errors for line in lines):
            # The list changed since the preview (someone added one of these): show it again.
            form = ImportForm(initial={"legal_basis": upload.legal_basis})
            return self.preview(request, form, upload)
        count = contacts_csv.store(lines, upload.legal_basis)
        ContactImport.objects.filter(pk=upload.pk).update(
            imported_at=timezone.now(), count=count, content=""
        )
        messages.success(
            request,
            ngettext("Ein Kontakt importiert.", "%(count)s Kontakte importiert.", count)
            % {"count": number_format(count, force_grouping=True)},
        )
        return redirect("admin:distribution_contact_changelist")

    def render_import(self, request, ctx):
        ctx |= {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Kontakte aus CSV importieren"),
        }
        return TemplateResponse(request, "admin/distribution/contact/import.html", ctx)


class ContactRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """What the list records about its contacts: read by whoever may see the contacts."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("distribution.view_contact")

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(ContactImport)
class ContactImportAdmin(ContactRecordAdmin):
    """Read only: the record of each import and the legal basis it stated."""

    list_display = ("filename", "count", "legal_basis", "created_by", "imported_at")
    list_filter = ("imported_at",)
    fields = ("filename", "count", "legal_basis", "created_by", "created_at", "imported_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(imported_at=None).select_related("created_by")


@admin.register(Signup)
class SignupAdmin(ContactRecordAdmin):
    """Sign-ups on the site, confirmed or waiting: read only."""

    list_display = ("email", "name", "outlet", "created_at", "confirmed_at")
    list_filter = ("confirmed_at",)
    search_fields = ("email", "name", "outlet")
    fields = ("email", "name", "outlet", "categories", "topics", "created_at", "confirmed_at")
    readonly_fields = fields


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("event", "accreditation", "categories", "topics")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "event" not in self.fields:  # the read-only page of a sent invitation
            return
        # Only what readers may see: the invitation links the public page of the event.
        # published(), not the status: an event under a Sperrfrist would be mailed before it.
        self.fields["event"].queryset = Event.objects.published().filter(
            ends_at__gte=timezone.now(), invitation__isnull=True
        )


class GuestInline(ReadOnlyMixin, admin.TabularInline):
    model = Guest
    fields = (
        "contact",
        "status",
        "sent_sequence",
        "sent_at",
        "answer",
        "answer_name",
        "answer_outlet",
        "answered_at",
        "last_error",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Eingeladene und ihre Antworten")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Send a Terminhinweis; its page then lists the guests, what they got and their answers."""

    form = InvitationForm
    list_display = ("event", "guests", "accepted", "sequence", "created_at")
    list_select_related = ("event",)
    filter_horizontal = ("categories", "topics")
    readonly_fields = ("event", "accreditation", "sequence", "created_by", "created_at")
    inlines = (GuestInline,)
    actions = ("export_answers",)

    def get_queryset(self, request):
        yes = Count("guests", filter=Q(guests__answer=Guest.Answer.YES))
        return super().get_queryset(request).annotate(guest_count=Count("guests"), yes_count=yes)

    def get_fields(self, request, obj=None):
        return InvitationForm.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return () if obj is None else self.inlines

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        invitation = invitations.invite(
            data["event"], request.user, data["accreditation"], data["categories"], data["topics"]
        )
        obj.pk = invitation.pk

    def save_related(self, request, form, formsets, change):
        """The audience is written by invitations.invite."""

    @admin.display(description=_("Eingeladen"))
    def guests(self, obj):
        return obj.guest_count

    @admin.display(description=_("Zusagen"))
    def accepted(self, obj):
        return obj.yes_count

    @admin.action(description=_("Antworten als CSV exportieren"), permissions=["view"])
    def export_answers(self, request, queryset):
        guests = (
            Guest.objects.filter(invitation__in=queryset)
            .select_related("invitation__event", "contact")
            .order_by("invitation__event__starts_at", "pk")
        )
        header = [
            _("Termin"),
            _("Name"),
            _("Medium"),
            _("E-Mail"),
            _("Akkreditierung"),
            _("Name (Antwort)"),
            _("Medium (Antwort)"),
            _("Geantwortet am"),
        ]
        rows = (
            [
                guest.invitation.event.title,
                guest.contact.name,
                guest.contact.outlet,
                guest.contact.email,
                guest.get_answer_display() if guest.answer else _("keine Antwort"),
                guest.answer_name,
                guest.answer_outlet,
                contacts_csv.moment(guest.answered_at),
            ]
            for guest in guests
        )
        return contacts_csv.csv_response("akkreditierungen.csv", header, rows)
