"""The front pages: 待办, the dashboard, measures, units and the notice itself."""

import re

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from departments import roles
from jiading_ads.params import configure_table, to_id
from tasks import access
from tasks import periods as period_rules
from tasks.demo import history as demo
from tasks.documents.statussheet import SheetScope
from tasks.documents.views import status_sheet_download
from tasks.indicators import values as indicator_rules
from tasks.models import (
    Evidence,
    IndicatorValue,
    Measure,
    Notification,
    Period,
    ReminderLog,
    Report,
    assignments_in_order,
)
from tasks.pages import (
    PLAN_SESSION_KEY,
    get_measure_for_user,
    get_unit_for_user,
    obligation_rows,
    plan_and_period,
    selected_plan,
)
from tasks.progress.rollup import PendingState, PlanProgress, final_evaluation, periods_closing, reporting_over_plan
from tasks.progress.tables import MeasureStateTable
from tasks.reporting import workflow
from tasks.reporting.filters import MeasureFilter


def _filter_description(measure_filter, data):
    """The filters a /measures/ export was made with, as its title says them."""
    parts = []
    for name, value in data.items():
        if value in (None, "") or name == "period":
            continue
        field = measure_filter.form.fields[name]
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        elif name == "task":
            value = value.heading
        parts.append(f"{field.label}：{value}")
    return "；".join(parts) or "无"


def _task_chart(task_rows, expected):
    """Geometry of the dashboard's server-side SVG bar chart."""
    left, bar, row_height = 230, 420, 24
    rows = [
        {"task": task, "y": i * row_height, "width": round(bar * percent / 100, 1), "percent": percent}
        for i, (task, states, percent) in enumerate(task_rows)
    ]
    return {
        "rows": rows,
        "left": left,
        "bar": bar,
        "label_x": left + bar + 8,
        "width": left + bar + 70,
        "height": max(row_height * len(rows), row_height),
        "expected_x": round(left + bar * expected / 100, 1),
    }


@login_required
def home(request):
    """`/`: unit staff with no other role get their 待办; everyone else the dashboard."""
    if access.is_unit_staff_only(request.user):
        return todo(request)
    return dashboard(request)


def todo(request):
    """The unit staff's 待办: this period's returned, overdue and due obligations;
    with ?period=, those of a period opened for late reporting (the 开放补报
    notification links here)."""
    plan = selected_plan(request)
    today = timezone.localdate()
    units = access.user_units(request.user)
    period, work, writable = None, None, []
    if plan is not None:
        current, writable = period_rules.current_and_writable(plan, today)
        period = period_rules.chosen_period(writable, to_id(request.GET.get("period"))) or current
        progress, rows = obligation_rows(plan, period, units)
        work = progress.todo(rows)
    # This plan's messages only (and those about no plan): "1.(1)" is in every plan.
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if plan is not None:
        unread = unread.filter(Q(plan=plan) | Q(plan__isnull=True))
    unread = unread[:5]
    # The unit's indicator values sent back by the coordinator are its 待办 too.
    returned_values = (
        list(
            IndicatorValue.objects.filter(
                indicator__plan=plan, indicator__unit__in=units, state=IndicatorValue.State.RETURNED
            )
            .select_related("indicator__unit")
            .order_by("indicator__number", "year")
        )
        if plan is not None
        else []
    )
    # The coordinator's last 催报 of each of the user's units in this period, with its note.
    chases = {}
    if period is not None:
        logs = ReminderLog.objects.filter(
            unit__in=units, period=period, source=ReminderLog.Source.COORDINATOR
        ).select_related("unit", "sent_by")
        for log in logs.order_by("sent_at", "pk"):
            chases[log.unit_id] = log
    return render(
        request,
        "tasks/todo.html",
        {
            "plan": plan,
            "period": period,
            "units": units,
            "todo": work,
            "unread": unread,
            "chases": list(chases.values()),
            "returned_values": returned_values,
            "returned_count": len(returned_values) + (len(work.returned) if work else 0),
            "all_in": work is not None and not work.open_count and not returned_values,
            "takes_reports": period in writable,
            "deadline": period_rules.reporting_deadline(period) if period else None,
            "other_periods": [p for p in writable if p != period],
        },
    )


@login_required
def dashboard(request):
    if roles.is_auditor_only(request.user):
        return redirect("security:audit")
    plan, period = plan_and_period(request)
    context = {"plan": plan, "period": period}
    if plan is not None:
        today = timezone.localdate()
        progress = PlanProgress(plan, period, today=today)
        evaluation = final_evaluation(plan, today, progress)
        context.update(
            evaluation=evaluation,
            final_report=evaluation is not None or today > plan.end_date,
            demo_history=demo.history_exists(plan),
        )
        counts = progress.counts()
        total = len(progress.states) or 1
        units = progress.unit_summaries()
        if access.can_review(request.user):
            context["coordinator_todo"] = {
                "waiting": Report.objects.filter(state=Report.State.SUBMITTED, measure__task__plan=plan).count(),
                "overdue_units": [u for u in units if u.overdue],
                "closing": periods_closing(plan, today),
            }
        context.update(
            progress=progress,
            plan_percent=progress.plan_percent,
            expected=progress.expected,
            chart=_task_chart(progress.task_rows(), progress.expected),
            units=units,
            lights=[(light, n, round(100 * n / total, 1)) for light, n in counts["lights"].items()],
            statuses=counts["statuses"].items(),
            goals=plan.goals.splitlines(),
            reporting=progress.reporting(),
            indicator_rows=indicator_rules.evaluations(plan),
        )
    return render(request, "tasks/dashboard.html", context)


