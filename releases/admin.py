from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from office.admin.uploads import MediaStorageFaultMixin
from office.admin.versions import VersionedAdminMixin
from office.admin.workflow import (
    GermanSlugMixin,
    PublishableAdmin,
    SharedContentMixin,
    SharePreviewMixin,
)
from releases.models import (
    Category,
    Release,
    ReleaseAttachment,
    ReleaseImage,
    ReleaseQuote,
    ReleaseStatistic,
    Topic,
)


@admin.register(Category)
class CategoryAdmin(SharedContentMixin, GermanSlugMixin, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Topic)
class TopicAdmin(SharedContentMixin, GermanSlugMixin, admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class ReleaseQuoteInline(admin.TabularInline):
    model = ReleaseQuote
    extra = 0
    autocomplete_fields = ("quote",)
    fields = ("order", "quote")


class ReleaseStatisticInline(admin.TabularInline):
    model = ReleaseStatistic
    extra = 0
    autocomplete_fields = ("statistic",)
    fields = ("order", "statistic")


class ReleaseImageInline(admin.TabularInline):
    model = ReleaseImage
    extra = 0
    autocomplete_fields = ("image",)
    fields = ("order", "image", "caption")


class ReleaseAttachmentInline(admin.TabularInline):
    model = ReleaseAttachment
    extra = 0
    fields = ("order", "title", "file")


@admin.register(Release)
class ReleaseAdmin(
    MediaStorageFaultMixin, VersionedAdminMixin, SharePreviewMixin, PublishableAdmin
):
    list_display = ("title", "category", "visibility", "public", "publish_at", "author")
    list_filter = ("status", "category", "topics")
    list_select_related = ("category", "author")
    search_fields = ("title", "lead", "body")
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("category", "hero_image", "topics", "events")
    readonly_fields = (
        "author",
        "byline",
        "created_at",
        "updated_at",
        "revised_at",
        "workflow_history",
    )
    revision_fields = ("title", "lead", "body", "correction_note")
    inlines = (
        ReleaseImageInline,
        ReleaseAttachmentInline,
        ReleaseQuoteInline,
        ReleaseStatisticInline,
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "lead", "body")}),
        (_("Einordnung"), {"fields": ("category", "topics", "hero_image", "events")}),
        (
            _("Veröffentlichung"),
            {"fields": ("status", "publish_at", "workflow_comment", "workflow_history")},
        ),
        (_("Korrektur nach Veröffentlichung"), {"fields": ("correction_note", "revised_at")}),
        (_("Verlauf"), {"fields": ("author", "byline", "created_at", "updated_at")}),
    )
    version_fields = ("title", "lead", "body")
