from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from distribution import sending
from distribution.approval import SendOnApprovalMixin
from office.admin.content import NewSharedItemForm, SharedItemInline
from office.admin.drafts import DraftDeskMixin
from office.admin.uploads import MediaStorageFaultMixin
from office.admin.versions import VersionedAdminMixin
from office.admin.workflow import (
    GermanSlugMixin,
    PublishableAdmin,
    SharedContentMixin,
    SharePreviewMixin,
)
from office.models import Person, Quote, Statistic
from office.models.numbers import GermanDecimalField
from office.site import seo
from releases import views
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


def shared_field(model, name, **kwargs):
    """Return the form field of a shared model's field, optional, for writing a new one."""
    return model._meta.get_field(name).formfield(required=False, **kwargs)


class ReleaseQuoteForm(NewSharedItemForm):
    item_field = "quote"
    new_fields = ("text", "person", "said_on", "context")
    new_marker = "text"

    new_text = shared_field(Quote, "text", widget=forms.Textarea(attrs={"rows": 3}))
    new_person = forms.ModelChoiceField(
        Person.objects.all(),
        label=_("Person"),
        required=False,
        help_text=Quote._meta.get_field("person").help_text,
    )
    new_said_on = shared_field(Quote, "said_on", widget=AdminDateWidget, initial=timezone.localdate)
    new_context = shared_field(Quote, "context")


class ReleaseStatisticForm(NewSharedItemForm):
    item_field = "statistic"
    new_fields = ("qualifier", "value", "unit", "label", "source_name", "source_year")
    new_marker = "label"

    new_qualifier = shared_field(Statistic, "qualifier")
    new_value = shared_field(
        Statistic,
        "value",
        form_class=GermanDecimalField,
        help_text=_("Wie gewohnt mit Komma, z. B. 67,8 oder 1.234,5. Leer für Aussagen ohne Zahl."),
    )
    new_unit = shared_field(Statistic, "unit")
    new_label = shared_field(Statistic, "label")
    new_source_name = shared_field(Statistic, "source_name")
    new_source_year = shared_field(Statistic, "source_year")


class ReleaseQuoteInline(SharedItemInline):
    model = ReleaseQuote
    form = ReleaseQuoteForm
    autocomplete_fields = ("quote",)
    fieldsets = (
        (None, {"fields": ("quote",), "classes": ("plenum-picker",)}),
        (
            _("oder ein neues Zitat schreiben"),
            {
                "fields": ("new_text", "new_person", "new_said_on", "new_context"),
                "classes": ("plenum-new-item",),
            },
        ),
        (None, {"fields": ("order",), "classes": ("plenum-order",)}),
    )


class ReleaseStatisticInline(SharedItemInline):
    model = ReleaseStatistic
    form = ReleaseStatisticForm
    autocomplete_fields = ("statistic",)
    fieldsets = (
        (None, {"fields": ("statistic",), "classes": ("plenum-picker",)}),
        (
            _("oder eine neue Kennzahl schreiben"),
            {
                "fields": (
                    ("new_qualifier", "new_value", "new_unit"),
                    "new_label",
                    ("new_source_name", "new_source_year"),
                ),
                "classes": ("plenum-new-item",),
            },
        ),
        (None, {"fields": ("order",), "classes": ("plenum-order",)}),
    )


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
    MediaStorageFaultMixin,
    SendOnApprovalMixin,
    DraftDeskMixin,
    VersionedAdminMixin,
    SharePreviewMixin,
    PublishableAdmin,
):
    live_preview = staticmethod(views.live_preview)
    counted_fields = {"title": seo.SEARCH_TITLE_CHARS, "lead": seo.SEARCH_DESCRIPTION_CHARS}
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
        ReleaseQuoteInline,
        ReleaseStatisticInline,
        ReleaseImageInline,
        ReleaseAttachmentInline,
    )
    CORRECTION = _("Korrektur nach Veröffentlichung")
    RECORD = _("Verlauf")
    fieldsets = (
        (None, {"fields": ("title", "slug", "lead", "body")}),
        (_("Einordnung"), {"fields": ("category", "topics", "hero_image", "events")}),
        (
            _("Veröffentlichung"),
            {"fields": ("status", "publish_at", "workflow_comment", "workflow_history")},
        ),
        (CORRECTION, {"fields": ("correction_note", "revised_at")}),
        (
            RECORD,
            {"fields": ("author", "byline", "created_at", "updated_at"), "classes": ("collapse",)},
        ),
    )
    version_fields = ("title", "lead", "body")

    class Media:
        css = {"all": ("admin_plenum/desk-form.css", "admin_plenum/photos.css")}

    def get_fieldsets(self, request, obj=None):
        """Show what writing needs; a correction once published, the record once saved."""
        hidden = {str(self.CORRECTION)}
        if obj is not None and obj.status == Release.Status.PUBLISHED:
            hidden.clear()
        if obj is None:
            hidden.add(str(self.RECORD))
        fieldsets = super().get_fieldsets(request, obj)
        return [(name, options) for name, options in fieldsets if str(name) not in hidden]

    def get_list_display(self, request):
        """Add the link to the send page for those who may send to the Presseverteiler."""
        if sending.may_send(request.user):
            return (*self.list_display, "send_to_press_list")
        return self.list_display

    @admin.display(description=_("Presseverteiler"))
    def send_to_press_list(self, obj):
        # The send page offers what is approved or waits for approval.
        if obj.status not in (Release.Status.REVIEW, Release.Status.PUBLISHED):
            return "–"
        url = reverse("admin:distribution_mailing_add") + f"?release={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("An den Presseverteiler senden"))

    def get_inlines(self, request, obj):
        # A new release gets its quotes and figures; the press kit once it exists.
        if obj is None:
            return (ReleaseQuoteInline, ReleaseStatisticInline)
        return (
            ReleaseQuoteInline,
            ReleaseStatisticInline,
            ReleaseImageInline,
            ReleaseAttachmentInline,
        )
