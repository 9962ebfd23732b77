"""The photo library: uploaded images, their renditions and focal points."""

import uuid
from pathlib import PurePath

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from office.media import images
from office.publishing.cache import renew_at_commit


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
        _("WordPress-Nummer"), null=True, blank=True, unique=True, editable=False
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

    def middle(self):
        """Return (suffix, width, height) of the fallback rendition about 800 px wide."""
        sizes = self.renditions["sizes"]
        width, height = next(((w, h) for w, h in sizes if w >= images.WIDTHS[1]), sizes[-1])
        return f"{width}.{self.renditions['fallback']}", width, height

    def plain(self):
        """Return (storage name, width, height) of one JPEG or PNG for a feed or a PDF."""
        if not self.renditions:
            return self.file.name, self.width, self.height
        suffix, width, height = self.middle()
        return self.rendition_name(suffix), width, height

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
            "src": self.rendition_url(self.middle()[0]),
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
