import datetime
import os
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from departments import roles
from departments.models import Membership, Unit
from security.models import AccountSecurity
from tasks import periods
from tasks.demo import history as demo
from tasks.followup import notifications
from tasks.models import Plan

DEFAULT_PASSWORD = "Jiading-2023"
DEMO_LATE_REPORTING_DAYS = 30

# One staff account per unit, named after the unit in pinyin.
UNIT_ACCOUNTS = {
    "区委宣传部": "xuanchuanbu",
    "区委网信办": "wangxinban",
    "区发展改革委": "fagaiwei",
    "区经委": "jingwei",
    "区商务委": "shangwuwei",
    "区科委": "kewei",
    "区教育局": "jiaoyuju",
    "区财政局": "caizhengju",
    "区人力资源社会保障局": "renshe",
    "区文化旅游局": "wenlvju",
    "区体育局": "tiyuju",
    "区绿化市容局": "lvhuashirong",
    "区市场监管局": "shichangjianguan",
    "区统计局": "tongjiju",
    "区税务局": "shuiwuju",
    "区行政服务中心（大数据中心）": "dashuju",
    "新成路街道": "xinchenglu",
    "真新街道": "zhenxin",
    "嘉定镇街道": "jiadingzhen",
    "南翔镇": "nanxiang",
    "安亭镇": "anting",
    "马陆镇": "malu",
    "徐行镇": "xuxing",
    "华亭镇": "huating",
    "外冈镇": "waigang",
    "江桥镇": "jiangqiao",
    "工业区管委会": "gongyequ",
    "菊园新区管委会": "juyuan",
    "北虹办": "beihongban",
}

# One account per role; 管理员, 安全管理员 and 审计员 are three people (三员分立).
# No superuser: the break-glass account is made by `create_breakglass` when needed.
ROLE_ACCOUNTS = [
    ("admin", "系统管理员", roles.ADMIN, True),
    ("secadmin", "安全管理员", roles.SECURITY_ADMIN, True),
    ("auditor", "审计员", roles.AUDITOR, False),
    ("coordinator", "协调人（区市场监管局）", roles.COORDINATOR, False),
    ("leader", "区领导（只读）", roles.VIEWER, False),
]


class Command(BaseCommand):
    help = (
        "创建演示账号，并写入演示用的填报历史（2023—2025 年各季度填报、指标数值、进行中的终期评估；"
        "仅限 DEBUG 开启时）。密码取自环境变量 DEMO_PASSWORD，默认 Jiading-2023。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-history", action="store_true", help="只创建演示账号，不写入演示填报历史（保持空白状态）"
        )

    def handle(self, no_history=False, **options):
        if not settings.DEBUG:
            raise CommandError("拒绝执行：seed_demo 只能在 DJANGO_DEBUG 开启的开发环境中运行。")
        # One hash for every demo account: hashing each takes half a second.
        password_hash = make_password(os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
        created = []

        def account(username, full_name, **flags):
            user, new = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            if new:
                user.password = password_hash
                user.email = f"{username}@example.gov.cn"
                for name, value in flags.items():
                    setattr(user, name, value)
                user.save()
                created.append(username)
            return user

        for username, full_name, group, staff in ROLE_ACCOUNTS:
            account(username, full_name, is_staff=staff).groups.add(roles.group(group))
        units = {u.name: u for u in Unit.objects.filter(name__in=UNIT_ACCOUNTS)}
        for unit_name, username in UNIT_ACCOUNTS.items():
            unit = units.get(unit_name)
            if unit is None:
                self.stderr.write(f"跳过 {username}：单位“{unit_name}”不存在（请先运行 load_plan）")
                continue
            user = account(username, f"{unit_name}联络员")
            Membership.objects.get_or_create(user=user, unit=unit)
        # One command runs the demo: its accounts log in without a second
        # factor (honoured only with DEBUG on; real accounts enrol).
        demo_accounts = [username for username, *_ in ROLE_ACCOUNTS] + list(UNIT_ACCOUNTS.values())
        AccountSecurity.objects.bulk_create(
            [
                AccountSecurity(user=u, password_changed_at=u.date_joined)
                for u in User.objects.filter(username__in=demo_accounts, security__isnull=True)
            ]
        )
        AccountSecurity.objects.filter(user__username__in=demo_accounts).update(two_factor_exempt=True)
        if created:
            self.stdout.write(self.style.SUCCESS(f"已创建演示账号：{'、'.join(created)}"))
        else:
            self.stdout.write("演示账号已存在，未作改动。")
        if not no_history:
            self._write_history(units)
        self._open_a_period_for_reporting()

    def _write_history(self, units):
        """The demo history (tasks/demo.py), once: a plan with reports gets none."""
        plan = Plan.objects.default()
        if plan is None:
            return
        staff = {
            membership.unit_id: membership.user
            for membership in Membership.objects.filter(
                user__username__in=UNIT_ACCOUNTS.values(), unit__in=units.values()
            ).select_related("user")
        }
        started = time.monotonic()
        summary = demo.write_history(plan, staff, User.objects.get(username="coordinator"))
        if summary is None:
            self.stdout.write("该方案已有填报记录，未写入演示历史。")
            return
        final = ""
        if summary.final_period:
            # The story told nobody; the leads hear that the final evaluation is
            # open, as when the coordinator adds it (in-app only: no console mail).
            told = notifications.period_opened(summary.final_period, email=False)
            final = (
                f"；终期评估“{summary.final_period.name}”进行中，已提交评估 {summary.evaluations} 份，"
                f"已通知 {len(told)} 位牵头单位联络员"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入演示历史（{demo.DEMO_MARK}）：季度填报 {summary.reports} 份（逾期 {summary.late}，"
                f"退回后重报 {summary.returned}，未报 {summary.missing}），指标数值 {summary.values} 个{final}；"
                f"用时 {time.monotonic() - started:.1f} 秒。"
            )
        )

    def _open_a_period_for_reporting(self):
        """A new user of `make run` has something to report on: when no period
        of the default plan takes reports today (the plan ended 2025-12-31),
        open its latest period for late reporting, as a coordinator would, and
        tell the units."""
        plan = Plan.objects.default()
        if plan is None:
            return
        today = timezone.localdate()
        if periods.writable_periods(plan, today):
            return
        period = plan.periods.filter(start_date__lte=today).order_by("-end_date", "-pk").first()
        if period is None:
            return
        period.is_closed = False
        period.late_until = today + datetime.timedelta(days=DEMO_LATE_REPORTING_DAYS)
        period.save(update_fields=["is_closed", "late_until"])
        # The units hear of it in their 消息 and 待办, as after a coordinator's
        # 开放补报; no email, which the console backend would print here.
        told = notifications.late_reporting_opened(period, today, email=False)
        self.stdout.write(
            f"演示：已开放“{period.name}”补报至 {period.late_until:%Y-%m-%d}，已通知 {len(told)} 位联络员。"
        )
