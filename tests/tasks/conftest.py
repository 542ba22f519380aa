"""The plan, its loading, its pages and admin, its export command.

The modules that only read the plan load it once each (`plan`); the load_plan
tests start from an empty database (`db`) or share one load per class
(`plan_from_class`). So the plan is committed per module or class here, not
per package.
"""

import pytest

from tasks.models import Plan
from tests.conftest import DOC_NUMBER, committed_plan

plan_loaded_for_module = committed_plan("module")
plan_loaded_for_class = committed_plan("class")


@pytest.fixture
def plan_from_module(plan_loaded_for_module, db):
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture
def plan_from_class(plan_loaded_for_class, db):
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture
def plan(plan_from_module):
    """The bundled plan, loaded once for the module."""
    return plan_from_module


@pytest.fixture(autouse=True)
def _fast_password_hasher(fast_password_hasher):
    """Every test here hashes passwords cheaply."""
