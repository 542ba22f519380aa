import datetime
import io
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from departments import roles
from departments.models import Unit
from jiading_ads import uploads, xlsx
from jiading_ads.params import configure_table, to_id
from security import audit

from . import access, bulletin, demo, documents, finalreport, notifications, plantable, statussheet, workflow
from . import indicators as indicator_rules
from . import obligations as obligation_rules
from . import periods as period_rules
from .filters import MeasureFilter, ReviewFilter
from .forms import (
    DueDateForm,
    EvaluationReviewForm,
    ImportForm,
    LateReportingForm,
    PeriodForm,
    PlanTableForm,
    ReviewForm,
    report_form_class,
)
from .models import (
    Evidence,
    IndicatorValue,
    Measure,
    Notification,
    Period,
    ReminderLog,
    Report,
    assignments_in_order,
)
from .progress import PendingState, PlanProgress, final_evaluation, periods_closing, reporting_over_plan
from .statussheet import SheetScope, ascii_filename, export_filename, write_status_sheet
from .tables import MeasureStateTable

PLAN_SESSION_KEY = "selected_plan"


def _selected_plan(request):
    """The plan the user chose (?plan= or earlier in the session) if they may
    read it (access.readable_plans: any plan for those who see every unit,
    unit staff their own units' plans and the bundled one), else their default."""
    wanted = to_id(request.GET.get("plan") or request.session.get(PLAN_SESSION_KEY))
    if wanted:
        plan = access.readable_plans(request.user).filter(pk=wanted).first()
        if plan is not None:
            return plan
    return access.default_plan(request.user)


def _plan_and_period(request):
    """The selected plan and its current period. Two queries."""
    plan = _selected_plan(request)
    period = Period.objects.current(plan, timezone.localdate()) if plan else None
    return plan, period


def _obligation_rows(plan, period, units):
    """The units' obligations in the plan with their states, and the progress behind them."""
    mine = obligation_rules.for_units(units, plan)
    measures = (
        Measure.objects.filter(pk__in={o.measure.pk for o in mine})
        .select_related("task")
        .with_assignments()
        .in_document_order()
    )
    # Only these units' obligations are judged: the others' on the same measures are not shown.
    progress = PlanProgress(plan, period, today=timezone.localdate(), measures=measures, units=units)
    return progress, [progress.obligation_state(o) for o in mine]


def _get_measure_for_user(request, pk):
    """A measure with its plan and units, of a plan the user may read
    (access.can_read_plan: unit staff read their units' plans and the bundled
    one). 404 otherwise."""
    measure = get_object_or_404(Measure.objects.select_related("task__plan").with_assignments(), pk=pk)
    if not access.can_read_plan(request.user, measure.task.plan):
        raise Http404("您所在的单位不承担该行动方案的任务。")
    return measure


def _get_unit_for_user(request, pk):
    """A unit with its members, aliases and collectives; every plan page reader may see it. 404 if none."""
    return get_object_or_404(Unit.objects.prefetch_related("members", "aliases", "collectives"), pk=pk)


def _get_period_for_user(request, pk):
    """A reporting period, for the coordinator (see review_required). 404 if none."""
    return get_object_or_404(Period, pk=pk)


def _get_obligation_for_user(request, pk):
    """The measure, the obligation the user reports on (the unit chosen by
    ?unit= or the form's unit field, else the first of theirs) and all the
    user's units' obligations on it. 404 for an unknown measure; 403 for
    non-staff and for another unit's obligation (recorded as a refusal)."""
    measure = _get_measure_for_user(request, pk)
    units = access.user_units(request.user)
    if not units:
        raise PermissionDenied("只有责任单位的联络员可以填报进展。")
    members = obligation_rules.collective_members()
    unit_ids = {u.pk for u in units}
    mine = [o for o in obligation_rules.for_measure(measure, members) if o.unit.pk in unit_ids]
    if not mine:
        raise PermissionDenied("您所在的单位不承担这项措施，不能填报或查看其他单位的填报。")
    wanted = request.POST.get("unit") or request.GET.get("unit")
    if not wanted:
        return measure, mine[0], mine
    unit = next((u for u in units if str(u.pk) == wanted), None)
    obligation = obligation_rules.find(measure, unit, members) if unit else None
    if obligation is None:
        raise PermissionDenied("您只能填报本单位承担的措施，不能打开其他单位的填报。")
    return measure, obligation, mine


