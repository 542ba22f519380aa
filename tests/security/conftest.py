"""Fixtures for the security-baseline tests (等保 2.0 / GB/T 22239-2019 application controls).

The bundled plan is committed once for this package (loading it costs a few
hundred queries); every test runs in its own rolled-back transaction on top of
it. No test here may use `transactional_db`: its flush would remove the plan.
"""

import pytest

from departments.models import Unit
from tasks.models import Plan
from tasks.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file
from tests.conftest import make_user

from .helpers import DOC_NUMBER


@pytest.fixture(scope="package")
def _committed_plan(django_db_setup, django_db_blocker):
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
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def auditor(plan):
    """Holds only the 审计员 role: reads the audit trail and nothing else."""
    return make_user("auditor1", groups=["审计员"])
