"""What editors upload or type, judged before it is kept: photos and their renditions
(`images`), PDF and Word attachments (`documents`), social preview cards (`cards`),
rich text sanitizing (`richtext`) and the slugs a public address may take (`validators`).
"""


class StorageUnavailable(OSError):
    """The media storage (the object store) could not be reached or refused a request."""
