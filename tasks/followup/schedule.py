"""Scheduled work runs once a day, however many servers run it.

Every app server may have the same timer (cron or systemd) start
`send_reminders`; the first to start claims the day's run by inserting its
DailyRun row, which a unique constraint allows once per job and day, and the
others find it claimed and do nothing (as healthchecks' sendalerts claims
each check with a conditional update). A run that fails gives its claim back,
so a later start that day tries again; a claim whose server died mid-run
(started more than STALE_AFTER ago, never finished) is taken over by the next
start.
"""

import contextlib
import datetime
import os
import socket

from django.db import IntegrityError, transaction
from django.utils import timezone

from tasks.models import DailyRun

STALE_AFTER = datetime.timedelta(hours=1)


def claim(job, day):
    """The DailyRun of `job` on `day` for this process, or None when another
    process has it or has done it. Two queries at most."""
    me = f"{socket.gethostname()}:{os.getpid()}"[:200]
    try:
        with transaction.atomic():
            return DailyRun.objects.create(job=job, day=day, claimed_by=me)
    except IntegrityError:
        pass
    now = timezone.now()
    # The conditional update lets one of several simultaneous takers win.
    taken = DailyRun.objects.filter(job=job, day=day, finished_at=None, started_at__lt=now - STALE_AFTER).update(
        claimed_by=me, started_at=now
    )
    return DailyRun.objects.get(job=job, day=day) if taken else None


@contextlib.contextmanager
def once_a_day(job, day):
    """Run the block as `job`'s run of `day` if this process claims it; yields
    the DailyRun, or None when the run is another's (then skip the work)."""
    run = claim(job, day)
    if run is None:
        yield None
        return
    try:
        yield run
    except BaseException:
        run.delete()
        raise
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])


def claimed_run(job, day):
    """Who has `job`'s run of `day`, for the message of a server that does not."""
    return DailyRun.objects.filter(job=job, day=day).first()
