"""Goal indicators: the bundled plan committed once for the package; uploads in a temporary folder."""

import pytest

from tests.conftest import make_user, package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def market_staff(plan):
    """Staff of 区市场监管局, the unit responsible for the four indicators."""
    return make_user("shichangjianguan", units=["区市场监管局"])


@pytest.fixture
def statistics_staff(plan):
    """Staff of 区统计局, which supplies statistics but does not enter values."""
    return make_user("tongjiju", units=["区统计局"])
