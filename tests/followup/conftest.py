"""Follow-up: 催报, reminders, notifications and contacts. The reporting tests'
plan (committed once for the package), clock (2024-03-20), uploads folder and
people."""

from tests.reporting.conftest import (  # noqa: F401
    _committed_plan,
    _fast_password_hasher,
    coordinator_client,
    lead_client,
    measure,
    media_root,
    plan,
    second_kewei,
    today,
    url,
)
