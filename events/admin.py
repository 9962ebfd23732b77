from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from events import views
from events.models import Event
from office.admin.content import without_popups
from office.admin.drafts import DraftDeskMixin
from office.admin.versions import VersionedAdminMixin
from office.admin.workflow import PublishableAdmin, SharePreviewMixin, WorkflowForm
from office.models import Person
from releases.models import Release


class ReleaseInline(admin.TabularInline):
    model = Release.events.through
    extra = 0
    autocomplete_fields = ("release",)
    verbose_name = _("Zugehörige Pressemitteilung")
    verbose_name_plural = _("Zugehörige Pressemitteilungen")
    # desk-form.css hides the link row's name ("Release_events object (1)").
    classes = ("plenum-links",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name != "release":
            return field
        # The join table's column is named "release" by Django, in English.
        field.label = _("Pressemitteilung")
        return without_popups(field)


class EventForm(WorkflowForm):
    new_speakers = forms.CharField(
        label=_("Neue Mitwirkende"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Wer noch nicht zur Auswahl steht: eine Person je Zeile, "
            "„Name, Funktion“, z. B. „Dr. Anna Beispiel, Direktorin des IW Köln“."
        ),
    )

    def clean_new_speakers(self):
        lines = [line.strip() for line in self.cleaned_data["new_speakers"].splitlines()]
        people = []
        for line in filter(None, lines):
            name, _comma, role = line.partition(",")
            person = Person(name=name.strip(), role=role.strip())
            try:
                person.full_clean()
            except ValidationError:
                raise ValidationError(
                    _(
                        "„%(line)s“: bitte als „Name, Funktion“ schreiben, "
                        "höchstens 200 Zeichen je Teil."
                    ),
                    params={"line": line[:80]},
                ) from None
            people.append(person)
        if people and not self.workflow_user.has_perm("office.add_person"):
            raise ValidationError(_("Sie dürfen hier nur Vorhandene wählen."))
        return people


@admin.register(Event)
class EventAdmin(DraftDeskMixin, VersionedAdminMixin, SharePreviewMixin, PublishableAdmin):
    live_preview = staticmethod(views.live_preview)
    form = EventForm
    list_display = (
        "title",
        "starts_at",
        "venue_name",
        "cancelled",
        "visibility",
        "public",
        "author",
    )
    list_select_related = ("author",)
    list_filter = ("status", "cancelled", "all_day")
    search_fields = ("title", "venue_name", "description", "organizer")
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("speakers", "image")
    readonly_fields = ("author", "created_at", "updated_at", "workflow_history")
    inlines = (ReleaseInline,)
    CANCELLATION = _("Absage")
    RECORD = _("Verlauf")
    # What writing an event needs comes first; cancelling and the record once it exists.
    fieldsets = (
        (None, {"fields": ("title", "slug", "starts_at", "ends_at", "all_day")}),
        (_("Ort"), {"fields": ("venue_name", "venue_address")}),
        (_("Beschreibung"), {"fields": ("description", "image")}),
        (_("Beteiligte"), {"fields": ("organizer", "speakers", "new_speakers")}),
        (
            _("Veröffentlichung"),
            {"fields": ("status", "publish_at", "workflow_comment", "workflow_history")},
        ),
        (CANCELLATION, {"fields": ("cancelled",)}),
        (
            RECORD,
            {"fields": ("author", "created_at", "updated_at"), "classes": ("collapse",)},
        ),
    )
    # Times and place are content; status, publish time and "Abgesagt" are publishing decisions.
    version_fields = (
        "title",
        "description",
        "starts_at",
        "ends_at",
        "all_day",
        "venue_name",
        "venue_address",
        "organizer",
    )

    class Media:
        css = {"all": ("admin_plenum/desk-form.css",)}

    def get_fieldsets(self, request, obj=None):
        """Show what writing needs; cancelling and the record once the event is saved."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        hidden = {str(self.CANCELLATION), str(self.RECORD)}
        return [(name, options) for name, options in fieldsets if str(name) not in hidden]

    def get_inlines(self, request, obj):
        # Releases point to an event that exists; the release form links them as well.
        return self.inlines if obj is not None else ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # Speakers are picked by their search field or written in below: no popups.
        return without_popups(field) if db_field.name == "speakers" else field

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        people = form.cleaned_data.get("new_speakers") or []
        for person in people:
            person.save()
        form.instance.speakers.add(*people)
