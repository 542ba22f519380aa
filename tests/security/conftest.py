"""Fixtures for the security-baseline tests (等保 2.0 / GB/T 22239-2019 application controls).

The bundled plan is committed once for this package (loading it costs a few
hundred queries); every test runs in its own rolled-back transaction on top of
it. No test here may use `transactional_db`: its flush would remove the plan.
"""

import pytest

from tests.conftest import make_user, package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture
def auditor(plan):
    """Holds only the 审计员 role: reads the audit trail and nothing else."""
    return make_user("auditor1", groups=["审计员"])


@pytest.fixture
def security_admin(plan):
    """Holds only 安全管理员: accounts, roles and lockouts (三员分立)."""
    user = make_user("secadmin", groups=["安全管理员"])
    user.is_staff = True
    user.save()
    return user
