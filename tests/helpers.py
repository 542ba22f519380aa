"""Helpers that test packages share: looking up units and obligations, reading xlsx responses,
rolling back what each generated example wrote."""

import contextlib
import io

import openpyxl
from django.db import transaction

from departments.models import Unit
from tasks import obligations
from tasks.models import Period


def unit(name):
    return Unit.objects.get(name=name)


def obligation(measure, unit_name):
    """The named unit's obligation on `measure`; fails loudly when there is none."""
    found = [o for o in obligations.for_measure(measure) if o.unit.name == unit_name]
    assert found, f"{unit_name} has no obligation on {measure.code}"
    return found[0]


def sheet_rows(response):
    """The rows of the first sheet of an xlsx response, header first, as lists of values."""
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


# The 终期评估 period a coordinator adds after the plan, as the /periods/ form posts it.
FINAL_PERIOD_FORM = {
    "new-name": "终期评估",
    "new-kind": "final",
    "new-start_date": "2026-01-01",
    "new-end_date": "2026-06-30",
    "new-due_date": "2026-07-10",
}


@contextlib.contextmanager
def rolled_back():
    """An atomic block that is always rolled back: one per example a property test generates."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def final_period(plan, start, end, due):
    """A 终期评估 period of `plan`, as the coordinator adds it at /periods/."""
    return Period.objects.create(
        plan=plan, name="终期评估", kind=Period.Kind.FINAL, start_date=start, end_date=end, due_date=due
    )
