"""A task for tests of the queue itself: it leaves a trace a test can count."""

from pathlib import Path

from django.tasks import task


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
