"""The office's own content in the admin: profile, people, quotes, figures, legal pages."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from office.admin.versions import VersionedAdminMixin
from office.admin.workflow import SharedContentMixin
from office.models import (
    LegalPage,
    Person,
    Profile,
    Quote,
    Statistic,
)
from office.models.numbers import GermanDecimalField
from office.publishing import workflow


def without_popups(field):
    """Take the related-object popups (add, change, delete, view) off a picker's field.

    The admin wraps the widget in formfield_for_dbfield, after formfield_for_foreignkey,
    so this is called on what formfield_for_dbfield returns.
    """
    for flag in ("add", "change", "delete", "view"):
        setattr(field.widget, f"can_{flag}_related", False)
    return field


class NewSharedItemForm(forms.ModelForm):
    """A row of a release's quotes or figures: pick one that exists, or write a new one here.

    The new one is created on save and shown by this release only, so it passes the
    Freigabe with it, like one picked (README, "Zitate und Kennzahlen").
    """

    # Set by a subclass: the link field, the fields of a new item (each a form field
    # "new_<name>"), and the one whose value means "write a new one".
    item_field = ""
    new_fields = ()
    new_marker = ""
    # Set per request by SharedItemInline.get_formset.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.item_field].required = False
        self.new_item = None

    def has_changed(self):
        # ordering.js numbers every row, the empty one offered to write in as well: a new
        # row with nothing but its place is still empty. A saved row's new place is a change.
        if self.instance.pk:
            return super().has_changed()
        return any(name != "order" for name in self.changed_data)

    def has_new_item(self):
        return self.cleaned_data.get(f"new_{self.new_marker}") not in (None, "")

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk or not self.has_changed():
            return cleaned_data
        picked = cleaned_data.get(self.item_field)
        if picked and self.has_new_item():
            raise ValidationError(
                _("Bitte entweder ein vorhandenes wählen oder ein neues schreiben, nicht beides.")
            )
        if not picked and not self.has_new_item():
            raise ValidationError(_("Bitte ein vorhandenes wählen oder ein neues schreiben."))
        model = self._meta.model._meta.get_field(self.item_field).related_model
        if not picked and not self.user.has_perm(f"office.add_{model._meta.model_name}"):
            raise ValidationError(_("Sie dürfen hier nur Vorhandenes wählen."))
        if not picked:
            item = model(**{name: cleaned_data.get(f"new_{name}") for name in self.new_fields})
            for name in self.new_fields:
                if cleaned_data.get(f"new_{name}") is None and not model._meta.get_field(name).null:
                    setattr(item, name, "")
            try:
                item.full_clean()
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.add_error(f"new_{name}" if name in self.new_fields else None, messages)
            self.new_item = item
        return cleaned_data

    def save(self, commit=True):
        if self.new_item is not None:
            self.new_item.save()
            setattr(self.instance, self.item_field, self.new_item)
        return super().save(commit)


class SharedItemInline(admin.StackedInline):
    """Quotes or figures of a release: picked with a search field or written in place.

    The order is a number field without JavaScript; with it, admin_plenum/ordering.js
    hides it and offers a handle to drag and buttons to move a row up or down.
    """

    extra = 0
    classes = ("plenum-ordered",)

    class Media:
        js = ("admin_plenum/ordering.js",)
        css = {"all": ("admin_plenum/desk-form.css",)}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type(formset.form.__name__, (formset.form,), {"user": request.user})
        return formset

    def get_extra(self, request, obj=None, **kwargs):
        # A new release offers one empty row to write in; existing ones add rows on demand.
        return 1 if obj is None else 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == self.form.item_field:
            # Picked by its search field or written in place: no popup windows.
            without_popups(field)
        return field


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
