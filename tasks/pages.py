"""What the pages of every subdomain share: the plan a page shows, its current
period, and the access helpers for measures and units."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from departments import roles
from departments.models import Unit
from jiading_ads.params import to_id
from security import audit
from tasks import access
from tasks import obligations as obligation_rules
from tasks.models import Measure, Period
from tasks.progress.rollup import PlanProgress

PLAN_SESSION_KEY = "selected_plan"


def selected_plan(request):
    """The plan the user chose (?plan= or earlier in the session) if they may
    read it (access.readable_plans: any plan for those who see every unit,
    unit staff their own units' plans and the bundled one), else their default."""
    wanted = to_id(request.GET.get("plan") or request.session.get(PLAN_SESSION_KEY))
    if wanted:
        plan = access.readable_plans(request.user).filter(pk=wanted).first()
        if plan is not None:
            return plan
    return access.default_plan(request.user)


def plan_and_period(request):
    """The selected plan and its current period. Two queries."""
    plan = selected_plan(request)
    period = Period.objects.current(plan, timezone.localdate()) if plan else None
    return plan, period


def obligation_rows(plan, period, units):
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


def get_measure_for_user(request, pk):
    """A measure with its plan and units, of a plan the user may read
    (access.can_read_plan: unit staff read their units' plans and the bundled
    one). 404 otherwise."""
    measure = get_object_or_404(Measure.objects.select_related("task__plan").with_assignments(), pk=pk)
    if not access.can_read_plan(request.user, measure.task.plan):
        raise Http404("您所在的单位不承担该行动方案的任务。")
    return measure


def get_unit_for_user(request, pk):
    """A unit with its members, aliases and collectives, for every reader of the
    plan pages (403 for an auditor, whose pages are the audit trail's). 404 if none."""
    if roles.is_auditor_only(request.user):
        raise PermissionDenied("审计员只能查看审计日志。")
    return get_object_or_404(Unit.objects.prefetch_related("members", "aliases", "collectives"), pk=pk)


def evidence_response(evidence, kind, item):
    """An evidence file (of a report or an indicator value) as a download, recorded
    in the audit trail as `kind` on `item`. 404 if the stored file is gone."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在。") from None
    audit.record(kind, obj=item, detail=f"{evidence.original_name}（{evidence.size} 字节）")
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name)