def _get_report_for_review(request, pk):
    """A report with what the review page shows, for the coordinator (see review_required). 404 if none."""
    return get_object_or_404(
        Report.objects.select_related("measure__task__plan", "unit", "period", "updated_by"), pk=pk
    )


def _get_evidence_for_user(request, pk):
    """An evidence file; 403 unless the user may see its unit's material (access.can_see_private)."""
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    if not access.can_see_private(request.user, evidence.report.unit_id):
        raise PermissionDenied("您无权下载该佐证材料。")
    return evidence


def _xlsx_response(scope, what):
    audit.record(
        audit.Kind.SHEET_EXPORTED,
        detail=f"{what}（{scope.period.name if scope.period else '无周期'}"
        f"{'，仅本单位' if scope.unit_ids is not None else ''}）",
    )
    buffer = io.BytesIO()
    write_status_sheet(scope, buffer)
    return xlsx.download(buffer.getvalue(), export_filename(scope), ascii_filename(scope))


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
    plan = _selected_plan(request)
    today = timezone.localdate()
    units = access.user_units(request.user)
    period, work, writable = None, None, []
    if plan is not None:
        current, writable = period_rules.current_and_writable(plan, today)
        chosen = [p for p in writable if p.pk == to_id(request.GET.get("period"))]
        period = chosen[0] if chosen else current
        progress, rows = _obligation_rows(plan, period, units)
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
    plan, period = _plan_and_period(request)
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
    plan = _selected_plan(request)
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
        return _xlsx_response(scope, f"措施进展筛选结果 {len(rows)} 条，条件：{request.GET.urlencode()[:300]}")
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
    plan, period = _plan_and_period(request)
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
    unit = _get_unit_for_user(request, pk)
    plan, period = _plan_and_period(request)
    rows, summary, overdue, chases = [], None, [], []
    if plan is not None:
        progress, rows = _obligation_rows(plan, period, [unit])
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


@access.non_auditor_login_required
def export_status(request):
    unit_ids = access.status_sheet_units(request.user)
    plan = _selected_plan(request)
    period = None
    if plan is not None:
        wanted = request.GET.get("period")
        if wanted:
            period = get_object_or_404(Period, plan=plan, pk=to_id(wanted) or -1)
        else:
            period = Period.objects.current(plan, timezone.localdate())
    approved_only = request.GET.get("reports") == "approved"
    scope = SheetScope(
        plan=plan, period=period, today=timezone.localdate(), unit_ids=unit_ids, approved_only=approved_only
    )
    return _xlsx_response(scope, "台账（仅已审核）" if approved_only else "台账")


@access.non_auditor_login_required
@access.review_required
def export_bulletin(request):
    """The period's 通报 as a Word draft, for the coordinator."""
    plan = _selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    wanted = request.GET.get("period")
    if wanted:
        period = get_object_or_404(Period, plan=plan, pk=to_id(wanted) or -1)
    else:
        period = Period.objects.current(plan, timezone.localdate())
        if period is None:
            raise Http404("没有可通报的填报周期。")
    draft = bulletin.collect(plan, period, timezone.localdate())
    response = _word_download(bulletin.write, draft, bulletin.filename(draft), f"tongbao_{draft.today:%Y-%m-%d}.docx")
    audit.record(audit.Kind.BULLETIN_EXPORTED, obj=period, detail=f"{draft.title}（截至 {draft.today:%Y-%m-%d}）")
    return response


def _word_download(write, draft, filename, ascii_filename):
    """The document `write(draft, stream)` makes, as a .docx attachment."""
    buffer = io.BytesIO()
    write(draft, buffer)
    return xlsx.download(buffer.getvalue(), filename, ascii_filename, content_type=documents.CONTENT_TYPE)


