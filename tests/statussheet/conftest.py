"""Fixtures for the status-sheet and progress-page tests.

The bundled plan is committed once for this package (loading it costs a few
hundred queries); every test runs in its own rolled-back transaction on top of
it. No test here may use `transactional_db`: its flush would remove the plan.
"Today" is frozen inside 2024年第二季度 (due 2024-07-10).
"""

import io

import openpyxl
import pytest
from django.db import transaction
from django.test import Client, override_settings

from departments import roles
from tasks.models import Period
from tests.conftest import make_user, package_plan_fixtures, travel

from .helpers import CURRENT_PERIOD, PREVIOUS_PERIOD, TODAY

DOC_NUMBER = "嘉府发〔2023〕2号"


_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def today(clock):
    """2024-05-15, inside 2024年第二季度."""
    return clock(TODAY)


@pytest.fixture
def current_period(plan):
    return Period.objects.get(plan=plan, name=CURRENT_PERIOD)


@pytest.fixture
def previous_period(plan):
    return Period.objects.get(plan=plan, name=PREVIOUS_PERIOD)


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture(scope="package")
def plain_export(_committed_plan, django_db_blocker):
    """The coordinator's /export/status.xlsx before anyone has reported, fetched once.

    Building and reading the workbook costs about half a second, and many
    tests only read the layout. The request runs in a transaction that is
    rolled back, so the user, session and audit record it makes do not stay.
    """
    with (
        django_db_blocker.unblock(),
        travel(TODAY),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        client = Client()
        client.force_login(make_user("export-coordinator", groups=[roles.COORDINATOR]))
        response = client.get("/export/status.xlsx")
        transaction.set_rollback(True)
    assert response.status_code == 200
    return response


@pytest.fixture(scope="package")
def plain_workbook(plain_export):
    """`plain_export` opened with openpyxl; tests must only read it."""
    return openpyxl.load_workbook(io.BytesIO(plain_export.content))
