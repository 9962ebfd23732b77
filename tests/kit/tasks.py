"""A task for tests of the queue itself: it leaves a trace a test can count."""

from pathlib import Path

from django.tasks import task


@task
def write_line(path, line):
    with Path(path).open("a") as trace:
        trace.write(f"{line}\n")
