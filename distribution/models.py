"""The Presseverteiler's records: contacts, mailings and their deliveries, sign-ups, invitations.

One module past 400 lines because a delivery, a guest and a sign-up are each
read against the contact and the mailing they belong to, and migrations name
them here.
"""

import secrets
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(24)


def normalize_email(address: str) -> str:
    """Return the address as stored: trimmed, lower case, the domain in one spelling.

    One inbox is one contact, and its sign-up limit counts every spelling: a
    domain in capitals, full-width letters or punycode is the same domain.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return address.strip().lower()
    labels = unicodedata.normalize("NFKC", domain).lower().split(".")
    return f"{local.lower()}@{'.'.join(unpunycode(label) for label in labels)}"


def unpunycode(label: str) -> str:
    """Return a punycode label ("xn--bcher-kva") as its letters ("bücher"), exactly as written."""
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label


class ContactQuerySet(models.QuerySet):
    def reached_by(self, mailing):
        """Return the active contacts a mailing's audience covers (no categories/topics: all)."""
        contacts = self.filter(status=Contact.Status.ACTIVE)
        if mailing.everyone:
            return contacts
        categories = [category.pk for category in mailing.categories.all()]
        topics = [topic.pk for topic in mailing.topics.all()]
        wants_everything = Q(categories=None, topics=None)
        return contacts.filter(
            wants_everything | Q(categories__in=categories) | Q(topics__in=topics)
        ).distinct()


