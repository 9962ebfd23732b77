"""Settings for bench/run's second ceiling: the same trivial view with no middleware at all.

What a page cache hit would cost if it skipped the whole middleware stack.
"""

from bench.settings import *  # noqa: F403

MIDDLEWARE = []