COMPUTED_COLUMNS = {"status", "percent", "light", "reported_at"}


@access.non_auditor_login_required
def measure_list(request):
    plan = selected_plan(request)
    if plan is None:
        return render(request, "tasks/measure_list.html", {"plan": None})
    measure_filter = MeasureFilter(request.GET or None, queryset=Measure.objects.filter(task__plan=plan), plan=plan)
    data = measure_filter.form.cleaned_data if measure_filter.is_valid() else {}
    today = timezone.localdate()
    period = data.get("period") or Period.objects.current(plan, today)
    exporting = request.GET.get("export") == "xlsx"
    sort = request.GET.get("sort", "").lstrip("-")
    if exporting or measure_filter.needs_states or sort in COMPUTED_COLUMNS:
        # Filtering or sorting on computed values needs every measure's state.
        measures = measure_filter.qs.select_related("task").with_assignments().in_document_order()
        progress = PlanProgress(plan, period, today=today, measures=measures)
        rows = measure_filter.filter_states(progress.states.values())
    else:
        # Otherwise only the shown page's states are computed, as the admin does.
        progress = None
        rows = [PendingState(m) for m in measure_filter.qs.select_related("task").in_document_order()]
    table = MeasureStateTable(rows)
    if exporting:
        # Exactly the filtered rows, in the table's order; 按单位 only for the filtered unit and role.
        RequestConfig(request, paginate=False).configure(table)
        unit_ids = access.status_sheet_units(request.user)
        if data.get("unit"):
            unit_ids = frozenset({data["unit"].pk}) & (unit_ids if unit_ids is not None else {data["unit"].pk})
        scope = SheetScope(
            plan=plan,
            period=period,
            today=today,
            measures=[row.record.measure for row in table.rows],
            unit_ids=unit_ids,
            role=data.get("role") or None,
            approved_only=request.GET.get("reports") == "approved",
            filters=_filter_description(measure_filter, data),
        )
        return status_sheet_download(scope, f"措施进展筛选结果 {len(rows)} 条，条件：{request.GET.urlencode()[:300]}")
    configure_table(request, table, per_page=25)
    if progress is None:
        shown = [row.record for row in table.page.object_list]
        measures = [row.measure for row in shown]
        prefetch_related_objects(measures, assignments_in_order())
        progress = PlanProgress(plan, period, today=today, measures=measures)
        for row in shown:
            row.state = progress.states[row.measure.pk]
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render(
        request,
        "tasks/measure_list.html",
        {
            "plan": plan,
            "period": period,
            "filter": measure_filter,
            "table": table,
            "count": len(rows),
            "expected": progress.expected,
            "export_query": export_query.urlencode(),
        },
    )


@access.non_auditor_login_required
def unit_list(request):
    plan, period = plan_and_period(request)
    summaries, over_plan = [], None
    if plan is not None:
        today = timezone.localdate()
        progress = PlanProgress(plan, period, today=today)
        summaries = progress.unit_summaries()
        over_plan = reporting_over_plan(plan, today, progress)
        rates = {s.unit.pk: s for s in over_plan.units}
        for summary in summaries:
            summary.over_plan = rates.get(summary.unit.pk)
    return render(
        request,
        "tasks/unit_list.html",
        {"plan": plan, "period": period, "summaries": summaries, "over_plan": over_plan},
    )


@access.non_auditor_login_required
def unit_detail(request, pk):
    unit = get_unit_for_user(request, pk)
    plan, period = plan_and_period(request)
    rows, summary, overdue, chases = [], None, [], []
    if plan is not None:
        progress, rows = obligation_rows(plan, period, [unit])
        summaries = progress.unit_summaries({unit.pk})
        summary = summaries[0] if summaries else None
        overdue = [s for s in rows if progress.is_overdue(s)]
    if period is not None:
        chases = list(
            ReminderLog.objects.filter(unit=unit, period=period).select_related("sent_by").order_by("-sent_at", "-pk")
        )
    contacts = unit.memberships.select_related("user").filter(user__is_active=True).order_by("user__username")
    return render(
        request,
        "tasks/unit_detail.html",
        {
            "unit": unit,
            "plan": plan,
            "period": period,
            "rows": rows,
            "summary": summary,
            "today": timezone.localdate(),
            "overdue": overdue,
            "chases": chases,
            "contacts": contacts,
            "can_chase": access.can_review(request.user),
            "can_edit_contacts": access.can_edit_contacts(request.user, unit),
            "can_view_accounts": access.can_view_accounts(request.user),
        },
    )


