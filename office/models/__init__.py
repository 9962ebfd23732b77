"""The office's own content and the publishing workflow's records, one module each.

Django imports `office.models`, and migrations refer to `image_upload_to`,
`validate_image_file` and `preview_link_expiry` here, so this package re-exports
every model and those callables: import them from here.
"""

from office.models.accounts import AuthenticatorApp
from office.models.drafts import NEW_ITEM, Autosave
from office.models.images import Image, image_upload_to, validate_image_file
from office.models.notifications import NotificationPreference
from office.models.profile import LegalPage, Person, Profile
from office.models.quotes import Quote, ShownByReleaseQuerySet, Statistic
from office.models.records import (
    PREVIEW_LINK_SALT,
    AuditEntry,
    PreviewLink,
    PreviewLinkQuerySet,
    end_preview_links,
    preview_link_expiry,
)

__all__ = [
    "NEW_ITEM",
    "PREVIEW_LINK_SALT",
    "AuditEntry",
    "AuthenticatorApp",
    "Autosave",
    "Image",
    "LegalPage",
    "NotificationPreference",
    "Person",
    "PreviewLink",
    "PreviewLinkQuerySet",
    "Profile",
    "Quote",
    "ShownByReleaseQuerySet",
    "Statistic",
    "end_preview_links",
    "image_upload_to",
    "preview_link_expiry",
    "validate_image_file",
]
