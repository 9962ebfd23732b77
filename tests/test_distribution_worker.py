"""The Presseverteiler under a real db_worker: killed mid-run, SMTP refusing, the embargo end."""

import datetime
import signal
import time
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from distribution import sending
from distribution.models import Delivery, Mailing
from tests.kit.factories import make_category, make_contact, make_profile, make_release
from tests.kit.servers import running_worker
from tests.kit.smtp import smtp_server, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def mailing_to(count, release=None):
    """Commit a release, `count` contacts and a mailing to all of them."""
    with transaction.atomic():
        make_profile()
        release = release or make_release(category=make_category())
        contacts = [make_contact(email=f"presse-{n}@example.net") for n in range(count)]
        mailing = sending.create_mailing(release, None, Mailing.Mode.PUBLICATION)
    return mailing, contacts


def test_a_worker_killed_mid_run_sends_nobody_the_release_twice(tmp_path):
    with smtp_server() as (mailbox, url):
        mailbox.hold_at = 6  # the server keeps its answer to the 6th message
        mailing, contacts = mailing_to(12)
        with running_worker(tmp_path, EMAIL_URL=url, MAILING_RETRY_SECONDS="1") as worker:
            assert mailbox.held.wait(timeout=120)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        mailbox.release()
        assert len(mailbox.recipients()) == 5

        with running_worker(tmp_path, EMAIL_URL=url, MAILING_RETRY_SECONDS="1"):
            wait_for(lambda: len(mailbox.recipients()) >= 12)
            wait_for(lambda: Mailing.objects.get().state == Mailing.State.DONE)
            time.sleep(1.5)  # the run booked last finds nothing more to send

    assert Counter(mailbox.recipients()) == Counter(c.email for c in contacts)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}


def test_a_server_answering_451_gets_each_message_once_after_retries(tmp_path):
    with smtp_server() as (mailbox, url):
        mailbox.temporary = {"presse-0@example.net": 2, "presse-3@example.net": 1}
        mailing, contacts = mailing_to(5)
        with running_worker(tmp_path, EMAIL_URL=url, MAILING_RETRY_SECONDS="1"):
            wait_for(lambda: Mailing.objects.get().state == Mailing.State.DONE)

    assert Counter(mailbox.recipients()) == Counter(c.email for c in contacts)
    attempts = dict(Delivery.objects.values_list("contact__email", "attempts"))
    assert attempts == {
        "presse-0@example.net": 3,
        "presse-1@example.net": 1,
        "presse-2@example.net": 1,
        "presse-3@example.net": 2,
        "presse-4@example.net": 1,
    }


def test_at_the_embargo_end_the_worker_sends_at_that_moment_not_before(tmp_path):
    publish_at = timezone.now() + datetime.timedelta(seconds=4)
    with smtp_server() as (mailbox, url):
        with transaction.atomic():
            release = make_release(publish_at=publish_at, category=make_category())
        mailing_to(2, release=release)
        with running_worker(tmp_path, EMAIL_URL=url):
            wait_for(lambda: len(mailbox.recipients()) == 2)

    first_arrival = min(arrived for _, _, arrived in mailbox.accepted)
    assert first_arrival >= publish_at.timestamp()
