"""The editors' admin: the Freigabe workflow, versions, the office's content, the photo library.

`workflow` and `versions` hold the mixins that releases and events build their
admins from; `content` and `images` register the office's own models, `accounts`
the editors' authenticator apps; `site` is the admin site itself, with `twofactor`
for its logins. Django's autodiscover imports this package, so it imports every
module that registers.
"""

from office.admin import accounts, content, images, workflow  # noqa: F401 (they register ModelAdmins)