class Contact(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Wartet auf Bestätigung")
        ACTIVE = "active", _("Aktiv")
        UNSUBSCRIBED = "unsubscribed", _("Abgemeldet")
        UNDELIVERABLE = "undeliverable", _("Nicht zustellbar")

    class Source(models.TextChoices):
        IMPORTED = "imported", _("Vom Büro eingetragen")
        SIGNUP = "signup", _("Selbst angemeldet und bestätigt")

    name = models.CharField(_("Name"), max_length=200)
    outlet = models.CharField(_("Medium"), max_length=200, blank=True)
    email = models.EmailField(
        _("E-Mail"),
        max_length=254,
        unique=True,
        error_messages={"unique": _("Diese E-Mail-Adresse steht schon im Presseverteiler.")},
    )
    categories = models.ManyToManyField(
        "releases.Category",
        verbose_name=_("Kategorien"),
        blank=True,
        related_name="+",
        help_text=_("Ohne Kategorie und Thema bekommt der Kontakt alle Pressemitteilungen."),
    )
    topics = models.ManyToManyField(
        "releases.Topic", verbose_name=_("Themen"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(_("Herkunft der Einwilligung"), max_length=20, choices=Source.choices)
    legal_basis = models.TextField(
        _("Rechtsgrundlage"),
        blank=True,
        help_text=_(
            "Bei vom Büro eingetragenen Kontakten: worauf der Versand beruht, "
            "z. B. „Einwilligung per E-Mail vom 3. März 2025“."
        ),
    )
    consented_at = models.DateTimeField(_("Eingewilligt am"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("Bestätigt am"), null=True, blank=True)
    # The secret in the contact's personal links (settings, unsubscribe): a
    # random value, so a link can be revoked by drawing a new one.
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Zuletzt geändert"), auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ("name", "email")
        verbose_name = _("Kontakt")
        verbose_name_plural = _("Kontakte")

    def __str__(self):
        return f"{self.name} <{self.email}>" if self.name else self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """Return the contact's personal settings page, the link in every e-mail."""
        return reverse("distribution:settings", kwargs={"token": self.token})


class MailingQuerySet(models.QuerySet):
    def with_progress(self):
        """Annotate the counts the admin shows: recipients, sent, failed, waiting (one query)."""
        Status = Delivery.Status
        return self.annotate(
            total=Count("deliveries"),
            sent=Count("deliveries", filter=Q(deliveries__status=Status.SENT)),
            failed=Count("deliveries", filter=Q(deliveries__status=Status.FAILED)),
            waiting=Count("deliveries", filter=Q(deliveries__status__in=Delivery.Status.waiting())),
        )


class Mailing(models.Model):
    """A release sent to the contacts of an audience; one per release and audience."""

    class Mode(models.TextChoices):
        PUBLICATION = "publication", _("Bei Veröffentlichung")
        EMBARGO_END = "embargo_end", _("Zum Ende der Sperrfrist")
        AHEAD = "ahead", _("Vorab mit Sperrfrist-Vermerk")

    class State(models.TextChoices):
        PLANNED = "planned", _("Geplant")
        SENDING = "sending", _("Wird versendet")
        DONE = "done", _("Versendet")
        CANCELLED = "cancelled", _("Abgebrochen")

    release = models.ForeignKey(
        "releases.Release",
        verbose_name=_("Pressemitteilung"),
        on_delete=models.CASCADE,
        related_name="mailings",
    )
    everyone = models.BooleanField(_("An alle"), default=True)
    categories = models.ManyToManyField(
        "releases.Category", verbose_name=_("Kategorien"), blank=True, related_name="+"
    )
    topics = models.ManyToManyField(
        "releases.Topic", verbose_name=_("Themen"), blank=True, related_name="+"
    )
    # "all", or the chosen category and topic ids, sorted: the key of the one
    # mailing a release may have per audience.
    audience_key = models.CharField(max_length=500, editable=False)
    mode = models.CharField(_("Zeitpunkt"), max_length=20, choices=Mode.choices)
    # The Sperrfrist the e-mail states (mode "ahead"): the release's publish time
    # when the Freigabe sent it.
    embargo_until = models.DateTimeField(_("Sperrfrist bis"), null=True, blank=True)
    state = models.CharField(
        _("Stand"), max_length=20, choices=State.choices, default=State.PLANNED
    )
    # When the run the mailing waits for is booked (a task's run_after), so a
    # save of its release books a run only when that moment changed.
    booked_for = models.DateTimeField(null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Veranlasst von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Abgeschlossen"), null=True, blank=True)

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Versand")
        verbose_name_plural = _("Versand")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "audience_key"],
                condition=~Q(state="cancelled"),
                name="one_mailing_per_release_and_audience",
            )
        ]

    def __str__(self):
        return str(self.release)


class Delivery(models.Model):
    """One contact's copy of a mailing: what happened to it, attempt by attempt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Wartet")
        SENT = "sent", _("Versendet")
        DEFERRED = "deferred", _("Vorübergehend fehlgeschlagen, neuer Versuch geplant")
        FAILED = "failed", _("Nicht zustellbar")
        CANCELLED = "cancelled", _("Abgebrochen")

        @classmethod
        def waiting(cls):
            return (cls.QUEUED, cls.DEFERRED)

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("Versand"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # The mailing's release again, so the database itself refuses a second copy
    # of one release to one contact, whatever audiences overlap.
    release = models.ForeignKey(
        "releases.Release", on_delete=models.CASCADE, related_name="+", editable=False
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("Kontakt"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("Nächster Versuch"), null=True, blank=True)
    last_error = models.TextField(_("Letzte Fehlermeldung"), blank=True)
    sent_at = models.DateTimeField(_("Versendet am"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    class Meta:
        ordering = ("pk",)
        verbose_name = _("Empfänger")
        verbose_name_plural = _("Empfänger")
        constraints = [
            models.UniqueConstraint(fields=["mailing", "contact"], name="one_delivery_per_mailing"),
            models.UniqueConstraint(
                fields=["release", "contact"],
                condition=~Q(status="cancelled"),
                name="one_copy_of_a_release_per_contact",
            ),
        ]
        indexes = [models.Index(fields=["mailing", "status"], name="delivery_progress_idx")]

    def __str__(self):
        return str(self.contact)


class Signup(models.Model):
    """A sign-up on the site, waiting for the click in its confirmation e-mail.

    The choices stay here until then, so a stranger typing someone's address
    changes nothing of an existing contact; the confirmation applies them.
    """

    email = models.EmailField(_("E-Mail"), max_length=254, db_index=True)
    name = models.CharField(_("Name"), max_length=200)
    outlet = models.CharField(_("Medium"), max_length=200, blank=True)
    categories = models.ManyToManyField(
        "releases.Category", verbose_name=_("Kategorien"), blank=True, related_name="+"
    )
    topics = models.ManyToManyField(
        "releases.Topic", verbose_name=_("Themen"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("Angemeldet am"), default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(_("Bestätigt am"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Anmeldung")
        verbose_name_plural = _("Anmeldungen")

    def __str__(self):
        return self.email


class Invitation(models.Model):
    """A Terminhinweis: an event's press invitation to the contacts of an audience."""

    event = models.OneToOneField(
        "events.Event",
        verbose_name=_("Termin"),
        on_delete=models.CASCADE,
        related_name="invitation",
    )
    accreditation = models.TextField(
        _("Hinweise zur Akkreditierung"),
        blank=True,
        help_text=_(
            "Steht in der Einladung, z. B. „Bitte bis 10. Februar anmelden; "
            "Presseausweis mitbringen; Einlass ab 9:30 Uhr“."
        ),
    )
    categories = models.ManyToManyField(
        "releases.Category",
        verbose_name=_("Kategorien"),
        blank=True,
        related_name="+",
        help_text=_(
            "Ohne Kategorie und Thema geht die Einladung an alle aktiven Kontakte; sonst an "
            "alle, die eine der gewählten Kategorien oder Themen abonniert haben, und an alle, "
            "die alles bekommen."
        ),
    )
    topics = models.ManyToManyField(
        "releases.Topic", verbose_name=_("Themen"), blank=True, related_name="+"
    )
    # The iCalendar SEQUENCE of the newest version of the invitation: raised by
    # each change of time, place or cancellation that the guests are told of.
    sequence = models.PositiveIntegerField(_("Fassung"), default=0, editable=False)
    # What the guests were last told (time, place, cancelled), to notice a change.
    announced = models.JSONField(default=dict, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Veranlasst von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Angelegt"), auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Terminhinweis")
        verbose_name_plural = _("Terminhinweise")

    def __str__(self):
        return str(self.event)

    @property
    def everyone(self):
        """Tell Contact.objects.reached_by() whether the audience is all (queries)."""
        return not self.categories.exists() and not self.topics.exists()


class Guest(models.Model):
    """One contact's copy of an invitation, its updates and the contact's answer."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Wartet")
        SENT = "sent", _("Versendet")
        FAILED = "failed", _("Nicht zustellbar")

    class Answer(models.TextChoices):
        YES = "yes", _("Ja, ich komme")
        NO = "no", _("Nein")

    invitation = models.ForeignKey(
        Invitation, verbose_name=_("Terminhinweis"), on_delete=models.CASCADE, related_name="guests"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("Kontakt"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(
        _("Status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    # The newest version of the invitation (its sequence) this guest has; -1: none yet.
    sent_sequence = models.IntegerField(_("Erhaltene Fassung"), default=-1)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    next_attempt_at = models.DateTimeField(_("Nächster Versuch"), null=True, blank=True)
    last_error = models.TextField(_("Letzte Fehlermeldung"), blank=True)
    sent_at = models.DateTimeField(_("Versendet am"), null=True, blank=True)
    answer = models.CharField(_("Akkreditierung"), max_length=3, choices=Answer.choices, blank=True)
    answer_name = models.CharField(_("Name (Antwort)"), max_length=200, blank=True)
    answer_outlet = models.CharField(_("Medium (Antwort)"), max_length=200, blank=True)
    answered_at = models.DateTimeField(_("Geantwortet am"), null=True, blank=True)

    class Meta:
        ordering = ("pk",)
        verbose_name = _("Eingeladene Person")
        verbose_name_plural = _("Eingeladene")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "contact"], name="one_guest_per_contact")
        ]

    def __str__(self):
        return str(self.contact)

    def get_absolute_url(self):
        """Return the guest's answer page, the link in the invitation."""
        return reverse("distribution:answer", kwargs={"token": self.token})


class ContactImport(models.Model):
    """A CSV import of contacts: who brought which file in, when, and on what legal basis.

    The file's text waits here between the preview and the confirmation, and is
    emptied once imported; the row stays as the record of the consent stated.
    """

    filename = models.CharField(_("Datei"), max_length=255)
    legal_basis = models.TextField(_("Rechtsgrundlage"))
    content = models.TextField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Hochgeladen"), auto_now_add=True)
    imported_at = models.DateTimeField(_("Importiert am"), null=True, blank=True)
    count = models.PositiveIntegerField(_("Kontakte"), default=0)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("Import")
        verbose_name_plural = _("Importe")

    def __str__(self):
        return self.filename
