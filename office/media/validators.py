from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

# Path segments that sit beside <slug> in the public URLs and must never be shadowed.
RESERVED_SLUGS = {"feed", "atom", "kategorie", "thema", "archiv", "kalender", "seite"}


def validate_public_slug(slug):
    if slug.isdigit():
        raise ValidationError(_("Eine Kurzform nur aus Ziffern ist für Jahresarchive reserviert."))
    if slug in RESERVED_SLUGS:
        raise ValidationError(
            _("„%(slug)s“ ist als Teil der Adressen reserviert."), params={"slug": slug}
        )


# As the admin prefills slugs (admin_plenum/german-slugs.js): ä → ae, ß → ss.
GERMAN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slug(text):
    return slugify(text.translate(GERMAN))
