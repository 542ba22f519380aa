"""Fixtures for the reporting tests: one committed plan load, a frozen "today", cheap hashing.

Loading the bundled plan costs a few hundred queries, so it is committed once
for this package and every test runs in its own rolled-back transaction on
top of it. No test here may use `transactional_db`: its flush would remove
the shared plan.
"""

import pytest

from departments import roles
from departments.models import Unit
from tasks.models import Plan
from tasks.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file
from tests.conftest import make_user

from .helpers import DOC_NUMBER, TODAY


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


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a per-test folder, never to var/uploads."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def freeze_today(monkeypatch):
    """Set the date the views consider "today"."""

    def freeze(day):
        monkeypatch.setattr("tasks.views._today", lambda: day)
        return day

    return freeze


@pytest.fixture(autouse=True)
def today(freeze_today):
    """2024-03-20: inside 2024年第一季度 (due 2024-04-10)."""
    return freeze_today(TODAY)


@pytest.fixture
def freeze_command_today(monkeypatch):
    """Set the date the send_reminders command considers "today"."""

    class FrozenTimezone:
        def __init__(self, day):
            self.day = day

        def localdate(self):
            return self.day

    def freeze(day):
        monkeypatch.setattr("tasks.management.commands.send_reminders.timezone", FrozenTimezone(day))
        return day

    return freeze


@pytest.fixture
def second_kewei(plan):
    """A second staff member of 区科委, for two people editing one report."""
    return make_user("kewei2", units=["区科委"])


@pytest.fixture
def auditor(plan):
    """The security officer: reads the audit trail and nothing else."""
    return make_user("auditor", groups=[roles.AUDITOR])
