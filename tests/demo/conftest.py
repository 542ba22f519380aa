"""seed_demo's accounts and history, written once for the package (it takes seconds) on 2026-11-20.

The bundled plan is committed once; the seeded history is kept in a transaction
opened around the whole package and rolled back at its end, and each test runs
in a savepoint inside it. The people are the demo accounts seed_demo makes
(kewei, wangxinban, coordinator, …), not the conftest's.
"""

import datetime
import io
import time
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import override_settings

from tests.conftest import package_plan_fixtures, travel

DAY = datetime.date(2026, 11, 20)

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def today(clock):
    """2026-11-20, the day the demo was seeded: the plan has ended, the final evaluation is under way."""
    return clock(DAY)


@pytest.fixture(scope="package", autouse=True)
def seeded(_committed_plan, django_db_blocker):
    """`python manage.py seed_demo` as `make run` calls it, once; its output and how long it took."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            with (
                travel(DAY),
                override_settings(DEBUG=True, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
                pytest.MonkeyPatch.context() as environment,
            ):
                # The demo password as `make run` sets it: the default (tests/demo/test_demo_accounts.py logs in with it).
                environment.delenv("DEMO_PASSWORD", raising=False)
                from django.core.management import call_command

                started = time.monotonic()
                call_command("seed_demo", stdout=out, stderr=io.StringIO())
                seconds = time.monotonic() - started
            yield SimpleNamespace(output=out.getvalue(), seconds=seconds)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