@access.non_auditor_login_required
@access.review_required
def export_final_report(request):
    """The plan's 终期评估报告 as a Word draft, for the coordinator."""
    plan = _selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    draft = finalreport.collect(plan, timezone.localdate())
    response = _word_download(
        finalreport.write, draft, finalreport.filename(draft), f"zhongqi-pinggu_{draft.today:%Y-%m-%d}.docx"
    )
    audit.record(
        audit.Kind.FINAL_REPORT_EXPORTED,
        obj=draft.period or plan,
        detail=f"{draft.title}（截至 {draft.today:%Y-%m-%d}）",
    )
    return response


IMPORT_SESSION_KEY = "statussheet_import"


@access.non_auditor_login_required
def import_status(request):
    """Upload a filled-in 台账, preview the changes, then apply them all or none."""
    unit_ids = access.status_sheet_units(request.user, importing=True)
    plan = _selected_plan(request)
    period = period_rules.reporting_period(plan, timezone.localdate()) if plan else None
    preview = None
    if request.method == "POST" and request.POST.get("action") == "apply":
        pending = request.session.get(IMPORT_SESSION_KEY)
        if not pending or period is None or pending["period"] != period.pk:
            messages.error(request, "没有待导入的内容，或填报周期已变化，请重新上传。")
            return redirect("tasks:import_status")
        try:
            count = statussheet.apply_changes(pending["changes"], period, request.user, today=timezone.localdate())
        except workflow.WorkflowError as exc:
            audit.record(audit.Kind.SHEET_IMPORTED, result=audit.Result.FAILURE, detail=str(exc))
            messages.error(request, f"未导入任何内容：{exc}")
        else:
            audit.record(audit.Kind.SHEET_IMPORTED, detail=f"导入 {count} 条填报（{period.name}）")
            del request.session[IMPORT_SESSION_KEY]
            messages.success(request, f"已导入 {count} 条填报，并记入各措施的填报记录。")
            return redirect("tasks:measure_list")
        return redirect("tasks:import_status")
    form = ImportForm(request.POST or None, request.FILES or None)
    for message in uploads.refused_uploads(request):
        form.add_error("file", message)
    if request.method == "POST" and form.is_valid():
        try:
            preview = statussheet.read_upload(
                form.cleaned_data["file"], plan, period, unit_ids, today=timezone.localdate()
            )
        except statussheet.UploadError as exc:
            form.add_error("file", str(exc))
            audit.record(audit.Kind.SHEET_IMPORTED, result=audit.Result.FAILURE, detail=f"文件无法读取：{exc}")
        else:
            if preview.ok:
                request.session[IMPORT_SESSION_KEY] = {
                    "period": period.pk,
                    "changes": [c.as_data() for c in preview.changes],
                }
            else:
                request.session.pop(IMPORT_SESSION_KEY, None)
            if preview.errors:
                audit.record(
                    audit.Kind.SHEET_IMPORTED,
                    result=audit.Result.FAILURE,
                    detail=f"预览发现 {len(preview.errors)} 行错误，未导入",
                )
    return render(
        request,
        "tasks/import_status.html",
        {
            "form": form,
            "preview": preview,
            "plan": plan,
            "period": period,
            "shown_errors": preview.errors[: settings.IMPORT_PREVIEW_MAX_ERRORS] if preview else [],
            "more_errors": max(len(preview.errors) - settings.IMPORT_PREVIEW_MAX_ERRORS, 0) if preview else 0,
        },
    )


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
    current = _selected_plan(request)
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
    plan, period = _plan_and_period(request)
    units = access.user_units(request.user)
    rows = []
    if plan is not None and units:
        _, rows = _obligation_rows(plan, period, units)
    return render(
        request,
        "tasks/my.html",
        {"plan": plan, "period": period, "units": units, "rows": rows, "today": timezone.localdate()},
    )


