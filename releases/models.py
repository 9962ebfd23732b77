"""A press release and what it gathers: category, topics, quotes, figures, photos, attachments.

One module past 400 lines because the release's through models and the
queryset that prefetches them are read together, and migrations name them here.
"""

import uuid
from pathlib import PurePath

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from office.media import documents
from office.media.richtext import RichTextField
from office.media.validators import validate_public_slug
from office.publishing import Publishable, PublishableQuerySet, time_when_published
from office.publishing.revisions import Versioned, history


class Category(models.Model):
    name = models.CharField(_("Name"), max_length=100)
    slug = models.SlugField(_("Kurzform"), max_length=100, unique=True)
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("Kategorie")
        verbose_name_plural = _("Kategorien")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("releases:category", kwargs={"slug": self.slug})


class Topic(models.Model):
    name = models.CharField(_("Name"), max_length=100)
    slug = models.SlugField(_("Kurzform"), max_length=100, unique=True)

    class Meta:
        ordering = ("name",)
        verbose_name = _("Thema")
        verbose_name_plural = _("Themen")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("releases:topic", kwargs={"slug": self.slug})


RELATED_COUNT = 3


def text_prefetches():
    """Return what a release's full text shows besides its own fields: quotes, figures, events."""
    from events.models import Event

    return [
        models.Prefetch(
            "releasequote_set",
            ReleaseQuote.objects.select_related("quote__person"),
            to_attr="quote_links",
        ),
        models.Prefetch(
            "releasestatistic_set",
            ReleaseStatistic.objects.select_related("statistic"),
            to_attr="statistic_links",
        ),
        models.Prefetch("events", Event.objects.published(), to_attr="public_events"),
    ]


class ReleaseQuerySet(PublishableQuerySet):
    def teasers(self):
        """Fetch what a teaser in a list shows: no body (2 KB a release) and nothing else unused.

        Reading and building the rest was a good part of a list page's time.
        """
        return self.select_related("category").only(
            "title", "slug", "lead", "publish_at", "updated_at", "category__name", "category__slug"
        )

    def with_details(self):
        """Fetch what a full release shows: category, image, topics, quotes, figures, events."""
        return self.select_related("category", "hero_image").prefetch_related(
            "topics", *text_prefetches()
        )

    def with_press_kit(self):
        """Fetch what the release page adds for the press: gallery photos and attachments."""
        return self.prefetch_related(
            models.Prefetch(
                "releaseimage_set",
                ReleaseImage.objects.select_related("image"),
                to_attr="gallery",
            ),
            models.Prefetch("releaseattachment_set", to_attr="attachments"),
        )


