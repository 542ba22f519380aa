"""Run as a script by test_sqlite_concurrency.py on a file-based SQLite
database (DATABASE_URL): migrate, load the plan, then N staff of one unit
submit the same new report at the same instant from N threads. Prints one
JSON line: the status codes, how many saw the conflict message, the reports."""

import datetime
import json
import sys
import threading

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from departments.models import Membership, Unit  # noqa: E402
from tasks.models import Measure, Period, Report  # noqa: E402

THREADS = int(sys.argv[1])

call_command("migrate", verbosity=0)
call_command("load_plan", verbosity=0)
unit = Unit.objects.get(name="区科委")
users = []
for n in range(THREADS):
    user = User.objects.create_user(f"kewei{n}", password="x")
    Membership.objects.create(user=user, unit=unit)
    users.append(user)
measure = Measure.objects.get(task__number=1, number=1, task__plan__doc_number="嘉府发〔2023〕2号")
url = f"/measures/{measure.pk}/report/"
# Today the plan has ended: open its last period for late reporting, as seed_demo does.
last = Period.objects.filter(plan=measure.task.plan).order_by("-end_date").first()
last.late_until = timezone.localdate() + datetime.timedelta(days=30)
last.save()
journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
connection.close()

barrier = threading.Barrier(THREADS)
results = []


def submit(user):
    client = Client()
    client.force_login(user)
    assert client.get(url).status_code == 200
    period = last.pk
    barrier.wait()
    response = client.post(
        url,
        {
            "period": period,
            "status": "in_progress",
            "percent": "40",
            "progress": f"{user.username} 的进展",
            "problems": "",
            "next_steps": "",
            "version": "0",
            "submit": "1",
        },
        follow=True,
    )
    results.append((response.status_code, "他人已修改" in response.content.decode()))
    connection.close()


threads = [threading.Thread(target=submit, args=(user,)) for user in users]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(
    json.dumps(
        {
            "journal": journal,
            "statuses": sorted(status for status, _ in results),
            "conflicts": sum(1 for _, conflict in results if conflict),
            "reports": Report.objects.filter(measure=measure).count(),
            "version": Report.objects.get(measure=measure).version if Report.objects.filter(measure=measure) else None,
        }
    )
)
