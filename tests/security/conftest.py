"""The security baseline (等保 2.0 / GB/T 22239-2019 application controls).

The bundled plan is committed once for this package; every test runs in its
own rolled-back transaction on top of it.
"""

import pytest

from tests.conftest import package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture
def auditor_client(client_for, auditor):
    return client_for(auditor)


@pytest.fixture
def superuser_client(client_for, superuser):
    return client_for(superuser)
