"""Fixtures for the reporting tests: one committed plan load, a frozen "today", cheap hashing.

Loading the bundled plan costs a few hundred queries, so it is committed once
for this package and every test runs in its own rolled-back transaction on
top of it. No test here may use `transactional_db`: its flush would remove
the shared plan.
"""

import pytest

from departments import roles
from tests.conftest import make_user, package_plan_fixtures

from .helpers import TODAY

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded evidence goes to a per-test folder, never to var/uploads."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def today(clock):
    """2024-03-20: inside 2024年第一季度 (due 2024-04-10)."""
    return clock(TODAY)


@pytest.fixture
def second_kewei(plan):
    """A second staff member of 区科委, for two people editing one report."""
    return make_user("kewei2", units=["区科委"])


@pytest.fixture
def auditor(plan):
    """The security officer: reads the audit trail and nothing else."""
    return make_user("auditor", groups=[roles.AUDITOR])
