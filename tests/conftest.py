"""Shared fixtures: the bundled plan and the named people of the access matrix."""

import pytest
from django.contrib.auth.models import Group, User

from departments import roles
from departments.models import Membership, Unit
from tasks.models import Measure
from tasks.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file

PASSWORD = "Zz-test-Password-1"
DOC_NUMBER = "嘉府发〔2023〕2号"


@pytest.fixture
def plan(db):
    """The bundled 嘉府发〔2023〕2号 plan, loaded into the test database."""
    load_plan(read_plan_file(DEFAULT_PLAN_FILE))
    from tasks.models import Plan

    return Plan.objects.get(doc_number="嘉府发〔2023〕2号")


def package_plan_fixtures():
    """Fixtures for a test package that loads the bundled plan once.

    Loading costs a few hundred queries, so the plan is committed once for the
    package and each test runs in its own rolled-back transaction on top of
    it; a package using these must not use `transactional_db`, whose flush
    would remove the shared plan. Use as
    `_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()`.
    """

    @pytest.fixture(scope="package")
    def _committed_plan(django_db_setup, django_db_blocker):
        from tasks.models import Plan

        with django_db_blocker.unblock():
            had_plan = Plan.objects.filter(doc_number=DOC_NUMBER).exists()
            units_before = set(Unit.objects.values_list("pk", flat=True))
            load_plan(read_plan_file(DEFAULT_PLAN_FILE))
        yield
        if not had_plan:
            with django_db_blocker.unblock():
                Plan.objects.filter(doc_number=DOC_NUMBER).delete()
                Unit.objects.exclude(pk__in=units_before).delete()

    @pytest.fixture
    def plan(_committed_plan, db):
        """Overrides the root `plan`: the bundled plan, loaded once for the package."""
        from tasks.models import Plan

        return Plan.objects.get(doc_number=DOC_NUMBER)

    @pytest.fixture(autouse=True)
    def _fast_password_hasher(settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    return _committed_plan, plan, _fast_password_hasher


def measure_by_code(plan, task_number, measure_number):
    return Measure.objects.select_related("task").get(task__plan=plan, task__number=task_number, number=measure_number)


def make_user(username, *, units=(), groups=(), superuser=False):
    user = User.objects.create_user(username, f"{username}@example.gov.cn", PASSWORD)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    for name in units:
        Membership.objects.create(user=user, unit=Unit.objects.get(name=name))
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


@pytest.fixture
def lead_staff(plan):
    """Staff of 区科委, lead unit of 1.(1) and 2.(1), co-organizer of 1.(3)."""
    return make_user("kewei", units=["区科委"])


@pytest.fixture
def co_organizer(plan):
    """Staff of 区委网信办, which co-organizes 2.(1) (led by 区科委) and leads nothing."""
    return make_user("wangxinban", units=["区委网信办"])


@pytest.fixture
def outsider(plan):
    """Staff of 区体育局, which has nothing to do with 1.(1) or 2.(1)."""
    return make_user("tiyuju", units=["区体育局"])


@pytest.fixture
def town_staff(plan):
    """Staff of 江桥镇: a member of 各街镇 and one of the four leads of 5.(2)."""
    return make_user("jiangqiao", units=["江桥镇"])


@pytest.fixture
def coordinator(plan):
    return make_user("coordinator", groups=[roles.COORDINATOR])


@pytest.fixture
def viewer(plan):
    return make_user("leader", groups=[roles.VIEWER])


@pytest.fixture
def superuser(plan):
    return make_user("admin", superuser=True)


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    """No persistent connections in tests: the live server's threads would
    otherwise keep the PostgreSQL test database open at teardown."""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _two_factor_off():
    """Most tests log people in with force_login and test what comes after the
    login; tests/security/test_two_factor.py switches the second factor on
    (with the `settings` fixture, which puts this back afterwards)."""
    from django.conf import settings

    settings.TWO_FACTOR_REQUIRED = False
