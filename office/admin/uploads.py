"""Uploads the media storage cannot take: a German message on the form, not a server error."""

import logging

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

STORAGE_AWAY = _(
    "Die Datei konnte nicht gespeichert werden, weil der Medienspeicher gerade nicht "
    "erreichbar ist. Es wurde nichts gespeichert; Ihre Eingaben stehen noch im Formular. "
    "Bitte wählen Sie die Datei in ein paar Minuten noch einmal aus und speichern Sie erneut."
)


class MediaStorageFaultMixin:
    """For admins whose forms upload files to the media storage (object store or disk).

    The file is written while the model is saved, inside the admin's transaction.
    When the storage fails (StorageUnavailable, a full disk: both OSError) that
    transaction rolls back, so no row names a file that was not stored; the form
    is then shown again with the editor's input and STORAGE_AWAY.
    """

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except OSError:
            if request.method != "POST":
                raise
            logger.warning("Media storage failed during an admin save", exc_info=True)
            request.media_storage_failed = True
            return super().changeform_view(request, *args, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not getattr(request, "media_storage_failed", False):
            return form

        def clean(self):
            super(refused, self).clean()
            raise ValidationError(STORAGE_AWAY, code="storage_unavailable")

        refused = type(form.__name__, (form,), {"clean": clean})
        return refused