@access.non_auditor_login_required
@require_POST
def select_plan(request):
    """Remember which plan the user is looking at, among those they may read. 404 for another."""
    plan = get_object_or_404(access.readable_plans(request.user), pk=to_id(request.POST.get("plan")) or -1)
    request.session[PLAN_SESSION_KEY] = plan.pk
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)


_POINT = re.compile(r"^(\d+\.\s*[^。]*。)(.*)$")


def _paragraphs(text):
    """[(lead, rest)] per line: a numbered point's first sentence is its lead, shown bold as printed."""
    rows = []
    for line in text.splitlines():
        match = _POINT.match(line)
        rows.append(match.groups() if match else ("", line))
    return rows


@access.non_auditor_login_required
def plan(request):
    """The whole notice in order, each task's narrative beside its measures and their
    live state (the current period's). A fixed number of queries."""
    current = selected_plan(request)
    context = {"plan": current, "tasks": []}
    if current is not None:
        today = timezone.localdate()
        period = Period.objects.current(current, today)
        measures = Measure.objects.with_assignments().order_by("number")
        tasks = list(current.tasks.order_by("number").prefetch_related(Prefetch("measures", queryset=measures)))
        progress = PlanProgress(current, period, today=today, measures=[m for t in tasks for m in t.measures.all()])
        for task in tasks:
            task.rows = [(m, progress.states[m.pk]) for m in task.measures.all()]
        context.update(
            tasks=tasks,
            period=period,
            expected=progress.expected,
            tasks_heading=current.heading("tasks"),
            # A plan loaded from its task table has only 四; sections without text are left out.
            sections=[
                (key, heading, _paragraphs(text))
                for key, heading, text in current.body_sections()
                if key == "tasks" or text
            ],
        )
    return render(request, "tasks/plan.html", context)


@access.non_auditor_login_required
def my_obligations(request):
    plan, period = plan_and_period(request)
    units = access.user_units(request.user)
    rows = []
    if plan is not None and units:
        _, rows = obligation_rows(plan, period, units)
    return render(
        request,
        "tasks/my.html",
        {"plan": plan, "period": period, "units": units, "rows": rows, "today": timezone.localdate()},
    )


@access.non_auditor_login_required
def measure_detail(request, pk):
    measure = get_measure_for_user(request, pk)
    plan = measure.task.plan
    today = timezone.localdate()
    period = Period.objects.current(plan, today)
    progress = PlanProgress(plan, period, today=today, measures=[measure])
    state = progress.states[measure.pk]
    own_units = {u.pk for u in access.user_units(request.user)}
    events = access.visible_timeline(request.user, workflow.timeline(measure))
    evidence = access.visible_evidence(
        request.user, Evidence.objects.filter(report__measure=measure).select_related("report__unit", "report__period")
    )
    can_review = access.can_review(request.user)
    # Final evaluations (终期评估): submitted or approved ones for every reader, others for their unit.
    evaluations = [
        r
        for r in Report.objects.filter(measure=measure, period__kind=Period.Kind.FINAL)
        .select_related("unit", "period")
        .order_by("period__end_date", "unit__sort_order", "unit__name")
        if r.is_official or access.can_see_private(request.user, r.unit_id)
    ]
    return render(
        request,
        "tasks/measure_detail.html",
        {
            "measure": measure,
            "period": period,
            "evaluations": evaluations,
            "completion": Report.Completion(state.completion).label if state.completion else None,
            "evaluated_leads": state.evaluated_leads,
            "state": state,
            "expected": progress.expected,
            "timeline": _timeline_by_period(events),
            "evidence": evidence,
            "can_report": any(
                o.unit.pk in own_units and not (period and workflow.final_block_reason(o, period))
                for o in progress.obligations[measure.pk]
            ),
            "can_review": can_review,
            # The coordinator chases an overdue obligation or reopens an approved report from here.
            "overdue": [s for s in state.leads + state.supports if progress.is_overdue(s)] if can_review else [],
        },
    )


TIMELINE_SHOWN = 10


def _timeline_by_period(events):
    """A measure's timeline for its page: newest first, one group per period in the
    order their latest event came, each {period, shown, folded}. The page opens the
    newest period's first TIMELINE_SHOWN events and folds the rest, so that years of
    history stay one click away without making the page metres long."""
    groups = {}
    for event in events:
        groups.setdefault(event.report.period_id, []).append((event, workflow.describe_changes(event)))
    timeline = []
    for n, items in enumerate(groups.values()):
        shown = TIMELINE_SHOWN if n == 0 else 0
        timeline.append(
            {"period": items[0][0].report.period, "count": len(items), "shown": items[:shown], "folded": items[shown:]}
        )
    return timeline
