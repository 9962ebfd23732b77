"""Cache settings for tests that turn the page cache on."""

import uuid


def shared_caches(backend):
    """Pages and their invalidation state in one backend, under a prefix of this test."""
    prefix = uuid.uuid4().hex
    return {
        "default": {**backend, "KEY_PREFIX": prefix},
        "state": {
            **backend,
            "KEY_PREFIX": f"{prefix}-state",
            "LOCATION": backend.get("LOCATION", "state"),
        },
    }
