"""District-scale synthetic data beside the real plan, for benchmarks.

At --scale 1: 50 plans of 40 measures (2,000 measures), 150 units, 12
quarterly periods per plan and three obligations per measure reported in
every period (72,000 reports, each with its timeline event). --scale N
multiplies measures per plan, units and so reports by N.
"""

import datetime
import random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from departments.models import Membership, Unit
from tasks.models import Assignment, Measure, Period, Plan, Report, ReportEvent, Task
from tasks.periods import ensure_quarterly_periods

PLANS = 50
TASKS_PER_PLAN = 10
MEASURES_PER_TASK = 4
UNITS = 150
UNITS_PER_MEASURE = 3
DOC_PREFIX = "合成"
STATUSES = [Report.Status.IN_PROGRESS] * 6 + [Report.Status.NOT_STARTED, Report.Status.DONE, Report.Status.LATE]
TEXT = "推进数字广告产业集聚发展，培育创新型数字广告企业，完善公共服务平台建设。"


class Command(BaseCommand):
    help = "生成基准测试用的合成数据（与真实方案并存，协调人和管理员可见）。仅限 DEBUG 开启时。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--password", default="Synthetic-2023")

    def handle(self, scale, seed, password, **options):
        if not settings.DEBUG:
            raise CommandError("拒绝执行：合成数据只能在 DJANGO_DEBUG 开启的环境中生成。")
        if scale < 1:
            raise CommandError("--scale 应为正整数")
        if Plan.objects.filter(doc_number__startswith=DOC_PREFIX).exists():
            raise CommandError("数据库中已有合成数据；请在新的数据库中运行。")
        rng = random.Random(seed)
        today = timezone.localdate()
        now = timezone.now()
        with transaction.atomic():
            units = self._units(scale)
            staff = self._staff(units, password)
            totals = {"plans": 0, "measures": 0, "reports": 0}
            for number in range(1, PLANS + 1):
                self._plan(number, scale, units, staff, rng, today, now, totals)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成合成数据：{totals['plans']} 个方案，{totals['measures']} 条措施，"
                f"{len(units)} 个单位，{totals['reports']} 条填报。"
            )
        )

    def _units(self, scale):
        kinds = [Unit.Kind.GOVERNMENT, Unit.Kind.GOVERNMENT, Unit.Kind.TOWN, Unit.Kind.SUBDISTRICT]
        Unit.objects.bulk_create(
            Unit(name=f"合成单位{i:05d}", kind=kinds[i % len(kinds)], sort_order=100000 + i)
            for i in range(1, UNITS * scale + 1)
        )
        return list(Unit.objects.filter(name__startswith="合成单位").order_by("pk"))

    def _staff(self, units, password):
        hashed = make_password(password)  # one hash for all: hashing 1,500 times takes minutes
        User.objects.bulk_create(
            User(username=f"syn{i:05d}", password=hashed, first_name=unit.name, email=f"syn{i:05d}@example.gov.cn")
            for i, unit in enumerate(units, start=1)
        )
        users = {u.username: u for u in User.objects.filter(username__startswith="syn")}
        staff = {unit.pk: users[f"syn{i:05d}"] for i, unit in enumerate(units, start=1)}
        Membership.objects.bulk_create(Membership(user=user, unit_id=unit_id) for unit_id, user in staff.items())
        return staff

    def _plan(self, number, scale, units, staff, rng, today, now, totals):
        plan = Plan.objects.create(
            title=f"【合成数据】行动方案 {number:03d}",
            doc_number=f"{DOC_PREFIX}-{number:03d}",
            issuer="合成数据",
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2026, 12, 31),
            goals="合成数据，用于性能测试。",
        )
        ensure_quarterly_periods(plan)
        periods = list(plan.periods.order_by("end_date"))
        current = Period.objects.current(plan, today)
        Task.objects.bulk_create(
            Task(plan=plan, number=t, title=f"合成工作任务 {t}") for t in range(1, TASKS_PER_PLAN + 1)
        )
        tasks = list(plan.tasks.order_by("number"))
        measures_per_task = MEASURES_PER_TASK * scale
        Measure.objects.bulk_create(
            Measure(task=task, number=m, text=f"{TEXT}（{task.number}.{m}）", due_date=plan.end_date)
            for task in tasks
            for m in range(1, measures_per_task + 1)
        )
        measures = list(Measure.objects.filter(task__plan=plan).order_by("pk"))
        assignments, obligations = [], []
        for measure in measures:
            chosen = rng.sample(units, UNITS_PER_MEASURE)
            for position, unit in enumerate(chosen, start=1):
                role = Assignment.Role.LEAD if position == 1 else Assignment.Role.SUPPORT
                assignments.append(
                    Assignment(measure=measure, unit=unit, position=position, role=role, printed_name=unit.name)
                )
                obligations.append((measure, unit, role))
        Assignment.objects.bulk_create(assignments)

        # Reports and events are inserted with executemany: bulk_create spends
        # most of its time preparing 150,000 objects field by field.
        stamp = connection.ops.adapt_datetimefield_value(now)
        rows = []
        for period in periods:
            is_current = current is not None and period.pk == current.pk
            for index, (measure, unit, role) in enumerate(obligations):
                if is_current and index % 3 == 2:
                    continue  # some units have not reported yet
                state = Report.State.APPROVED
                if is_current:
                    state = Report.State.SUBMITTED if index % 3 == 0 else Report.State.DRAFT
                status = rng.choice(STATUSES)
                percent = 100 if status == Report.Status.DONE else rng.randrange(0, 100)
                rows.append(
                    (
                        measure.pk,
                        unit.pk,
                        period.pk,
                        role,
                        status,
                        percent,
                        f"{period.name}：{TEXT}",
                        "",
                        "继续推进。",
                        state,
                        1,
                        "",
                        "",
                        "",
                        stamp,
                        stamp,
                        staff[unit.pk].pk,
                        stamp if state != Report.State.DRAFT else None,
                    )
                )
        _insert(
            Report,
            [
                "measure_id",
                "unit_id",
                "period_id",
                "role",
                "status",
                "percent",
                "progress",
                "problems",
                "next_steps",
                "state",
                "version",
                "review_comment",
                "completion",
                "assessment",
                "created_at",
                "updated_at",
                "updated_by_id",
                "submitted_at",
            ],
            rows,
        )
        created = Report.objects.filter(period__plan=plan).values_list("pk", "state", "updated_by_id")
        _insert(
            ReportEvent,
            ["report_id", "action", "actor_id", "at", "changes", "comment", "files"],
            (
                (
                    pk,
                    ReportEvent.Action.DRAFT_SAVED if state == Report.State.DRAFT else ReportEvent.Action.SUBMITTED,
                    actor,
                    stamp,
                    "{}",
                    "",
                    "[]",
                )
                for pk, state, actor in created.iterator(chunk_size=5000)
            ),
        )
        totals["plans"] += 1
        totals["measures"] += len(measures)
        totals["reports"] += len(rows)


def _insert(model, columns, rows, chunk=5000):
    """INSERT rows (tuples in `columns` order) into the model's table."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    batch = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
