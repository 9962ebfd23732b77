from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from distribution import sending
from distribution.admin_people import ContactCsvMixin
from distribution.models import Contact, Delivery, Mailing
from office.publishing import Status
from office.publishing.workflow import berlin_minute, can_publish
from releases.models import Release


@admin.register(Contact)
class ContactAdmin(ContactCsvMixin, admin.ModelAdmin):
    list_display = ("name", "outlet", "email", "status", "source", "confirmed_at")
    list_filter = ("status", "source", "categories", "topics")
    search_fields = ("name", "outlet", "email")
    filter_horizontal = ("categories", "topics")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "outlet", "email", "status")}),
        (_("Themen"), {"fields": ("categories", "topics")}),
        (
            _("Einwilligung"),
            {"fields": ("source", "legal_basis", "consented_at", "confirmed_at")},
        ),
        (_("Verlauf"), {"fields": ("created_at", "updated_at")}),
    )


def progress(mailing) -> str:
    """Say how far a mailing is, e.g. "1.234 von 2.000 versendet"."""
    text = _("%(sent)s von %(total)s versendet") % {
        "sent": number_format(mailing.sent, force_grouping=True),
        "total": number_format(mailing.total, force_grouping=True),
    }
    if mailing.failed:
        text += ", " + _("%(failed)s nicht zustellbar") % {
            "failed": number_format(mailing.failed, force_grouping=True)
        }
    return text


class SendForm(forms.ModelForm):
    """The Freigabe's choice: which release, to whom, and when."""

    class Meta:
        model = Mailing
        fields = ("release", "categories", "topics", "mode")
        help_texts = {
            "categories": _(
                "Ohne Kategorie und Thema geht die Pressemitteilung an alle aktiven Kontakte; "
                "sonst an alle, die eine der gewählten Kategorien oder Themen abonniert "
                "haben, und an alle, die alles bekommen."
            ),
            "mode": _(
                "Ohne Sperrfrist geht die E-Mail mit der Veröffentlichung hinaus. Mit Sperrfrist "
                "wählen Sie: zum Ende der Sperrfrist, oder sofort vorab, mit „SPERRFRIST“ im "
                "Betreff und oben im Text und Fotos als Links, die nur Empfänger kennen."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["release"].queryset = Release.objects.filter(
            status__in=(Status.REVIEW, Status.PUBLISHED)
        )

    def clean(self):
        cleaned_data = super().clean()
        release = cleaned_data.get("release")
        mode = cleaned_data.get("mode")
        if release is None or mode is None:
            return cleaned_data
        embargoed = release.publish_at > timezone.now()
        if mode != Mailing.Mode.PUBLICATION and not embargoed:
            self.add_error(
                "mode",
                _("Diese Pressemitteilung hat keine Sperrfrist: Sie geht bei Veröffentlichung."),
            )
        key = sending.audience_key(
            cleaned_data.get("categories") or (), cleaned_data.get("topics") or ()
        )
        taken = Mailing.objects.filter(release=release, audience_key=key)
        if taken.exclude(state=Mailing.State.CANCELLED).exists():
            raise ValidationError(
                _("Diese Pressemitteilung ist an diese Empfänger schon versendet oder geplant."),
                code="taken",
            )
        return cleaned_data


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("contact", "status", "attempts", "sent_at", "next_attempt_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("Ergebnis je Empfänger")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ("release", "audience", "mode", "state", "progress", "created_at")
    list_filter = ("state", "mode")
    list_select_related = ("release",)
    search_fields = ("release__title",)
    autocomplete_fields = ("release",)
    filter_horizontal = ("categories", "topics")
    form = SendForm
    readonly_fields = (
        "release",
        "audience",
        "mode",
        "embargo",
        "state",
        "progress",
        "created_by",
        "created_at",
        "finished_at",
    )
    inlines = (DeliveryInline,)

    def add_view(self, request, form_url="", extra_context=None):
        if not settings.EMAIL_URL:
            messages.warning(
                request,
                _(
                    "Für diese Website ist kein Mailserver eingerichtet (EMAIL_URL): "
                    "E-Mails werden nur als Dateien auf dem Server abgelegt, "
                    "niemand bekommt sie."
                ),
            )
        return super().add_view(request, form_url, extra_context)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).with_progress().prefetch_related("categories", "topics")
        )

    def get_fields(self, request, obj=None):
        return SendForm.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return () if obj is None else self.inlines

    def get_changeform_initial_data(self, request):
        # The release's change form links here with its number; anything else is no choice.
        release = request.GET.get("release", "")
        chosen = release if release.isascii() and release.isdigit() else None
        return {"release": chosen, "mode": Mailing.Mode.PUBLICATION}

    def has_add_permission(self, request):
        # Sending is a step of the Freigabe: the model permission and the release's.
        return super().has_add_permission(request) and can_publish(request.user, Release)

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change or not self.has_add_permission(request):
            raise PermissionDenied
        data = form.cleaned_data
        mailing = sending.create_mailing(
            data["release"], request.user, data["mode"], data["categories"], data["topics"]
        ) or Mailing.objects.get(
            release=data["release"],
            audience_key=sending.audience_key(data["categories"], data["topics"]),
            state__in=[Mailing.State.PLANNED, Mailing.State.SENDING, Mailing.State.DONE],
        )
        obj.pk = mailing.pk

    def save_related(self, request, form, formsets, change):
        """The mailing's audience is written by sending.create_mailing."""

    def response_add(self, request, obj, post_url_continue=None):
        return super().response_add(
            request, obj, reverse("admin:distribution_mailing_change", args=[obj.pk])
        )

    @admin.display(description=_("Empfänger"))
    def audience(self, obj):
        if obj.everyone:
            return _("Alle")
        names = [c.name for c in obj.categories.all()] + [t.name for t in obj.topics.all()]
        return ", ".join(names)

    @admin.display(description=_("Fortschritt"))
    def progress(self, obj):
        return progress(obj)

    @admin.display(description=_("Sperrfrist"))
    def embargo(self, obj):
        if obj.embargo_until is None:
            return "–"
        return _("%(when)s Uhr") % {"when": berlin_minute(obj.embargo_until)}


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read only: the worker writes each result, people read it."""

    list_display = ("contact", "mailing", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    list_select_related = ("contact", "mailing__release")
    search_fields = ("contact__email", "contact__name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def send_link(release):
    """Return the link of the release's change form to the send page, for the Freigabe."""
    url = reverse("admin:distribution_mailing_add") + f"?release={release.pk}"
    return format_html('<a href="{}">{}</a>', url, _("An den Presseverteiler senden"))
