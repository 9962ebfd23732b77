"""The office's own content in the admin: profile, people, quotes, figures, legal pages."""

from django import forms
from django.contrib import admin
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
