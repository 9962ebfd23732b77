"""The one rich-text field: what the editor offers is exactly what is stored."""

import re

from django_prose_editor.fields import ProseEditorField, create_sanitizer

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

sanitize_html = create_sanitizer(EXTENSIONS)


class RichTextField(ProseEditorField):
    """A prose-editor field that also sanitizes on every save, not only in forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("extensions", EXTENSIONS)
        kwargs.setdefault("sanitize", True)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # The package sanitizes in clean(), the admin's path; commands, imports
        # and the shell save without it, so the stored value is cleaned here too.
        value = sanitize_html(getattr(model_instance, self.attname) or "")
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