@access.non_auditor_login_required
def report_form(request, pk):
    measure, obligation, mine = _get_obligation_for_user(request, pk)
    plan = measure.task.plan
    today = timezone.localdate()
    writable = period_rules.writable_periods(plan, today)
    if request.method == "POST" and "period" in request.POST:
        # Save into the period the form was opened for, if it still takes
        # reports; a period that does not (closed meanwhile, past its deadline,
        # another plan's, made up) is refused and recorded.
        period = Period.objects.filter(plan=plan, pk=to_id(request.POST["period"]) or -1).first()
        reason = period_rules.write_block_reason(period, today) if period else "填报周期无效。"
        if reason:
            audit.record(
                audit.Kind.PERIOD_REFUSED,
                result=audit.Result.DENIED,
                obj=measure,
                detail=f"{obligation.unit.name} 向周期 {request.POST['period'][:40]!r} 提交被拒绝：{reason}",
            )
            messages.error(request, reason)
            return redirect(f"{request.path}?unit={obligation.unit.pk}")
    else:
        chosen = [p for p in writable if p.pk == to_id(request.GET.get("period"))]
        period = chosen[0] if chosen else period_rules.reporting_period(plan, today)
        if period is not None and workflow.final_block_reason(obligation, period):
            # A co-organizer owes no final evaluation: another period it may write into, if any.
            period = next((p for p in writable if not workflow.final_block_reason(obligation, p)), period)
    if period is None:
        messages.error(request, "当前没有接受填报的周期（已过填报截止日期），请联系协调人开放补报。")
        return redirect("tasks:measure_detail", pk=measure.pk)
    report = (
        Report.objects.filter(measure=measure, unit=obligation.unit, period=period).prefetch_related("evidence").first()
    )
    final_block = workflow.final_block_reason(obligation, period)
    if final_block and request.method != "POST":
        # Nothing to fill in: a co-organizer owes no final evaluation.
        messages.info(request, final_block)
        return redirect("tasks:measure_detail", pk=measure.pk)
    blocked = final_block or workflow.edit_block_reason(report, period, today)
    form_class = report_form_class(period)
    conflict = False
    # 沿用上期: the form may start from the obligation's last report of an earlier
    # period (not a final evaluation, which is no quarter's sequel).
    copyable = (
        not blocked and period.kind != Period.Kind.FINAL and (report is None or report.state == Report.State.DRAFT)
    )
    previous = workflow.previous_report(obligation, period) if copyable else None
    if request.method == "POST":
        if blocked:
            messages.error(request, blocked)
            return redirect(request.get_full_path())
        copied_from = previous if previous and request.POST.get("copied_from") == str(previous.pk) else None
        # A draft keeps whatever is filled in; the full checks apply on 提交.
        submitting = "submit" in request.POST
        form = form_class(request.POST, request.FILES, instance=Report(role=obligation.role), submitting=submitting)
        for message in uploads.refused_uploads(request):
            form.add_error("evidence_files", message)
        if form.is_valid():
            try:
                saved = workflow.save_report(
                    obligation,
                    period,
                    form.cleaned_data,
                    request.user,
                    submit=submitting,
                    version=form.cleaned_data["version"],
                    evidence=form.cleaned_data["evidence_files"],
                    copied_from=copied_from,
                    today=today,
                )
            except workflow.Conflict as exc:
                # Keep what the user typed on screen, now based on the latest
                # version, and show the latest saved content beside it.
                messages.error(request, str(exc))
                report = Report.objects.filter(measure=measure, unit=obligation.unit, period=period).first()
                data = request.POST.copy()
                data["version"] = report.version if report else 0
                form = form_class(data, instance=Report(role=obligation.role), submitting=submitting)
                form.is_valid()
                conflict = True
            except workflow.NotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(request.get_full_path())
            else:
                if saved.state == Report.State.SUBMITTED:
                    messages.success(request, "已提交，等待协调人审核。")
                else:
                    messages.success(request, "草稿已保存，尚未提交。")
                return redirect(request.path + _report_form_query(obligation.unit.pk, period.pk))
        copying = copied_from
    else:
        initial = {"version": report.version if report else 0}
        copying = previous if previous and request.GET.get("copy") == "previous" else None
        if copying:
            initial.update({name: getattr(copying, name) for name in workflow.REPORT_FIELDS})
            form = form_class(instance=Report(role=obligation.role), initial=initial)
        else:
            form = form_class(instance=report or Report(role=obligation.role), initial=initial)
    if blocked:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "tasks/report_form.html",
        {
            "measure": measure,
            "obligation": obligation,
            "other_units": [o for o in mine if o.unit.pk != obligation.unit.pk],
            "period": period,
            "other_periods": [p for p in writable if p != period and not workflow.final_block_reason(obligation, p)],
            "deadline": period_rules.reporting_deadline(period),
            "report": report,
            "form": form,
            "blocked": blocked,
            "conflict": conflict,
            "previous": previous,
            "copying": copying,
            "form_query": _report_form_query(obligation.unit.pk, period.pk),
        },
    )


