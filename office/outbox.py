"""One-off e-mails the worker sends: sign-up confirmations, editors' notices.

A release goes out through `sending` with a row per recipient; these are single
messages, so a task per message is its record. A temporary failure (the server
unreachable, a 4xx) books the same task again later; a permanent refusal (5xx)
ends it, logged.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.utils import timezone

logger = logging.getLogger(__name__)

# A temporary failure is tried again this often, after MAILING_RETRY_SECONDS, doubling.
MAX_ATTEMPTS = 6


def deliver(message, task, *args, attempt=1) -> bool:
    """Send message; on a temporary failure enqueue task(*args, attempt=attempt + 1) later."""
    connection = mailers.default
    try:
        connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        code = next(iter(error.recipients.values()))[0]
        return refused(message, task, args, attempt, code, error)
    except smtplib.SMTPResponseException as error:
        return refused(message, task, args, attempt, error.smtp_code, error)
    except (smtplib.SMTPException, OSError) as error:
        return refused(message, task, args, attempt, 421, error)
    finally:
        connection.close()
    return True


def refused(message, task, args, attempt, code, error) -> bool:
    if code >= 500 or attempt >= MAX_ATTEMPTS:
        logger.warning("Mail to %s not sent: %s", ", ".join(message.to), error)
        return False
    delay = timedelta(seconds=settings.MAILING_RETRY_SECONDS * 2 ** (attempt - 1))
    task.using(run_after=timezone.now() + delay).enqueue(*args, attempt=attempt + 1)
    return False
