"""Measure the pages on one database (DATABASE_URL), print JSON on stdout.

Run by bench/run.py once per scale. Server time is the time Django takes to
answer through the test client (no network), the median of several runs;
queries are counted with CaptureQueriesContext; the export's peak memory is
tracemalloc's peak while the export is built.
"""

import gc
import io
import json
import os
import statistics
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiading_ads.settings")

import django  # noqa: E402

django.setup()

from copy import copy  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.functional import Promise  # noqa: E402
from django_tables2.export import TableExport  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.cell import WriteOnlyCell  # noqa: E402

from tasks.documents.statussheet import SheetScope, build_workbook, layout  # noqa: E402
from tasks.documents.statussheet import export as statussheet  # noqa: E402
from tasks.models import Assignment, Measure, Period, Plan, Report  # noqa: E402
from tasks.progress.rollup import PlanProgress  # noqa: E402
from tasks.progress.tables import MeasureStateTable  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def _get(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def timed(client, url):
    """(median seconds, query count, status, response) over RUNS requests.
    Queries are counted on a request of their own: capturing them makes
    SQLite quote every parameter to log the SQL, which a page with long id
    lists pays for in time that production never spends."""
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    # Read now: every request starts by clearing the connection's query log.
    queries = len(captured.captured_queries)
    times, response = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        response = _get(client, url)
        times.append(time.perf_counter() - start)
    return statistics.median(times), queries, response.status_code, response


def timed_call(function):
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_memory(function):
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main():
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    plan = Plan.objects.filter(doc_number="合成-001").get()
    # What is measured is the pages, not the second login step (TOTP) that
    # coordinators and admins pass once per session.
    settings.TWO_FACTOR_REQUIRED = False
    coordinator = User.objects.get(username="coordinator")
    # Django admin's changelist as the 管理员 sees it (三员分立: no superuser,
    # whose every request would also be audited).
    admin = User.objects.get(username="admin")
    lead = (
        Assignment.objects.filter(measure__task__plan=plan, role=Assignment.Role.LEAD)
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    staff = User.objects.filter(memberships__unit=lead.unit).first()
    measure = lead.measure
    coordinator_client, staff_client, admin_client = Client(), Client(), Client()
    coordinator_client.force_login(coordinator)
    staff_client.force_login(staff)
    admin_client.force_login(admin)
    q = f"plan={plan.pk}"
    pages = {
        "dashboard /": (coordinator_client, f"/?{q}"),
        "/my/": (staff_client, f"/my/?{q}"),
        "/measures/ (page 2)": (coordinator_client, f"/measures/?{q}&page=2"),
        "/measures/<pk>/": (coordinator_client, f"/measures/{measure.pk}/"),
        "/review/": (coordinator_client, "/review/"),
        "export /export/status.xlsx": (coordinator_client, f"/export/status.xlsx?{q}"),
        "/measures/ 100 rows": (coordinator_client, f"/measures/?{q}&per_page=100"),
        "admin changelist 100 rows": (admin_client, f"/admin/tasks/measure/?task__plan__id__exact={plan.pk}"),
    }
    results = {}
    for name, (client, url) in pages.items():
        client.get(url)  # warm caches, templates and the connection
        seconds, queries, status, response = timed(client, url)
        assert status == 200, (name, url, status)
        results[name] = {"url": url, "ms": round(seconds * 1000, 1), "queries": queries}

    # /measures/ beside the admin changelist of the same measures, interleaved
    # in this one process like the export below: the median of paired ratios.
    measures_page, changelist = pages["/measures/ 100 rows"], pages["admin changelist 100 rows"]
    pairs = []
    for _ in range(max(RUNS, 9)):
        gc.collect()
        start = time.perf_counter()
        _get(*measures_page)
        middle = time.perf_counter()
        _get(*changelist)
        pairs.append((middle - start) / (time.perf_counter() - middle))
    results["/measures/ vs admin changelist, interleaved"] = {"ratio": round(statistics.median(pairs), 2)}

    # The export side by side: ours, the openpyxl write-only limit writing the
    # same cells, and django-tables2's tablib export of the same rows.
    today = timezone.localdate()
    period = Period.objects.current(plan, today)
    scope = SheetScope(plan=plan, period=period, today=today)

    def ours():
        buffer = io.BytesIO()
        build_workbook(scope).save(buffer)
        return buffer

    # Record what our export writes (value and style of every cell, sheet by
    # sheet) so the limit writes exactly the same cells.
    recorded = {}
    original_append = statussheet._Sheet.append

    def recording_append(sheet, values, styles=None, height=None):
        styles = styles or {}
        columns = sheet.columns
        recorded.setdefault(sheet.ws.title, []).append(
            [(v, styles.get(i) or (columns[i].style if i < len(columns) else "body")) for i, v in enumerate(values)]
        )
        return original_append(sheet, values, styles, height)

    statussheet._Sheet.append = recording_append
    exported = ours()
    statussheet._Sheet.append = original_append

    def limit_values_only():
        book = Workbook(write_only=True)
        for title, rows in recorded.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append([str(v) if isinstance(v, Promise) else v for v, _ in row])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer

    def limit():
        """openpyxl write-only writing the same cells with the same styles."""
        book = Workbook(write_only=True)
        for style in layout.styles():
            book.add_named_style(style)
        for title, rows in recorded.items():
            sheet = book.create_sheet(title)
            arrays = {}
            for row in rows:
                cells = []
                for value, style in row:
                    cell = WriteOnlyCell(sheet, value=str(value) if isinstance(value, Promise) else value)
                    if style not in arrays:
                        cell.style = style
                        arrays[style] = copy(cell._style)
                    else:
                        cell._style = copy(arrays[style])
                    cells.append(cell)
                sheet.append(cells)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer

    sheets = {title: rows for title, rows in recorded.items()}

    def peer():
        measures = Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order()
        states = list(PlanProgress(plan, period, today=today, measures=measures).states.values())
        table = MeasureStateTable(states)
        return TableExport("xlsx", table).export()

    ours_s, _ = timed_call(ours)
    limit_s, _ = timed_call(limit)
    values_only_s, _ = timed_call(limit_values_only)
    # The floor and ours, interleaved in this one process, so that a busy
    # machine slows both alike: the median of the per-pair ratios.
    ratios = []
    for _ in range(max(RUNS, 7)):
        gc.collect()
        start = time.perf_counter()
        ours()
        middle = time.perf_counter()
        limit_values_only()
        ratios.append((middle - start) / (time.perf_counter() - middle))
    results["export vs values-only floor, interleaved"] = {"ratio": round(statistics.median(ratios), 2)}
    peer_s, _ = timed_call(peer)
    results["export: ours (build only)"] = {"ms": round(ours_s * 1000, 1)}
    results["export: openpyxl write-only limit"] = {"ms": round(limit_s * 1000, 1)}
    results["export: openpyxl write-only, values only"] = {"ms": round(values_only_s * 1000, 1)}
    results["export: django-tables2 tablib peer"] = {"ms": round(peer_s * 1000, 1)}
    results["export peak memory (MiB)"] = {"value": round(peak_memory(ours) / 2**20, 2)}
    results["export size"] = {
        "rows": sum(len(rows) for rows in sheets.values()),
        "bytes": len(exported.getvalue()),
    }
    counts = {
        "plans": Plan.objects.count(),
        "measures": Measure.objects.count(),
        "reports": Report.objects.count(),
        "plan measures": Measure.objects.filter(task__plan=plan).count(),
    }
    print(json.dumps({"results": results, "counts": counts}, ensure_ascii=False))


if __name__ == "__main__":
    main()
