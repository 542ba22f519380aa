"""Run by loadtest/run.sh through `manage.py shell` after seed_demo: the
coordinator opens the plan's last quarter for late reporting (开放补报) beside
the demo's 终期评估, as /periods/ would, so that the simulated staff fill in
both kinds of form: quarterly reports (co-organizers too) and final evaluations."""

import datetime

from django.utils import timezone

from tasks.followup import notifications
from tasks.models import Period, Plan

plan = Plan.objects.default()
today = timezone.localdate()
quarter = plan.periods.filter(kind=Period.Kind.QUARTER, start_date__lte=today).order_by("-end_date").first()
quarter.is_closed = False
quarter.late_until = today + datetime.timedelta(days=30)
quarter.save(update_fields=["is_closed", "late_until"])
told = notifications.late_reporting_opened(quarter, today, email=False)
print(f"loadtest: {quarter.name} open for late reporting until {quarter.late_until}, {len(told)} staff told")