def _report_form_query(unit_id, period_id):
    """The report form's query for one unit and period: a period opened for
    late reporting stays chosen after a save, a withdrawal or a deletion."""
    return f"?unit={unit_id}&period={period_id}"


def _writable_period(request, plan, today):
    """The period of the report form a withdrawal or a deletion came from:
    ?period= among those that take reports today, else the default one."""
    wanted = to_id(request.POST.get("period") or request.GET.get("period"))
    chosen = [p for p in period_rules.writable_periods(plan, today) if p.pk == wanted]
    return chosen[0] if chosen else period_rules.reporting_period(plan, today)


@access.non_auditor_login_required
def withdraw(request, pk):
    """撤回: the unit takes its submitted, not yet reviewed report back to draft, after a confirmation."""
    measure, obligation, _ = _get_obligation_for_user(request, pk)
    today = timezone.localdate()
    period = _writable_period(request, measure.task.plan, today)
    report = (
        Report.objects.filter(measure=measure, unit=obligation.unit, period=period, state=Report.State.SUBMITTED)
        .select_related("period", "measure__task", "unit")
        .first()
        if period
        else None
    )
    form_url = reverse("tasks:report_form", args=[measure.pk]) + (
        _report_form_query(obligation.unit.pk, period.pk) if period else f"?unit={obligation.unit.pk}"
    )
    if report is None:
        messages.error(request, "没有可以撤回的填报：只有已提交、尚未审核的填报可以撤回。")
        return redirect(form_url)
    if request.method == "POST":
        version = request.POST.get("version", "")
        try:
            workflow.withdraw(report, request.user, to_id(version) or -1, today=today)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已撤回，填报恢复为草稿；修改后请重新提交。")
        return redirect(form_url)
    return render(
        request,
        "tasks/confirm.html",
        {
            "title": "撤回填报",
            "question": f"确定撤回{report.unit.name}“{measure.code}”{report.period.name}的填报吗？",
            "consequence": "撤回后填报恢复为草稿，协调人不再看到它，直到您重新提交。",
            "items": [],
            "fields": {"version": report.version, "unit": obligation.unit.pk, "period": period.pk},
            "confirm_label": "确认撤回",
            "cancel_url": form_url,
        },
    )


@access.non_auditor_login_required
def measure_detail(request, pk):
    measure = _get_measure_for_user(request, pk)
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


@access.non_auditor_login_required
def evidence_download(request, pk):
    evidence = _get_evidence_for_user(request, pk)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在。") from None
    audit.record(
        audit.Kind.EVIDENCE_DOWNLOADED, obj=evidence.report, detail=f"{evidence.original_name}（{evidence.size} 字节）"
    )
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)


@access.non_auditor_login_required
def evidence_delete(request, pk):
    """The unit deletes one of its own evidence files before approval, after a confirmation."""
    evidence = _get_evidence_for_user(request, pk)
    report = evidence.report
    if report.unit_id not in {u.pk for u in access.user_units(request.user)}:
        raise PermissionDenied("只有该单位的联络员可以删除其佐证材料。")
    form_url = reverse("tasks:report_form", args=[report.measure_id])
    form_url += _report_form_query(report.unit_id, report.period_id)
    today = timezone.localdate()
    if request.method == "POST":
        try:
            workflow.delete_evidence(evidence, request.user, today=today)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已删除佐证材料“{evidence.original_name}”。")
        return redirect(form_url)
    blocked = workflow.evidence_block_reason(report, today)
    if blocked:
        messages.error(request, blocked)
        return redirect(form_url)
    return render(
        request,
        "tasks/confirm.html",
        {
            "title": "删除佐证材料",
            "question": f"确定删除佐证材料“{evidence.original_name}”吗？",
            "consequence": "删除后文件不可恢复；填报记录中会保留“删除佐证材料”一条。",
            "items": [],
            "fields": {},
            "confirm_label": "确认删除",
            "danger": True,
            "cancel_url": form_url,
        },
    )


