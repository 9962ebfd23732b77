"""Settings for bench/run: the site's own, plus a trivial view as the ceiling to compare with."""

import os

from office.settings import *  # noqa: F403
from office.settings import STATIC_ROOT

ROOT_URLCONF = "bench.urls"
# collectstatic writes into the run's temporary folder, not the project's staticfiles/.
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", STATIC_ROOT)