class Release(Versioned, Publishable):
    title = models.CharField(_("Titel"), max_length=200)
    slug = models.SlugField(
        _("Kurzform"),
        max_length=200,
        unique=True,
        validators=[validate_public_slug],
        help_text=_("Teil der Adresse; nach der Veröffentlichung nicht mehr ändern."),
    )
    lead = models.TextField(
        _("Vorspann"), help_text=_("Zwei, drei Sätze: erscheinen in Listen, Feeds und Vorschauen.")
    )
    body = RichTextField(_("Text"), photos=True)
    category = models.ForeignKey(
        Category, verbose_name=_("Kategorie"), on_delete=models.PROTECT, related_name="releases"
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("Themen"), blank=True, related_name="releases"
    )
    hero_image = models.ForeignKey(
        "office.Image",
        verbose_name=_("Aufmacherbild"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    quotes = models.ManyToManyField(
        "office.Quote",
        through="ReleaseQuote",
        verbose_name=_("Zitate"),
        blank=True,
        related_name="releases",
    )
    statistics = models.ManyToManyField(
        "office.Statistic",
        through="ReleaseStatistic",
        verbose_name=_("Kennzahlen"),
        blank=True,
        related_name="releases",
    )
    events = models.ManyToManyField(
        "events.Event", verbose_name=_("Zugehörige Termine"), blank=True, related_name="releases"
    )
    revised_at = models.DateTimeField(
        _("Aktualisiert am"),
        null=True,
        blank=True,
        editable=False,
    )
    correction_note = models.TextField(
        _("Korrekturhinweis"),
        blank=True,
        help_text=_(
            "Öffentlich unter dem Text, z. B. „In einer früheren Fassung stand 76,8 statt "
            "67,8 Mrd. Euro.“ Leer lassen, wenn nichts korrigiert wurde."
        ),
    )

    byline = models.CharField(
        _("Verfasst von"),
        max_length=200,
        blank=True,
        help_text=_("Der Name aus dem Umzug von WordPress, wenn er keinem Konto gehört."),
    )
    # Set by the WordPress import: the post it came from, and the GUID its feed
    # items had, so feed readers that followed the old site see no item twice.
    wordpress_id = models.PositiveBigIntegerField(
        _("WordPress-Nummer"), null=True, blank=True, unique=True, editable=False
    )
    feed_guid = models.CharField(_("Kennung im Feed"), max_length=500, blank=True, editable=False)

    objects = ReleaseQuerySet.as_manager()
    history = history(_("Pressemitteilung"))

    class Meta:
        ordering = ("-publish_at", "-pk")
        get_latest_by = "publish_at"
        verbose_name = _("Pressemitteilung")
        verbose_name_plural = _("Pressemitteilungen")
        permissions = [
            ("publish_release", _("Kann Pressemitteilungen freigeben und veröffentlichen"))
        ]
        indexes = [
            # published(), newest first: the lists, feeds, home and the year archive.
            # updated_at makes it cover the sitemap's latest change, read from every
            # published release, without visiting the table's rows.
            models.Index(
                fields=["status", "-publish_at", "-id", "updated_at"],
                name="release_published_idx",
            ),
            # The category archive and its feed, in the same order.
            models.Index(
                fields=["category", "status", "-publish_at", "-id"], name="release_category_idx"
            ),
        ]
        constraints = [time_when_published("release_published_has_time")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("releases:detail", kwargs={"slug": self.slug})

    def related(self, count=RELATED_COUNT):
        """Return public releases on the same topics first, then of the same category (queries).

        Ranked on ids alone, then fetched: grouping whole rows, bodies included,
        spilled 30 MB to disk per page view at 10,000 releases.
        """
        public = Release.objects.published().exclude(pk=self.pk)
        topic_ids = [topic.pk for topic in self.topics.all()]
        ids = []
        if topic_ids:
            ids = list(
                public.filter(topics__in=topic_ids)
                .annotate(shared_topics=models.Count("topics"))
                .order_by("-shared_topics", "-publish_at", "-pk")
                .values_list("pk", flat=True)[:count]
            )
        if len(ids) < count:
            ids += (
                public.filter(category=self.category_id)
                .exclude(pk__in=ids)
                .values_list("pk", flat=True)[: count - len(ids)]
            )
        releases = public.teasers().in_bulk(ids)
        return [releases[pk] for pk in ids if pk in releases]


def releases_showing(item):
    """Return a Q of the releases that show a shared item (workflow.register), or None."""
    return {
        "quote": models.Q(quotes=item),
        "statistic": models.Q(statistics=item),
        "image": models.Q(hero_image=item)
        | models.Q(releaseimage__image=item)
        | models.Q(body__contains=f'<figure data-image="{item.pk}">'),
        "person": models.Q(quotes__person=item),
        "category": models.Q(category=item),
        "topic": models.Q(topics=item),
    }.get(item._meta.model_name)


class ReleaseQuote(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    quote = models.ForeignKey("office.Quote", verbose_name=_("Zitat"), on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ("order", "pk")
        verbose_name = _("Zitat")
        verbose_name_plural = _("Zitate")
        constraints = [
            models.UniqueConstraint(fields=["release", "quote"], name="unique_release_quote")
        ]

    def __str__(self):
        return str(self.quote)


class ReleaseStatistic(models.Model):
    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    statistic = models.ForeignKey(
        "office.Statistic", verbose_name=_("Kennzahl"), on_delete=models.CASCADE
    )
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ("order", "pk")
        verbose_name = _("Kennzahl")
        verbose_name_plural = _("Kennzahlen")
        constraints = [
            models.UniqueConstraint(
                fields=["release", "statistic"], name="unique_release_statistic"
            )
        ]

    def __str__(self):
        return str(self.statistic)


class ReleaseImage(models.Model):
    """A photo of the release's gallery, with a caption for this use."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    image = models.ForeignKey("office.Image", verbose_name=_("Bild"), on_delete=models.CASCADE)
    caption = models.CharField(
        _("Bildunterschrift hier"),
        max_length=300,
        blank=True,
        help_text=_("Leer lassen, um die Bildunterschrift aus der Bildersammlung zu zeigen."),
    )
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)

    class Meta:
        ordering = ("order", "pk")
        verbose_name = _("Bild der Galerie")
        verbose_name_plural = _("Bildergalerie")

    def __str__(self):
        return str(self.image)

    @property
    def shown_caption(self):
        return self.caption or self.image.caption


def attachment_upload_to(instance, filename):
    # A random folder, so a draft's attachment has no guessable URL; the name
    # stays readable for the press, with the extension its content has.
    stem = slugify(PurePath(filename).stem)[:80] or "anhang"
    return f"anhaenge/{uuid.uuid4().hex}/{stem}.{documents.document_kind(instance.file)}"


class ReleaseAttachment(models.Model):
    """A document for the press (study, speech, background paper), served only with its release."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE)
    file = models.FileField(
        _("Datei"),
        upload_to=attachment_upload_to,
        validators=[documents.validate_document],
        help_text=_("PDF oder Word (DOCX), ohne Makros und JavaScript."),
    )
    title = models.CharField(
        _("Bezeichnung"),
        max_length=200,
        help_text=_("So steht der Anhang auf der Seite, z. B. „Studie des IW Köln (Kurzfassung)“."),
    )
    file_size = models.PositiveIntegerField(editable=False, null=True)
    order = models.PositiveSmallIntegerField(_("Reihenfolge"), default=0)
    wordpress_id = models.PositiveBigIntegerField(
        _("WordPress-Nummer"), null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ("order", "pk")
        verbose_name = _("Anhang")
        verbose_name_plural = _("Anhänge für die Presse")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # The press gets exactly what was checked, nothing a viewer might read besides.
            self.file = documents.stored_document(self.file)
        self.file_size = self.file.size
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("releases:attachment", kwargs={"slug": self.release.slug, "pk": self.pk})

    @property
    def kind(self):
        return PurePath(self.file.name).suffix.lstrip(".")

    @property
    def kind_label(self):
        return documents.LABELS.get(self.kind, self.kind.upper())

    @property
    def filename(self):
        return PurePath(self.file.name).name


@receiver(post_delete, sender=ReleaseAttachment)
def attachment_deleted(sender, instance, **kwargs):
    # After the commit: a rolled-back delete keeps its file.
    name, storage = instance.file.name, instance.file.storage
    transaction.on_commit(lambda: storage.delete(name))


class OldAddress(models.Model):
    """A path of the site before the move to Plenum, answered with a permanent redirect.

    The target is looked up when a reader asks, so a release, photo or
    attachment is reached only while its release is public.
    """

    path = models.CharField(_("Alte Adresse"), max_length=500, unique=True)
    release = models.ForeignKey(
        Release, verbose_name=_("Pressemitteilung"), null=True, blank=True, on_delete=models.CASCADE
    )
    attachment = models.ForeignKey(
        ReleaseAttachment,
        verbose_name=_("Anhang"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    image = models.ForeignKey(
        "office.Image", verbose_name=_("Bild"), null=True, blank=True, on_delete=models.CASCADE
    )
    target = models.CharField(
        _("Neue Adresse"), max_length=500, blank=True, help_text=_("Ein Pfad dieser Website.")
    )

    class Meta:
        ordering = ("path",)
        verbose_name = _("Alte Adresse")
        verbose_name_plural = _("Alte Adressen")

    def __str__(self):
        return self.path

    def public_url(self):
        """Return the address to send a reader to, or None if it is not public (queries)."""
        public = Release.objects.published()
        if self.release_id:
            slug = public.filter(pk=self.release_id).values_list("slug", flat=True).first()
            return slug and reverse("releases:detail", kwargs={"slug": slug})
        if self.attachment_id:
            slug = (
                public.filter(releaseattachment=self.attachment_id)
                .values_list("slug", flat=True)
                .first()
            )
            return slug and reverse(
                "releases:attachment", kwargs={"slug": slug, "pk": self.attachment_id}
            )
        if self.image_id:
            if not public.filter(releases_showing(self.image)).exists():
                return None
            # The file itself, as the old address was: embedded elsewhere, it still shows.
            return self.image.file.url
        return self.target or None
