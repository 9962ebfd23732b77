from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from events import views
from events.models import Event
from office.admin.drafts import DraftDeskMixin
from office.admin.versions import VersionedAdminMixin
from office.admin.workflow import PublishableAdmin, SharePreviewMixin
from releases.models import Release


class ReleaseInline(admin.TabularInline):
    model = Release.events.through
    extra = 0
    autocomplete_fields = ("release",)
    verbose_name = _("Zugehörige Pressemitteilung")
    verbose_name_plural = _("Zugehörige Pressemitteilungen")


@admin.register(Event)
class EventAdmin(DraftDeskMixin, VersionedAdminMixin, SharePreviewMixin, PublishableAdmin):
    live_preview = staticmethod(views.live_preview)
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
    fieldsets = (
        (None, {"fields": ("title", "slug", "description", "image")}),
        (_("Zeit"), {"fields": ("starts_at", "ends_at", "all_day", "cancelled")}),
        (_("Ort"), {"fields": ("venue_name", "venue_address")}),
        (_("Beteiligte"), {"fields": ("organizer", "speakers")}),
        (
            _("Veröffentlichung"),
            {"fields": ("status", "publish_at", "workflow_comment", "workflow_history")},
        ),
        (_("Verlauf"), {"fields": ("author", "created_at", "updated_at")}),
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
