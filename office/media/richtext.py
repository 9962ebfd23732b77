"""The one rich-text field: what the editor offers is exactly what is stored."""

import re

from django.urls import reverse_lazy
from django_prose_editor.fields import ProseEditorField, create_sanitizer

from office.media.photos import keep_library_photos

# The toolbar and the server-side allowlist are derived from this one dict, so
# the sanitizer can never allow less than the editor produces, or more.
EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
}

# A release's text may also place photos of the library (office/media/photos.py);
# the extension's allowlist and script are declared in settings.DJANGO_PROSE_EDITOR_EXTENSIONS.
WITH_PHOTOS = EXTENSIONS | {
    "PlenumPhoto": {"chooserUrl": reverse_lazy("admin:office_image_chooser")},
}

sanitize_html = create_sanitizer(EXTENSIONS)


class RichTextField(ProseEditorField):
    """A prose-editor field that also sanitizes on every save, not only in forms."""

    def __init__(self, *args, photos=False, **kwargs):
        kwargs.setdefault("extensions", WITH_PHOTOS if photos else EXTENSIONS)
        # Applied last to first: nh3, then the check that each photo is in the library.
        kwargs.setdefault("sanitize", [keep_library_photos, create_sanitizer] if photos else True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # The package sanitizes in clean(), the admin's path; commands, imports
        # and the shell save without it, so the stored value is cleaned here too.
        value = self.sanitize(getattr(model_instance, self.attname) or "")
        setattr(model_instance, self.attname, value)
        return value


# Pasted text (Word, mail) can carry control characters that XML, and so every
# feed, cannot carry; they mean nothing to a reader.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def drop_control_characters(sender, instance, **kwargs):
    """Receive pre_save of content models: remove control characters from every text."""
    for field in sender._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str):
            setattr(instance, field.attname, CONTROL_CHARACTERS.sub("", value))