@access.non_auditor_login_required
@access.review_required
def review_queue(request):
    """Submitted reports waiting for review by default; the filters show the reviewed ones too."""
    plan = _selected_plan(request)
    data = request.GET.copy()
    data.setdefault("state", Report.State.SUBMITTED)
    reviewable = Report.objects.filter(state__in=ReviewFilter.REVIEWABLE)
    review_filter = ReviewFilter(data, queryset=reviewable, plan=plan)
    # A value no choice offers (a draft, a forged id) shows nothing rather than everything.
    chosen = review_filter.qs if review_filter.is_valid() else reviewable.none()
    reports = chosen.select_related("measure__task__plan", "unit", "period", "updated_by").order_by(
        "submitted_at", "pk"
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "tasks/review_queue.html",
        {
            "page": page,
            "reports": page.object_list,
            "plan": plan,
            "filter": review_filter,
            "query": query.urlencode(),
            "waiting": review_filter.form.cleaned_data.get("state") == Report.State.SUBMITTED
            if review_filter.is_valid()
            else False,
        },
    )


@access.non_auditor_login_required
@access.review_required
def review_batch(request):
    """Approve the chosen submitted reports at once, after one confirmation. The
    address opened directly (a bookmark, a reload) leads back to the list."""
    if request.method != "POST":
        messages.info(request, "批量审核：请在列表中勾选已提交的填报，再点击“批量审核通过所选”。")
        return redirect("tasks:review")
    chosen = [pk for pk in map(to_id, request.POST.getlist("report")) if pk]
    reports = list(
        Report.objects.filter(pk__in=chosen, state=Report.State.SUBMITTED)
        .select_related("measure__task", "unit", "period")
        .order_by("submitted_at", "pk")
    )
    if not reports:
        messages.error(request, "请先勾选要审核通过的已提交填报。")
        return redirect("tasks:review")
    if request.POST.get("confirm") != "1":
        return render(
            request,
            "tasks/confirm.html",
            {
                "title": "批量审核通过",
                "question": f"确定将以下 {len(reports)} 条填报审核通过吗？",
                "consequence": "通过后各单位会收到站内消息；如需修改，可在审核页重新打开。",
                "items": [f"{r.measure.code} {r.unit.name} {r.period.name}（{r.percent}%）" for r in reports],
                "multi_fields": [("report", r.pk) for r in reports] + [(f"version_{r.pk}", r.version) for r in reports],
                "fields": {"confirm": "1"},
                "confirm_label": f"确认通过 {len(reports)} 条",
                "cancel_url": reverse("tasks:review"),
            },
        )
    approved, refused = 0, []
    for report in reports:
        version = request.POST.get(f"version_{report.pk}", "")
        try:
            workflow.approve(report, request.user, to_id(version) or -1)
        except workflow.WorkflowError as exc:
            refused.append(f"{report.measure.code} {report.unit.name}：{exc}")
        else:
            approved += 1
    if approved:
        messages.success(request, f"已审核通过 {approved} 条填报。")
    for line in refused:
        messages.error(request, f"未通过：{line}")
    return redirect("tasks:review")


@access.non_auditor_login_required
@access.review_required
def review_report(request, pk):
    report = _get_report_for_review(request, pk)
    # A final evaluation is approved with the coordinator's 评估意见.
    form_class = EvaluationReviewForm if report.is_evaluation else ReviewForm
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            action = request.POST.get("action")
            actions = {
                "approve": (workflow.approve, "已审核通过。"),
                "return": (workflow.return_for_revision, "已退回，单位将看到退回意见。"),
                "reopen": (workflow.reopen, "已重新打开，单位可以修改。"),
            }
            comment = form.cleaned_data["comment"]
            if report.is_evaluation and action == "approve":
                actions["approve"] = (workflow.approve_evaluation, "已审核通过，评估意见已记入终期评估。")
                comment = form.cleaned_data["assessment"]
            if action not in actions:
                messages.error(request, "未知的操作。")
            else:
                change, done = actions[action]
                try:
                    change(report, request.user, form.cleaned_data["version"], comment)
                except workflow.WorkflowError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, done)
                    if action == "reopen":
                        return redirect("tasks:measure_detail", pk=report.measure_id)
                    return redirect("tasks:review")
    else:
        form = form_class(initial={"version": report.version, "assessment": report.assessment})
    return render(
        request,
        "tasks/review_report.html",
        {
            "report": report,
            "form": form,
            "evidence": report.evidence.all(),
            "events": [
                (e, workflow.describe_changes(e)) for e in report.events.select_related("actor").order_by("-at", "-pk")
            ],
        },
    )


