"""Faster plan fixtures for tests that only read the bundled plan.

Loading the plan takes a few hundred queries. Tests that only read it (each still
runs in its own rolled-back transaction) can share one load per module or class.
Not for tests that need `transactional_db`: those flush the database.
"""

import contextlib

import pytest

from departments.models import Unit
from tasks.models import Plan
from tasks.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file

DOC_NUMBER = "嘉府发〔2023〕2号"


@contextlib.contextmanager
def _committed_plan(django_db_blocker):
    with django_db_blocker.unblock():
        load_plan(read_plan_file(DEFAULT_PLAN_FILE))
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            Plan.objects.all().delete()
            Unit.objects.all().delete()


@pytest.fixture(scope="module")
def plan_loaded_for_module(django_db_setup, django_db_blocker):
    with _committed_plan(django_db_blocker):
        yield


@pytest.fixture(scope="class")
def plan_loaded_for_class(django_db_setup, django_db_blocker):
    with _committed_plan(django_db_blocker):
        yield


@pytest.fixture
def plan_from_module(plan_loaded_for_module, db):
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture
def plan_from_class(plan_loaded_for_class, db):
    return Plan.objects.get(doc_number=DOC_NUMBER)


@pytest.fixture
def fast_password_hasher(settings):
    """Hash test users' passwords cheaply; the default hasher costs ~0.3 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
