"""Fixtures for loading plans from their task tables (tasks/plantable.py).

The bundled plan is committed once for the package; each test runs in its own
rolled-back transaction on top of it, so a plan a test loads from a table is
gone after the test. No test here may use `transactional_db`.
"""

import os
import shutil
import subprocess

import pytest

from departments import roles
from departments.models import Unit, UnitAlias
from tasks.models import Assignment, Indicator, Measure, Period, Plan, Task
from tasks.plans import plantable, tableread
from tests.conftest import make_user, package_plan_fixtures

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()

NEW_DOC = "嘉府发〔2026〕7号"
NEW_TITLE = "嘉定区数字广告业高质量发展行动方案（2026—2028年）"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SNAPSHOT_MODELS = [Plan, Task, Measure, Assignment, Period, Indicator, Unit, UnitAlias, Unit.members.through]


def signature(plan):
    """Everything the table carries, measure for measure, unit for unit, lead for lead."""
    tasks = list(plan.tasks.order_by("number").values_list("number", "title"))
    assignments = list(
        Assignment.objects.filter(measure__task__plan=plan)
        .order_by("measure__task__number", "measure__number", "position")
        .values_list(
            "measure__task__number",
            "measure__number",
            "measure__text",
            "measure__each_lead_own_part",
            "position",
            "printed_name",
            "unit__name",
            "role",
        )
    )
    return tasks, assignments


def snapshot():
    """Every row of every table a load writes."""
    return {
        model._meta.label: list(
            model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in SNAPSHOT_MODELS
    }


def build(path, doc_number=NEW_DOC, title=NEW_TITLE, decisions=None, note_accepted=False, **meta):
    draft = tableread.read_table(path, os.path.basename(path))
    return plantable.build_plan(
        draft, plantable.PlanMeta(doc_number, title, **meta), decisions, note_accepted=note_accepted
    )


def load(path, **kwargs):
    """Read, build and load a table; the built plan must have no blocking problem."""
    built = build(path, **kwargs)
    assert built.ok, [str(p) for p in built.problems]
    return plantable.load_table_plan(built)


def resave(path, fmt, tmp_path):
    """The file opened and saved again by LibreOffice, as offices re-save files.

    Skips where LibreOffice is missing, except under CI=true, where it fails:
    CI installs it (.ci/run)."""
    if SOFFICE is None:
        reason = "LibreOffice (soffice) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — required under CI=true")
        pytest.skip(reason)
    out = tmp_path / "resaved"
    out.mkdir(exist_ok=True)
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = out / (os.path.splitext(os.path.basename(path))[0] + "." + fmt.split(":")[0])
    assert resaved.exists(), f"LibreOffice wrote nothing for {path}"
    return resaved


def make_plan_admin(username="plan_admin"):
    """A 管理员: staff, in the admin group, not a superuser."""
    return make_user(username, groups=[roles.ADMIN], staff=True)


@pytest.fixture
def plan_admin(plan):
    return make_plan_admin()


@pytest.fixture
def plan_admin_client(client, plan_admin):
    client.force_login(plan_admin)
    return client
