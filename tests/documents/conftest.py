"""Documents the office edits (the 通报): the bundled plan committed once for the package.

The clock stands at 2025-12-20, inside the plan's last period (2025年第四季度).
"""

import datetime

import pytest

from tests.conftest import package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def today(clock):
    """2025-12-20: inside 2025年第四季度; the periods before it are past their due dates."""
    return clock(datetime.date(2025, 12, 20))