@access.non_auditor_login_required
@access.review_required
def periods(request):
    plan = _selected_plan(request)
    if plan is None:
        raise Http404("尚未载入行动方案。")
    form = PeriodForm(request.POST or None, instance=Period(plan=plan), prefix="new")
    if request.method == "POST" and form.is_valid():
        period = form.save()
        told = notifications.period_opened(period)
        messages.success(
            request, f"已新增填报周期“{period.name}”。" + (f"已通知 {len(told)} 位联络员。" if told else "")
        )
        return redirect("tasks:periods")
    today = timezone.localdate()
    current = Period.objects.current(plan, today)
    writable = period_rules.writable_periods(plan, today)
    rows = [
        (
            p,
            DueDateForm(instance=p, prefix=f"p{p.pk}"),
            LateReportingForm(instance=p, prefix=f"l{p.pk}"),
            p in writable,
            period_rules.reporting_deadline(p),
        )
        for p in plan.periods.order_by("end_date", "pk")
    ]
    return render(
        request,
        "tasks/periods.html",
        {"plan": plan, "rows": rows, "form": form, "current": current, "grace_days": settings.REPORTING_GRACE_DAYS},
    )


@access.non_auditor_login_required
@require_POST
@access.review_required
def period_update(request, pk):
    period = _get_period_for_user(request, pk)
    action = request.POST.get("action")
    if action == "close":
        period.is_closed = True
        period.save(update_fields=["is_closed"])
        messages.success(request, f"已关闭“{period.name}”。")
    elif action == "open":
        period.is_closed = False
        period.save(update_fields=["is_closed"])
        told = notifications.period_opened(period)
        messages.success(request, f"已重新开放“{period.name}”。" + (f"已通知 {len(told)} 位联络员。" if told else ""))
    elif action == "late":
        form = LateReportingForm(request.POST, instance=period, prefix=f"l{period.pk}")
        if form.is_valid():
            # The change of late_until is recorded by the Period's tracking
            # (tasks/apps.py): one audit record, before → after.
            form.save()
            day = period.late_until
            if day:
                told = notifications.late_reporting_opened(period, timezone.localdate())
                detail = f"“{period.name}”开放补报至 {day:%Y-%m-%d}" + (
                    f"，已通知 {len(told)} 位联络员" if told else ""
                )
            else:
                detail = f"“{period.name}”取消补报"
            messages.success(request, f"已修改：{detail}。")
        else:
            messages.error(request, f"“{period.name}”的补报截止日期无效，未修改。")
    else:
        form = DueDateForm(request.POST, instance=period, prefix=f"p{period.pk}")
        if form.is_valid():
            form.save()
            messages.success(request, f"“{period.name}”的截止日期已改为 {period.due_date:%Y-%m-%d}。")
        else:
            messages.error(request, f"“{period.name}”的截止日期无效，未修改。")
    return redirect("tasks:periods")


PLAN_TABLE_SESSION_KEY = "plan_table_import"


def _iso_date(value):
    """A YYYY-MM-DD date from a form field, or None."""
    try:
        return datetime.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _plan_table_decisions(post):
    """The admin's decisions on unknown unit names, from the preview form.
    They are checked when the plan is built (tasks.plantable)."""
    decisions = {}
    index = 0
    while f"decision-{index}-name" in post:
        name = post[f"decision-{index}-name"]
        action = post.get(f"decision-{index}-action", "")
        if action == plantable.Action.CREATE:
            decisions[name] = plantable.Decision(
                action, unit=post.get(f"decision-{index}-new", ""), kind=post.get(f"decision-{index}-kind", "")
            )
        elif action in (plantable.Action.MAP, plantable.Action.ALIAS):
            decisions[name] = plantable.Decision(action, unit=post.get(f"decision-{index}-unit", ""))
        index += 1
    return decisions


