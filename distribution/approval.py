"""The Freigabe's choice, in a release's decision row, whether and to whom it goes by e-mail.

"Freigeben" then approves and books the mailing in the admin's one transaction,
through sending.create_mailing, the same call as the Versand page's: a failed
approval books nothing, and a second approval finds the mailing it booked.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from distribution import sending
from distribution.admin import progress
from distribution.models import Mailing
from office.publishing import workflow
from releases.models import Category, Topic


class Audience(TextChoices):
    NOBODY = "no", _("Nein")
    EVERYONE = "all", _("An alle")
    CHOSEN = "some", _("An Kategorien/Themen")


# With a Sperrfrist the Freigabe picks when the e-mail goes; without one it goes at publication.
EMBARGO_MODES = [
    (Mailing.Mode.EMBARGO_END, Mailing.Mode.EMBARGO_END.label),
    (Mailing.Mode.AHEAD, Mailing.Mode.AHEAD.label),
]


class SendChoiceForm(forms.ModelForm):
    """Add the mailing's choice to a release's WorkflowForm; `send_choice` is what to book."""

    send_to = forms.ChoiceField(
        label=_("An den Presseverteiler senden"),
        choices=Audience.choices,
        initial=Audience.NOBODY,
        required=False,
        widget=forms.RadioSelect,
    )
    send_categories = forms.ModelMultipleChoiceField(
        Category.objects.all(),
        label=_("Kategorien"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    send_topics = forms.ModelMultipleChoiceField(
        Topic.objects.all(), label=_("Themen"), required=False, widget=forms.CheckboxSelectMultiple
    )
    send_mode = forms.ChoiceField(
        label=_("Mit Sperrfrist"),
        choices=EMBARGO_MODES,
        initial=Mailing.Mode.EMBARGO_END,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Ohne Sperrfrist geht die E-Mail mit der Veröffentlichung hinaus. „Vorab“ schickt "
            "sie sofort, mit „SPERRFRIST“ im Betreff und oben im Text."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.send_choice = None
        if self.instance.pk:
            # Who follows what this release is about: its own category and topics.
            self.fields["send_categories"].initial = [self.instance.category_id]
            self.fields["send_topics"].initial = [topic.pk for topic in self.instance.topics.all()]

    def clean(self):
        cleaned_data = super().clean()
        audience = cleaned_data.get("send_to") or Audience.NOBODY
        if audience == Audience.NOBODY:
            return cleaned_data
        if not sending.may_send(self.workflow_user):
            raise ValidationError(
                _(
                    "An den Presseverteiler senden darf nur die Freigabe. Es wurde nichts "
                    "gespeichert und nichts versendet."
                ),
                code="decision",
            )
        if self.decision != workflow.Decision.APPROVE:
            # Chosen and then only saved, the choice would be lost without a word.
            self.add_error(
                "send_to",
                _(
                    "Der Versand an den Presseverteiler wird mit „Freigeben“ geplant. Bitte "
                    "„Freigeben“ wählen oder beim Versand „Nein“."
                ),
            )
            return cleaned_data
        categories = topics = ()
        if audience == Audience.CHOSEN:
            categories = cleaned_data.get("send_categories") or ()
            topics = cleaned_data.get("send_topics") or ()
            if not categories and not topics:
                self.add_error(
                    "send_to",
                    _(
                        "Bitte mindestens eine Kategorie oder ein Thema ankreuzen, "
                        "oder „An alle“ wählen."
                    ),
                )
                return cleaned_data
        self.send_choice = {
            "categories": list(categories),
            "topics": list(topics),
            "mode": cleaned_data.get("send_mode") or Mailing.Mode.EMBARGO_END,
        }
        return cleaned_data


class SendOnApprovalMixin:
    """A release admin whose "Freigeben" also books the mailing the Freigabe chose."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        base = kwargs.get("form", self.form)
        kwargs["form"] = type(base.__name__, (SendChoiceForm, base), {})
        return super().get_form(request, obj, change=change, **kwargs)

    def copied_fields(self, request):
        # The mailing is booked with the decision, and, like it, never kept in a draft's copy.
        return [
            field
            for field in super().copied_fields(request)
            if field[0] not in SendChoiceForm.declared_fields
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        offered = workflow.Decision.APPROVE in getattr(form, "offered", ())
        if offered and sending.may_send(request.user):
            context.setdefault("decision_templates", []).append("admin/distribution/send.html")
            context["send"] = self.send_context(form, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def send_context(self, form, obj):
        """Return the choice's fields, the release's own category and topics first (queries).

        The own ones are the form's initial choice, the release as stored.
        """
        kinds = {"send_categories": _("Kategorie"), "send_topics": _("Thema")}
        boxes = {"own": [], "others": []}
        for name, kind in kinds.items():
            own = set(form.fields[name].initial or ())
            for box in form[name]:
                mine = box.data["value"].value in own
                boxes["own" if mine else "others"].append({"kind": kind, "box": box})
        # A box ticked among the others (a form shown again) is never hidden.
        ticked = any(entry["box"].data["selected"] for entry in boxes["others"])
        others_open = ticked or not boxes["own"]
        booked = []
        if obj is not None:
            mailings = obj.mailings.exclude(state=Mailing.State.CANCELLED).with_progress()
            booked = [
                {
                    "mailing": mailing,
                    "url": reverse("admin:distribution_mailing_change", args=[mailing.pk]),
                    "progress": progress(mailing),
                }
                for mailing in mailings
            ]
        return {
            "to": form["send_to"],
            "mode": form["send_mode"],
            "own": boxes["own"],
            "others": boxes["others"],
            "others_open": others_open,
            "booked": booked,
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        choice = getattr(form, "send_choice", None)
        if choice is None:
            return
        release = form.instance
        embargoed = release.publish_at > timezone.now()
        mode = choice["mode"] if embargoed else Mailing.Mode.PUBLICATION
        mailing = sending.create_mailing(
            release, request.user, mode, choice["categories"], choice["topics"]
        )
        if mailing is None:
            self.message_user(
                request,
                _(
                    "An diese Empfänger ist die Pressemitteilung schon versendet oder geplant; "
                    "niemand bekommt sie ein zweites Mal."
                ),
                messages.INFO,
            )
            return
        url = reverse("admin:distribution_mailing_change", args=[mailing.pk])
        self.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("An den Presseverteiler: %(count)s Empfänger, %(mode)s.")
                % {"count": mailing.deliveries.count(), "mode": mailing.get_mode_display()},
                url,
                _("Versand ansehen"),
            ),
            messages.SUCCESS,
        )
