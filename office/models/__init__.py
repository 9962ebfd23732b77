import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from office.media import images
from office.media.richtext import RichTextField
from office.models.numbers import german_number
from office.publishing import Status
from office.publishing.cache import renew_at_commit
from office.publishing.revisions import Versioned, history


class Profile(models.Model):
    name = models.CharField(_("Name"), max_length=200)
    title = models.CharField(
        _("Namenszusatz"), max_length=50, default="MdL", help_text=_("Steht hinter dem Namen.")
    )
    role = models.CharField(_("Funktion"), max_length=200, blank=True)
    party = models.CharField(_("Partei"), max_length=100, blank=True)
    parliament = models.CharField(
        _("Parlament"), max_length=200, default="Landtag Nordrhein-Westfalen"
    )
    constituency = models.CharField(_("Wahlkreis"), max_length=200, blank=True)
    portrait = models.ForeignKey(
        "office.Image",
        verbose_name=_("Porträt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    biography = RichTextField(_("Lebenslauf"), blank=True)
    office_address = models.TextField(
        _("Büroanschrift"), blank=True, help_text=_("Mehrzeilig, wie auf einem Briefumschlag.")
    )
    office_phone = models.CharField(_("Telefon Büro"), max_length=50, blank=True)
    office_email = models.EmailField(_("E-Mail Büro"), blank=True)
    press_contact_name = models.CharField(_("Pressekontakt"), max_length=200, blank=True)
    press_contact_phone = models.CharField(_("Telefon Pressekontakt"), max_length=50, blank=True)
    press_contact_email = models.EmailField(_("E-Mail Pressekontakt"), blank=True)

    class Meta:
        verbose_name = _("Profil")
        verbose_name_plural = _("Profil")

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("office:profile")

    @property
    def full_name(self):
        return f"{self.name} {self.title}".strip()

    @classmethod
    def load(cls):
        """Return the site's profile, or an unsaved placeholder before one is entered (query)."""
        return cls.objects.select_related("portrait").first() or cls(name="Plenum", title="")


class Person(models.Model):
    name = models.CharField(_("Name"), max_length=200)
    role = models.CharField(
        _("Funktion"), max_length=200, blank=True, help_text=_("z. B. „Direktor des IW Köln“")
    )

    class Meta:
        ordering = ("name",)
        verbose_name = _("Person")
        verbose_name_plural = _("Personen")

    def __str__(self):
        return f"{self.name}, {self.role}" if self.role else self.name


class ShownByReleaseQuerySet(models.QuerySet):
    """Quotes and figures are public only through a public release that shows them.

    So they pass the Freigabe with their release: one written on its own, in
    the admin's popup, removed from a release or left by a deleted one is not
    public until a public release holds it.
    """

    def published(self):
        # One list of ids, not EXISTS per item: SQLite, planning without
        # statistics, ran that from all public releases for every item.
        shown = self.model.releases.through.objects.filter(
            release__status=Status.PUBLISHED,
            # now() per query, as in PublishableQuerySet: an embargo lifts by itself.
            release__publish_at__lte=timezone.now(),
        ).values(self.model._meta.model_name)
        return self.filter(pk__in=shown).fetch_mode(settings.PUBLIC_FETCH_MODE)


class Quote(Versioned):
    text = models.TextField(
        _("Zitat"), help_text=_("Ohne Anführungszeichen; die setzt die Website.")
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("Person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leer lassen, wenn die oder der Abgeordnete selbst spricht."),
    )
    said_on = models.DateField(_("Datum"))
    context = models.CharField(
        _("Anlass"), max_length=300, blank=True, help_text=_("z. B. „Zukunftskonferenz in Berlin“")
    )
    source_url = models.URLField(_("Quelle (Link)"), blank=True)

    objects = ShownByReleaseQuerySet.as_manager()
    history = history(_("Zitat"))

    class Meta:
        ordering = ("-said_on", "-pk")
        # The home page's newest quote walks this index and stops at the first visible one.
        indexes = [models.Index(fields=["-said_on", "-id"], name="quote_order_idx")]
        verbose_name = _("Zitat")
        verbose_name_plural = _("Zitate")

    def __str__(self):
        return self.text if len(self.text) <= 80 else f"{self.text[:79]}…"

    def speaker_name(self, profile):
        return self.person.name if self.person_id else profile.full_name


class Statistic(Versioned):
    qualifier = models.CharField(
        _("Zusatz"), max_length=50, blank=True, help_text=_("Steht vor der Zahl, z. B. „bis zu“.")
    )
    value = models.DecimalField(
        _("Wert"),
        max_digits=14,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Als Zahl, z. B. 67.8; die Website zeigt „67,8“. Leer für Aussagen ohne Zahl."),
    )
    unit = models.CharField(
        _("Einheit"), max_length=50, blank=True, help_text=_("z. B. „Mrd. Euro“")
    )
    label = models.CharField(
        _("Aussage"), max_length=300, help_text=_("Was die Zahl bedeutet, als ganzer Satzteil.")
    )
    source_name = models.CharField(_("Quelle"), max_length=200, help_text=_("Herausgeber der Zahl"))
    source_title = models.CharField(_("Titel der Quelle"), max_length=300, blank=True)
    source_url = models.URLField(_("Link zur Quelle"), blank=True)
    source_year = models.PositiveSmallIntegerField(_("Jahr der Quelle"), null=True, blank=True)

    objects = ShownByReleaseQuerySet.as_manager()
    history = history(_("Kennzahl"))

    class Meta:
        # Newest source first; figures without a year last on every database.
        ordering = (models.F("source_year").desc(nulls_last=True), "pk")
        verbose_name = _("Kennzahl")
        verbose_name_plural = _("Kennzahlen")

    def __str__(self):
        return " ".join(part for part in (self.display_value, self.label) if part)

    @property
    def display_value(self):
        """Return the figure as Germans write it, e.g. "bis zu 67,8 Mrd. Euro"."""
        if self.value is None:
            return ""
        number = german_number(Decimal(self.value))
        return " ".join(part for part in (self.qualifier, number, self.unit) if part)


def image_upload_to(instance, filename):
    # A random name, so an unpublished release's photo has no guessable URL, and
    # an extension from the content, so the served type matches the bytes.
    with PILImage.open(instance.file) as image:
        extension = images.FORMATS[image.format]
    instance.file.seek(0)
    return f"bilder/{uuid.uuid4().hex}.{extension}"


# Kept under this name: migrations refer to it.
validate_image_file = images.validate_image_file

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Image(models.Model):
    file = images.PhotoField(
        _("Datei"),
        upload_to=image_upload_to,
        width_field="width",
        height_field="height",
        validators=[validate_image_file],
        help_text=_(
            "JPEG, PNG, WebP, GIF oder HEIC (wird als JPEG gespeichert). Ortsangaben (GPS) und "
            "andere Metadaten werden beim Hochladen entfernt; Hochformat-Fotos vom Handy werden "
            "richtig gedreht."
        ),
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    file_size = models.PositiveIntegerField(editable=False, null=True)
    alt_text = models.CharField(
        _("Alternativtext"),
        max_length=300,
        help_text=_(
            "Pflichtfeld. Beschreibt in einem Satz, was auf dem Bild zu sehen ist, für Menschen, "
            "die es nicht sehen, z. B. „Daniel Hagemeier spricht am Rednerpult des Landtags“. "
            "Nicht „Bild von …“ schreiben und den Bildnachweis nicht wiederholen."
        ),
    )
    caption = models.CharField(_("Bildunterschrift"), max_length=300, blank=True)
    credit = models.CharField(
        _("Bildnachweis"), max_length=200, blank=True, help_text=_("z. B. „Foto: Max Mustermann“")
    )
    focal_x = models.PositiveSmallIntegerField(
        _("Bildmittelpunkt waagerecht (%)"),
        default=50,
        validators=PERCENT,
        help_text=_(
            "0 = linker Rand, 100 = rechter Rand. Zuschnitte, etwa das Vorschaubild für soziale "
            "Netzwerke, halten diesen Punkt im Bild, z. B. ein Gesicht."
        ),
    )
    focal_y = models.PositiveSmallIntegerField(
        _("Bildmittelpunkt senkrecht (%)"),
        default=50,
        validators=PERCENT,
        help_text=_("0 = oberer Rand, 100 = unterer Rand."),
    )
    renditions = models.JSONField(default=dict, editable=False)
    # The attachment it came from in the move from WordPress, so a second import updates it.
    wordpress_id = models.PositiveBigIntegerField(
        null=True, blank=True, unique=True, editable=False
    )
    uploaded_at = models.DateTimeField(_("Hochgeladen"), auto_now_add=True)

    class Meta:
        ordering = ("-uploaded_at",)
        verbose_name = _("Bild")
        verbose_name_plural = _("Bilder")

    def __str__(self):
        return self.alt_text

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            if self.pk:
                # A replaced photo leaves no public copy behind.
                previous = Image.objects.filter(pk=self.pk).first()
                if previous is not None:
                    transaction.on_commit(previous.delete_files)
            # The press downloads the stored original, so it is cleaned, too.
            self.file = images.clean_original(self.file)
        # Stored so feeds can state enclosure lengths without asking the storage.
        self.file_size = self.file.size
        super().save(*args, **kwargs)
        if self.file and self.renditions.get("key") != images.rendition_key(self):
            self.make_renditions()

    def make_renditions(self):
        """Write this image's renditions and drop those of its previous file or focal point."""
        old = images.rendition_names(self.file.name, self.renditions)
        self.renditions = images.make_renditions(self)
        Image.objects.filter(pk=self.pk).update(renditions=self.renditions)
        # update() sends no signal: cached pages still name the files deleted below.
        renew_at_commit()
        current = set(images.rendition_names(self.file.name, self.renditions))
        images.delete_files(self.file.storage, [name for name in old if name not in current])

    @property
    def mime_type(self):
        extension = PurePath(self.file.name).suffix.lstrip(".")
        return images.MIME_TYPES.get(extension, f"image/{extension}")

    def delete_files(self):
        """Remove the original and every rendition from the storage."""
        names = [self.file.name, *images.rendition_names(self.file.name, self.renditions)]
        images.delete_files(self.file.storage, names)

    @property
    def format_label(self):
        return self.mime_type.removeprefix("image/").upper().replace("WEBP", "WebP")

    def rendition_name(self, suffix):
        return f"{images.rendition_folder(self.file.name)}/{self.renditions['key']}-{suffix}"

    def rendition_url(self, suffix):
        return self.file.storage.url(self.rendition_name(suffix))

    def middle_suffix(self):
        """Return the suffix of the fallback rendition about 800 px wide."""
        sizes = self.renditions["sizes"]
        middle = next((w for w, _h in sizes if w >= images.WIDTHS[1]), sizes[-1][0])
        return f"{middle}.{self.renditions['fallback']}"

    def print_name(self):
        """Return the storage name of a JPEG or PNG fit for print, small enough for a PDF."""
        return self.rendition_name(self.middle_suffix()) if self.renditions else self.file.name

    def picture(self):
        """Return what a <picture> needs: sources per format, fallback, size; None if not made."""
        if not self.renditions:
            return None
        sizes = self.renditions["sizes"]

        def srcset(extension):
            return ", ".join(
                f"{self.rendition_url(f'{width}.{extension}')} {width}w" for width, _h in sizes
            )

        fallback = self.renditions["fallback"]
        return {
            "sources": [
                {"type": images.MIME_TYPES[extension], "srcset": srcset(extension)}
                for extension in self.renditions["formats"]
            ],
            "srcset": srcset(fallback),
            "src": self.rendition_url(self.middle_suffix()),
            "width": sizes[-1][0],
            "height": sizes[-1][1],
        }

    def social(self):
        """Return (url, width, height) of the 1200 × 630 crop, or the original before it exists."""
        if not self.renditions:
            return self.file.url, self.width, self.height
        return (self.rendition_url("og.jpg"), *self.renditions["social"])

    def square_url(self):
        return self.rendition_url("q.jpg") if self.renditions else self.file.url


@receiver(post_delete, sender=Image)
def image_deleted(sender, instance, **kwargs):
    # After the commit: a rolled-back delete keeps its files.
    transaction.on_commit(instance.delete_files)


class LegalPage(models.Model):
    """The editable text of a legal page; the page shows its built-in text while none exists."""

    class Slug(models.TextChoices):
        IMPRINT = "impressum", _("Impressum (weitere Angaben)")
        PRIVACY = "datenschutz", _("Datenschutzerklärung")
        ACCESSIBILITY = "barrierefreiheit", _("Erklärung zur Barrierefreiheit")

    slug = models.CharField(
        _("Seite"),
        max_length=20,
        choices=Slug.choices,
        unique=True,
        help_text=_("Jede Seite hat höchstens einen Text; ohne ihn zeigt sie den Standardtext."),
    )
    body = RichTextField(
        _("Text"),
        help_text=_(
            "Ersetzt den Standardtext der Seite. Name, Anschrift und Kontakt stehen immer "
            "dabei: Sie kommen aus dem Profil. Überschriften ab Ebene 2."
        ),
    )
    updated_at = models.DateTimeField(_("Zuletzt geändert"), auto_now=True)

    class Meta:
        ordering = ("slug",)
        verbose_name = _("Rechtstext")
        verbose_name_plural = _("Rechtstexte")

    def __str__(self):
        return self.get_slug_display()

    def get_absolute_url(self):
        names = {
            self.Slug.IMPRINT: "office:imprint",
            self.Slug.PRIVACY: "office:privacy",
            self.Slug.ACCESSIBILITY: "office:accessibility",
        }
        return reverse(names[self.slug])

    @classmethod
    def load(cls, slug):
        """Return the edited text of a page, or None for the built-in one (queries)."""
        return cls.objects.filter(slug=slug).first()


class AuditEntry(models.Model):
    """One step of the publishing workflow: who moved which item where, and why."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Zur Freigabe eingereicht")
        APPROVED = "approved", _("Freigegeben")
        PUBLISHED = "published", _("Ohne Prüfung veröffentlicht")
        REJECTED = "rejected", _("Zurückgegeben")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    content_type = models.ForeignKey(
        "contenttypes.ContentType", verbose_name=_("Art"), on_delete=models.CASCADE
    )
    object_id = models.PositiveBigIntegerField(_("Nummer"))
    item = GenericForeignKey("content_type", "object_id")
    # Kept as written, so the record still says what it was about after a deletion.
    object_repr = models.CharField(_("Inhalt"), max_length=200)
    action = models.CharField(_("Schritt"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    publish_at = models.DateTimeField(_("Veröffentlichen am"), null=True, blank=True)
    comment = models.TextField(_("Anmerkung"), blank=True)
    created_at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        verbose_name = _("Freigabeprotokoll")
        verbose_name_plural = _("Freigabeprotokoll")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="audit_item_idx")
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"


PREVIEW_LINK_SALT = "plenum.preview-link"


def preview_link_expiry():
    return timezone.now() + timedelta(hours=settings.PREVIEW_LINK_HOURS)


class PreviewLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())

    def share(self, item, user):
        """Create a link to a release or event; it ends at the latest when the item goes public."""
        expires_at = preview_link_expiry()
        if item.status == item.Status.PUBLISHED:
            expires_at = min(expires_at, item.publish_at)
        return self.create(**{item._meta.model_name: item}, created_by=user, expires_at=expires_at)

    def from_token(self, token: str):
        """Return the link a token names, or None if it was tampered with or is gone (queries)."""
        try:
            pk = int(signing.Signer(salt=PREVIEW_LINK_SALT).unsign(token))
        except (signing.BadSignature, ValueError):
            return None
        return self.select_related("release", "event").filter(pk=pk).first()


class PreviewLink(models.Model):
    """A signed address that shows one unpublished release or event to anyone who holds it."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Gültig")
        EXPIRED = "expired", _("Abgelaufen")
        REVOKED = "revoked", _("Widerrufen")
        PUBLISHED = "published", _("Inzwischen veröffentlicht")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")

    # Deleting the item deletes its links, so a link never outlives what it shows.
    release = models.ForeignKey(
        "releases.Release",
        verbose_name=_("Pressemitteilung"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("Termin"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="preview_links",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Erstellt von"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("Erstellt"), auto_now_add=True)
    expires_at = models.DateTimeField(
        _("Gültig bis"),
        default=preview_link_expiry,
        help_text=_("Danach zeigt der Link nichts mehr."),
    )
    revoked_at = models.DateTimeField(_("Widerrufen"), null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ("expires_at", "pk")
        verbose_name = _("Vorschau-Link")
        verbose_name_plural = _("Vorschau-Links")
        constraints = [
            models.CheckConstraint(
                condition=Q(release__isnull=False, event__isnull=True)
                | Q(release__isnull=True, event__isnull=False),
                name="previewlink_one_item",
            )
        ]

    def __str__(self):
        return str(self.item)

    def get_absolute_url(self):
        return reverse("office:preview-link", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        return signing.Signer(salt=PREVIEW_LINK_SALT).sign(str(self.pk))

    @property
    def item(self):
        return self.release or self.event

    def state(self) -> State:
        """Return whether the link still shows its item, and if not, why (the item is loaded)."""
        # A public item is no secret: whoever holds any of its links may be sent there.
        if self.item.is_published():
            return self.State.PUBLISHED
        if self.item.status == self.item.Status.WITHDRAWN:
            return self.State.WITHDRAWN
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.ACTIVE


def end_preview_links(sender, instance, **kwargs):
    """End an item's links when it goes public (or its embargo lifts), for good.

    Receives post_save of releases and events. Without this, a link to an item
    that was published and then withdrawn or turned back into a draft would
    show it again.
    """
    if instance.status == instance.Status.PUBLISHED:
        instance.preview_links.filter(expires_at__gt=instance.publish_at).update(
            expires_at=instance.publish_at
        )
