"""Reporting: the report form, review, periods, progress and reminders.

The bundled plan is committed once for this package; every test runs in its
own rolled-back transaction on top of it. The clock stands at 2024-03-20,
inside 2024年第一季度 (due 2024-04-10).
"""

import pytest

from tests.conftest import make_user, measure_by_code, package_plan_fixtures

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
def measure(plan):
    """2.(1): led by 区科委, co-organized by 区委网信办 and others, and by every town through 各街镇."""
    return measure_by_code(plan, 2, 1)


@pytest.fixture
def url(measure):
    """The report form of `measure`."""
    return f"/measures/{measure.pk}/report/"


@pytest.fixture
def lead_client(client_for, lead_staff):
    return client_for(lead_staff)


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


@pytest.fixture
def second_kewei(plan):
    """A second staff member of 区科委, for two people editing one report."""
    return make_user("kewei2", units=["区科委"])
