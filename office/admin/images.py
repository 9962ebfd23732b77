"""The photo library in the admin: thumbnails, the focal point picker, the social crop,
and the chooser through which the text editor places a photo in a release's text."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from office.admin.uploads import MediaStorageFaultMixin
from office.admin.workflow import SharedContentMixin
from office.media.photos import photo_id
from office.models import (
    Image,
)

CHOOSER_RESULTS = 24
PLACED_AT_MOST = 200


def chooser_entry(image):
    """Return what the chooser and the editor show of a photo; its text stays in the library."""
    picture = image.picture()
    return {
        "id": image.pk,
        "alt": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "thumbnail": image.square_url(),
        "preview": picture["src"] if picture else image.file.url,
    }


@admin.register(Image)
class ImageAdmin(MediaStorageFaultMixin, SharedContentMixin, admin.ModelAdmin):
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

    def get_urls(self):
        chooser = self.admin_site.admin_view(self.chooser_view)
        return [path("auswahl/", chooser, name="office_image_chooser"), *super().get_urls()]

    def chooser_view(self, request):
        """Answer the editor's photo chooser: photos matching ?q=, or those named by ?id=."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        photos = self.get_queryset(request)
        ids = [photo_id(value) for value in request.GET.getlist("id") if photo_id(value)]
        if ids:
            # The photos a text places, shown in its editor: as many as it has.
            photos = photos.filter(pk__in=ids[:PLACED_AT_MOST])
        else:
            query = request.GET.get("q", "")[:100]
            photos = self.get_search_results(request, photos, query)[0][:CHOOSER_RESULTS]
        return JsonResponse({"results": [chooser_entry(image) for image in photos]})

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
