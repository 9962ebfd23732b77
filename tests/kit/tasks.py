"""Background work in tests: the queue with photos made at once, and a task that leaves a trace."""

from pathlib import Path

from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django_tasks_db import DatabaseBackend

from office.models.images import make_image_renditions


class PhotosAtOnceBackend(DatabaseBackend):
    """The database queue of production, except that photo renditions are made at once.

    Most tests upload a photo and read its page right away, as if the worker were
    instant; every other task (mailings, deferred runs) waits in the database as
    it does in production. `task_queue` (tests/conftest.py) turns this off.
    """

    def __init__(self, alias, params):
        super().__init__(alias, params)
        self.at_once = ImmediateBackend(alias, params)

    def enqueue(self, task, args, kwargs):
        # A retry later (run_after) waits in the queue, as in production.
        if task.func is make_image_renditions.func and task.run_after is None:
            return self.at_once.enqueue(task, args, kwargs)
        return super().enqueue(task, args, kwargs)


@task
def write_line(path, line):
    with Path(path).open("a") as trace:
        trace.write(f"{line}\n")


def run_due_tasks():
    """Run the queued tasks that are due, in this process, as db_worker would; return how many.

    A task that a run enqueues and that is due at once runs too; one booked for
    later waits, as it would for the worker.
    """
    from django_tasks_db.models import DBTaskResult

    ran = 0
    while (
        row := DBTaskResult.objects.ready().order_by("run_after", "enqueued_at").first()
    ) is not None:
        DBTaskResult.objects.filter(pk=row.pk).update(status="SUCCESSFUL")
        row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        ran += 1
    return ran
