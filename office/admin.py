from django.contrib import admin
from django.db import IntegrityError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from office.models import Image, LegalPage, Person, Profile, Quote, Statistic


class GermanSlugMixin:
    """Prefill slugs the German way (ä → ae, ß → ss) from the title."""

    class Media:
        js = ("admin/js/urlify.js", "admin_plenum/german-slugs.js")


class PublishableAdmin(GermanSlugMixin, admin.ModelAdmin):
    """Shared columns for anything with a status and a publish time."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError:
            # A double submit passed the slug check twice; the first insert won and
            # the transaction rolled back. Validating again shows the form, input
            # kept, with the slug taken.
            return super().changeform_view(request, *args, **kwargs)

    @admin.display(description=_("Sichtbarkeit"), ordering="publish_at")
    def visibility(self, obj):
        if obj.status != obj.Status.PUBLISHED:
            return _("Entwurf")
        if obj.publish_at > timezone.now():
            local = timezone.localtime(obj.publish_at)
            return _("Sperrfrist bis %(when)s Uhr") % {"when": date_format(local, "d.m.Y, H:i")}
        return _("Öffentlich")

    @admin.display(description=_("Öffentlich"), boolean=True)
    def public(self, obj):
        return obj.is_published()


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
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
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "role")
    search_fields = ("name", "role")


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ("__str__", "person", "said_on", "context")
    list_filter = ("person",)
    list_select_related = ("person",)
    search_fields = ("text", "context", "person__name")
    date_hierarchy = "said_on"
    autocomplete_fields = ("person",)


@admin.register(Statistic)
class StatisticAdmin(admin.ModelAdmin):
    list_display = ("display_value", "label", "source_name", "source_year")
    list_filter = ("source_name", "source_year")
    search_fields = ("label", "unit", "source_name", "source_title")
    fieldsets = (
        (None, {"fields": ("qualifier", "value", "unit", "label")}),
        (_("Quelle"), {"fields": ("source_name", "source_title", "source_url", "source_year")}),
    )

    @admin.display(description=_("Wert"), ordering="value")
    def display_value(self, obj):
        return obj.display_value or "–"


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "alt_text", "credit", "dimensions", "uploaded_at")
    search_fields = ("alt_text", "caption", "credit")
    date_hierarchy = "uploaded_at"
    readonly_fields = ("thumbnail", "dimensions", "social_crop")
    fieldsets = (
        (None, {"fields": ("file", "thumbnail", "dimensions", "alt_text", "caption", "credit")}),
        (_("Zuschnitt"), {"fields": ("focal_x", "focal_y", "social_crop")}),
    )

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
class LegalPageAdmin(admin.ModelAdmin):
    list_display = ("__str__", "updated_at")
    fields = ("slug", "body")

    def get_readonly_fields(self, request, obj=None):
        # A text stays with its page; another page gets its own row.
        return ("slug",) if obj else ()

    def has_add_permission(self, request):
        # One text per page: once every page has one, there is nothing left to add.
        pages_left = LegalPage.objects.count() < len(LegalPage.Slug)
        return super().has_add_permission(request) and pages_left
