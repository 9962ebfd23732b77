"""The office itself: its member's profile, the people quoted, the legal pages."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from office.media.richtext import RichTextField


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
