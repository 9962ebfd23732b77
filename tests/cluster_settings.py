"""Production settings for the app servers of tests/test_multiserver.py: one address more.

POST /test-aufgabe/ enqueues a task as a save does, so the test can count what a
worker runs for requests that reached either app server.
"""

from tests.server_settings import *  # noqa: F403

ROOT_URLCONF = "tests.cluster_urls"
