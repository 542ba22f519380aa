"""Helpers that test packages share: looking up units and obligations, reading xlsx responses."""

import io

import openpyxl

from departments.models import Unit
from tasks import obligations


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
