"""Mail goes out from the background worker, never from a request.

`send(messages)` puts the messages on the task queue: Django's tasks API
through the django-tasks backport and its database backend (django-tasks-db),
so a queued message is a row in the tracker's own database and needs no new
server. `python manage.py db_worker` (one or more, on any app server) takes
each row once and delivers its messages over one connection of EMAIL_BACKEND.

A message the mail server refuses or cannot take is tried again later,
MAIL_RETRY_DELAYS apart, at most MAIL_MAX_ATTEMPTS times in all. Every
attempt that fails is a failed task in Django admin (后台任务, for the
管理员), its error naming the attempt and whether another follows; the last
one says the message is given up.

With DJANGO_TASKS_EAGER=1 (and in the tests) the queue runs each task at
once, in the process that enqueued it, and nothing is retried.
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django_tasks import task


class NotDelivered(Exception):
    """Some messages of a task were not delivered (the attempt, and whether another follows, in its text)."""


def send(messages):
    """Queue the messages (django.core.mail.EmailMessage) for the worker: one
    task, delivered over one connection. Within a transaction the task is
    written with it, and is gone if it rolls back."""
    messages = [to_dict(m) for m in messages]
    if messages:
        deliver.enqueue(messages)


@task()
def deliver(messages, attempt=1):
    """Send `messages` (as from to_dict); those that fail are queued again for
    a later attempt, up to MAIL_MAX_ATTEMPTS, and the attempt is recorded as
    failed. Returns what was delivered (the task's result in admin)."""
    connection = get_connection()
    failed, errors = [], []
    try:
        connection.open()
    except Exception as exc:
        failed, errors = list(messages), [str(exc) or type(exc).__name__]
    else:
        try:
            for message in messages:
                try:
                    from_dict(message, connection).send()
                except Exception as exc:
                    failed.append(message)
                    errors.append(f"{', '.join(message['to'])}：{exc or type(exc).__name__}")
        finally:
            connection.close()
    if not failed:
        return f"已发送 {len(messages)} 封：" + "；".join(", ".join(m["to"]) for m in messages)
    delay = retry_delay(attempt)
    if delay is not None and deliver.get_backend().supports_defer:
        deliver.using(run_after=timezone.now() + delay).enqueue(failed, attempt + 1)
        outcome = f"{int(delay.total_seconds())} 秒后第 {attempt + 1} 次发送"
    else:
        outcome = "不再重试"
    raise NotDelivered(
        f"第 {attempt} 次发送，{len(failed)}/{len(messages)} 封未送出，{outcome}。" + "；".join(errors[:10])
    )


def retry_delay(attempt):
    """How long after a failed `attempt` the next one runs, or None after the last."""
    if attempt >= settings.MAIL_MAX_ATTEMPTS:
        return None
    delays = settings.MAIL_RETRY_DELAYS
    return datetime.timedelta(seconds=delays[min(attempt, len(delays)) - 1])


def to_dict(message):
    """An EmailMessage as JSON the queue can store. Attachments are refused:
    nothing the tracker mails has any."""
    if message.attachments:
        raise ValueError("Queued mail carries no attachments.")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
    }


def from_dict(data, connection=None):
    message = EmailMultiAlternatives(
        data["subject"],
        data["body"],
        data["from_email"],
        data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        connection=connection,
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message
