"""The consistency property (issue 18): the bundled plan committed once for the package, each
generated example rolled back on top of it (tests/helpers.rolled_back)."""

import pytest

from tests.conftest import package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def _passwords_keep(settings):
    """The clock jumps across years between examples: the accounts must keep working."""
    settings.PASSWORD_MAX_AGE_DAYS = 100_000