@roles.check_required(access.can_load_plans, "只有管理员可以导入行动方案。")
def plan_import(request):
    """导入行动方案: upload a task table, preview it, decide, confirm. Nothing is
    written before the confirmation, and only what the preview showed."""
    action = request.POST.get("action") if request.method == "POST" else None
    pending = request.session.get(PLAN_TABLE_SESSION_KEY)
    form = (
        PlanTableForm(request.POST or None, request.FILES or None) if action in (None, "preview") else PlanTableForm()
    )
    built, stale = None, False
    if action == "preview":
        for message in uploads.refused_uploads(request):
            form.add_error("file", message)
    if action == "preview" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            draft = plantable.read_table(upload, upload.name)
        except plantable.TableError as exc:
            form.add_error("file", str(exc))
            audit.record(audit.Kind.PLAN_LOADED, result=audit.Result.FAILURE, detail=f"{upload.name}：{exc}")
            request.session.pop(PLAN_TABLE_SESSION_KEY, None)
        else:
            data = form.cleaned_data
            meta = plantable.PlanMeta(
                doc_number=data["doc_number"],
                title=data["title"],
                issuer=data["issuer"].strip(),
                start_date=data["start_date"],
                end_date=data["end_date"],
                owed_from=data["owed_from"],
            )
            pending = {"draft": draft.as_data(), "meta": meta.as_data()}
            request.session[PLAN_TABLE_SESSION_KEY] = pending
            built = plantable.build_plan(draft, meta, user=request.user)
    elif action in ("recheck", "confirm"):
        if not pending:
            messages.error(request, "没有待导入的任务分工表（可能已经导入或会话已过期），请重新上传。")
            return redirect("tasks:plan_import")
        meta = plantable.PlanMeta.from_data(pending["meta"])
        chosen = _iso_date(request.POST.get("owed_from"))
        if chosen is not None and chosen != meta.owed_from:
            # The admin's 起报日期, kept for the next preview and the confirmation.
            meta.owed_from = chosen
            pending["meta"] = meta.as_data()
            request.session[PLAN_TABLE_SESSION_KEY] = pending
        built = plantable.build_plan(
            plantable.TableDraft.from_data(pending["draft"]),
            meta,
            _plan_table_decisions(request.POST),
            note_accepted=request.POST.get("note_accepted") == "1",
            user=request.user,
        )
        stale = action == "confirm" and request.POST.get("digest") != built.digest
        if action == "confirm" and built.ok and not stale:
            plan, result = plantable.load_table_plan(built)
            audit.record(audit.Kind.PLAN_LOADED, obj=plan, detail=plantable.summary(built, result))
            del request.session[PLAN_TABLE_SESSION_KEY]
            told = f"已通知 {len(result.told)} 位联络员。" if result.told else ""
            start = f"各单位自 {built.owed_from:%Y-%m-%d} 起填报。" if built.owed_from else ""
            messages.success(request, f"已导入{plantable.summary(built, result)}。{start}{told}")
            return redirect(f"{reverse('tasks:plan')}?plan={plan.pk}")
        if action == "confirm" and not stale:
            audit.record(
                audit.Kind.PLAN_LOADED,
                result=audit.Result.FAILURE,
                detail=f"{built.source}：{len(built.blocking)} 个问题未处理，未导入",
            )
    units = list(Unit.objects.order_by("sort_order", "name").values_list("name", flat=True)) if built else []
    return render(
        request,
        "tasks/plan_import.html",
        {
            "form": form,
            "built": built,
            "stale": stale,
            "units": units,
            "actions": plantable.ACTION_LABELS,
            "kinds": plantable.CREATABLE_KINDS,
            "note_accepted": request.POST.get("note_accepted") == "1",
        },
    )
