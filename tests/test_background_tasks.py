"""Background work: Django's Tasks framework on django-tasks-db, run by a real `db_worker`."""

import subprocess
import sys

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.kit.servers import BASE_DIR, server_environment
from tests.kit.tasks import write_line

pytestmark = pytest.mark.django_db(transaction=True)


def run_workers(tmp_path, count):
    """Run `count` workers at once until the queue is empty; return their exit codes."""
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"]
    command += ["--interval", "0"]
    environment = server_environment(tmp_path)
    workers = [
        subprocess.Popen(command, cwd=BASE_DIR, env=environment, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    return [worker.wait(timeout=120) for worker in workers]


def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(tmp_path):
    trace = tmp_path / "trace.txt"
    with pytest.raises(RuntimeError), transaction.atomic():
        write_line.enqueue(str(trace), "verworfen")
        raise RuntimeError("the editor's save failed")

    assert not DBTaskResult.objects.exists()
    assert run_workers(tmp_path, 1) == [0]
    assert not trace.exists()


def test_two_workers_run_every_committed_task_exactly_once(tmp_path):
    trace = tmp_path / "trace.txt"
    with transaction.atomic():
        for number in range(30):
            write_line.enqueue(str(trace), number)

    assert run_workers(tmp_path, 2) == [0, 0]

    lines = trace.read_text().split()
    assert sorted(lines, key=int) == [str(number) for number in range(30)]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
