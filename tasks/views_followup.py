"""Following up on units: 催报 (one unit, one obligation, every overdue unit) and the
units' liaison contacts. Each chase is confirmed on a page of its own first."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import BaseModelFormSet, modelformset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from departments.models import Membership

from . import access, notifications, reminders
from .forms import ContactForm
from .models import Period
from .progress import PlanProgress
from .views import _get_measure_for_user, _get_unit_for_user, _obligation_rows, _plan_and_period


def _confirm_chase(request, *, title, targets, cancel_url, skipped=()):
    """The confirmation page of a chase: each unit and its overdue measures."""
    items = [f"{unit.name}：{'、'.join(s.obligation.measure.code for s in states)}" for unit, states in targets]
    items += [f"{unit.name}：没有联络员账号，无法催报" for unit in skipped]
    count = sum(len(states) for _, states in targets)
    return render(
        request,
        "tasks/confirm.html",
        {
            "title": title,
            "question": f"确定向{targets[0][0].name}催报（{count} 项逾期未报）吗？"
            if len(targets) == 1
            else f"确定向以下 {len(targets)} 个单位催报（共 {count} 项逾期未报）吗？",
            "consequence": "各单位联络员将收到站内消息，开启邮件通知的还会收到邮件；本次催报记入催报记录和审计日志。",
            "items": items,
            "fields": {},
            "confirm_label": "确认催报",
            "cancel_url": cancel_url,
        },
    )


def _chase(request, period, targets):
    """Chase each (unit, overdue states); a message per outcome."""
    chased = []
    for unit, states in targets:
        try:
            reminders.chase(period, unit, states, request.user)
        except reminders.NoStaff as exc:
            messages.error(request, str(exc))
        else:
            chased.append(unit.name)
    if chased:
        messages.success(request, f"已催报：{'、'.join(chased)}（{period.name}）。")


def _nothing_overdue(request, period, back):
    messages.info(request, f"{period.name if period else '当前周期'}没有逾期未报的事项，无需催报。")
    return redirect(back)


def _with_staff(targets):
    """The targets whose unit has staff to chase, and the units without any."""
    staffed = set(
        Membership.objects.filter(unit__in=[u for u, _ in targets], user__is_active=True).values_list(
            "unit_id", flat=True
        )
    )
    return [t for t in targets if t[0].pk in staffed], [u for u, _ in targets if u.pk not in staffed]


@access.non_auditor_login_required
@access.review_required
def chase_unit(request, pk):
    """催报 one unit: all its overdue obligations of the current period."""
    unit = _get_unit_for_user(request, pk)
    plan, period = _plan_and_period(request)
    back = reverse("tasks:unit_detail", args=[unit.pk])
    overdue = []
    if plan is not None and period is not None:
        progress, rows = _obligation_rows(plan, period, [unit])
        overdue = [s for s in rows if progress.is_overdue(s)]
    if not overdue:
        return _nothing_overdue(request, period, back)
    if request.method == "POST":
        _chase(request, period, [(unit, overdue)])
        return redirect(back)
    targets, skipped = _with_staff([(unit, overdue)])
    return _confirm_chase(request, title=f"催报：{unit.name}", targets=targets, skipped=skipped, cancel_url=back)


@access.non_auditor_login_required
@access.review_required
def chase_obligation(request, pk):
    """催报 one obligation: the unit named by ?unit= (or the posted unit) on this measure."""
    measure = _get_measure_for_user(request, pk)
    plan = measure.task.plan
    progress = PlanProgress(plan, Period.objects.current(plan, timezone.localdate()), measures=[measure])
    wanted = request.POST.get("unit") or request.GET.get("unit") or ""
    state = progress.states[measure.pk]
    found = next((s for s in state.leads + state.supports if str(s.obligation.unit.pk) == wanted), None)
    if found is None:
        raise Http404("该单位不承担这项措施。")
    back = reverse("tasks:measure_detail", args=[measure.pk])
    if not progress.is_overdue(found):
        return _nothing_overdue(request, progress.period, back)
    unit = found.obligation.unit
    if request.method == "POST":
        _chase(request, progress.period, [(unit, [found])])
        return redirect(back)
    targets, skipped = _with_staff([(unit, [found])])
    return _confirm_chase(
        request, title=f"催报：{measure.code} {unit.name}", targets=targets, skipped=skipped, cancel_url=back
    )


@access.non_auditor_login_required
@access.review_required
def chase_all(request):
    """催报 every unit with overdue obligations in the current period, at once."""
    plan, period = _plan_and_period(request)
    back = reverse("tasks:dashboard")
    overdue = PlanProgress(plan, period).overdue_by_unit() if plan is not None and period is not None else []
    if not overdue:
        return _nothing_overdue(request, period, back)
    targets, skipped = _with_staff(overdue)
    if request.method == "POST":
        # One mail task for every unit chased: one connection to the mail server.
        with transaction.atomic(), notifications.batched():
            _chase(request, period, targets)
        return redirect(back)
    return _confirm_chase(request, title="一键催报逾期单位", targets=targets, skipped=skipped, cancel_url=back)


class BaseContactFormSet(BaseModelFormSet):
    """The phones of the unit's existing liaisons only: a form added to the
    posted data (a new liaison, which is an account matter) is refused with a
    message instead of reaching the database."""

    def clean(self):
        super().clean()
        if self.total_form_count() > self.initial_form_count():
            raise ValidationError(
                "这里只能修改已有联络员的电话，不能添加联络员：新联络员由安全管理员在后台创建账号并选定所属单位。"
            )


ContactFormSet = modelformset_factory(Membership, form=ContactForm, formset=BaseContactFormSet, extra=0, edit_only=True)


@access.non_auditor_login_required
def unit_contacts(request, pk):
    """The unit's liaison phones, edited by its own staff or an admin; each change is audited."""
    unit = _get_unit_for_user(request, pk)
    if not access.can_edit_contacts(request.user, unit):
        raise PermissionDenied("只有该单位的联络员和管理员可以修改联络方式。")
    memberships = unit.memberships.select_related("user").filter(user__is_active=True).order_by("user__username")
    formset = ContactFormSet(request.POST or None, queryset=memberships)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            saved = formset.save()
        messages.success(request, f"已保存联络方式（修改 {len(saved)} 人）。" if saved else "联络方式没有变化。")
        return redirect("tasks:unit_detail", pk=unit.pk)
    return render(request, "tasks/unit_contacts.html", {"unit": unit, "formset": formset})
