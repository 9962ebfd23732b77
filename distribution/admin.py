from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csp import csp_override

from distribution import sending, sent_mail
from distribution.admin_people import ContactCsvMixin
from distribution.models import Contact, Delivery, Mailing
from office.admin.workflow import ReadOnlyMixin
from office.publishing import Status
from office.publishing.workflow import berlin_minute
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


# The page that shows a mail's HTML in a frame: the admin's policy, but inline
# styles allowed, since a srcdoc frame inherits the page's policy and an e-mail
# is styled inline. Scripts stay nonce-only, and the frame is sandboxed without
# scripts and without the admin's origin, with a policy of its own besides.
SENT_MAIL_CSP = settings.ADMIN_CSP | {"style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


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
        # A booked mailing's page shows it read-only: no field to offer releases in.
        if "release" in self.fields:
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


class DeliveryInline(ReadOnlyMixin, admin.TabularInline):
    model = Delivery
    fields = ("contact", "status", "attempts", "sent_at", "next_attempt_at", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("Ergebnis je Empfänger")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact")


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

    def get_urls(self):
        sent_list = self.admin_site.admin_view(self.sent_mail_view)
        sent_detail = self.admin_site.admin_view(self.sent_mail_detail_view)
        return [
            path("gesendete-e-mails/", sent_list, name="distribution_sent_mail"),
            path(
                "gesendete-e-mails/<str:file_name>/<int:number>/",
                sent_detail,
                name="distribution_sent_mail_detail",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"show_sent_mail": settings.DEBUG, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def sent_mail_view(self, request):
        """List the mails written to SENT_MAIL_DIR; development only (DEBUG)."""
        if not settings.DEBUG or not self.has_view_permission(request):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": _("Gesendete E-Mails (Entwicklung)"),
            "opts": self.opts,
            "mails": sent_mail.newest(),
            "directory": sent_mail.directory(),
        }
        return TemplateResponse(request, "admin/distribution/sent_mail_list.html", context)

    @csp_override(SENT_MAIL_CSP)
    def sent_mail_detail_view(self, request, file_name, number):
        """Show one mail: its headers, its text, its HTML in a sandboxed frame (DEBUG)."""
        shown = settings.DEBUG and self.has_view_permission(request)
        mail = sent_mail.find(file_name, number) if shown else None
        if mail is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": mail.subject or _("(ohne Betreff)"),
            "opts": self.opts,
            "mail": mail,
            "html": mail.part("html"),
            "text": mail.part("plain"),
            "frame_csp": FRAME_CSP,
        }
        return TemplateResponse(request, "admin/distribution/sent_mail_detail.html", context)

    def get_changeform_initial_data(self, request):
        # The release's change form links here with its number; anything else is no choice.
        release = request.GET.get("release", "")
        chosen = release if release.isascii() and release.isdigit() else None
        return {"release": chosen, "mode": Mailing.Mode.PUBLICATION}

    def has_add_permission(self, request):
        return sending.may_send(request.user)

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

    def response_post_save_add(self, request, obj):
        # Straight to the send's own page: its progress and the result per recipient.
        return HttpResponseRedirect(reverse("admin:distribution_mailing_change", args=[obj.pk]))

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
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read only: the worker writes each result, people read it."""

    list_display = ("contact", "mailing", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    list_select_related = ("contact", "mailing__release")
    search_fields = ("contact__email", "contact__name")

    def has_delete_permission(self, request, obj=None):
        return False
