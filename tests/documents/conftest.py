"""Documents the office edits (the 通报): the bundled plan committed once for the package."""

import pytest

from tests.conftest import package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root
