import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.models import CollectiveMembership, Unit
from tasks.fields import FastSelect
from tasks.models import Assignment, Measure, Period, Report, Task
from tasks.progress.rollup import Light


class MeasureFilter(django_filters.FilterSet):
    """Filters of /measures/.

    Status and light depend on the reports: `qs` leaves them out and
    `filter_states` applies them to the measures' computed states. The period
    chooses which states are computed.
    """

    q = django_filters.CharFilter(label=_("搜索"), method="filter_text")
    task = django_filters.ModelChoiceFilter(label=_("工作任务"), queryset=Task.objects.none())
    unit = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=Unit.objects.none(), method="filter_unit")
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Assignment.Role.choices, method="filter_unit")
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=[*Report.Status.choices, ("none", _("未填报"))], method="computed"
    )
    light = django_filters.ChoiceFilter(label=_("提示"), choices=Light.choices, method="computed")
    period = django_filters.ModelChoiceFilter(
        label=_("填报周期"), queryset=Period.objects.none(), method="computed", empty_label=_("当前周期")
    )

    class Meta:
        model = Measure
        fields = ["q", "task", "unit", "role", "status", "light", "period"]

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        for name in ("task", "unit", "role", "status", "light", "period"):
            self.filters[name].extra["widget"] = FastSelect
        self.filters["task"].queryset = Task.objects.filter(plan=plan).order_by("number")
        self.filters["period"].queryset = Period.objects.filter(plan=plan).order_by("end_date")
        # The units this plan concerns: listed on its measures, or members of a listed collective.
        listed = Assignment.objects.filter(measure__task__plan=plan).values("unit_id")
        members = CollectiveMembership.objects.filter(collective_id__in=listed).values("member_id")
        self.filters["unit"].queryset = Unit.objects.filter(Q(pk__in=listed) | Q(pk__in=members)).order_by(
            "sort_order", "name"
        )
        self.filters["task"].field.label_from_instance = lambda task: task.heading

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(text__icontains=value) | Q(task__title__icontains=value) | Q(assignments__printed_name__icontains=value)
        ).distinct()

    def filter_unit(self, queryset, name, value):
        # Unit and role filter together: the unit's obligations, directly or
        # through a collective it belongs to, in the chosen role.
        unit = self.form.cleaned_data.get("unit")
        role = self.form.cleaned_data.get("role")
        if name == "role" and unit:
            return queryset  # applied with the unit
        condition = Q()
        if unit:
            condition &= Q(assignments__unit=unit) | Q(assignments__unit__members=unit)
        if role:
            condition &= Q(assignments__role=role)
        return queryset.filter(condition).distinct()

    def computed(self, queryset, name, value):
        return queryset  # applied by filter_states, or by the caller (period)

    def _choices(self):
        return self.form.cleaned_data if self.is_valid() else {}

    @property
    def needs_states(self):
        """Whether filtering needs every measure's computed state (status or light chosen)."""
        choices = self._choices()
        return bool(choices.get("status") or choices.get("light"))

    def filter_states(self, states):
        """The computed states (progress.MeasureState) that pass the status and light filters."""
        choices = self._choices()
        states = list(states)
        if choices.get("status"):
            states = [s for s in states if (s.status or "none") == choices["status"]]
        if choices.get("light"):
            states = [s for s in states if s.light == choices["light"]]
        return states


# Drafts are the units' own business: the coordinator reviews what was submitted.
REVIEWABLE = (Report.State.SUBMITTED, Report.State.APPROVED, Report.State.RETURNED)


class ReviewFilter(django_filters.FilterSet):
    """Filters of /review/: the reports waiting for review, or those reviewed, by task, unit and period."""

    REVIEWABLE = REVIEWABLE

    state = django_filters.ChoiceFilter(
        label=_("流程状态"),
        choices=[(state.value, state.label) for state in REVIEWABLE],
        empty_label=_("全部"),
    )
    task = django_filters.ModelChoiceFilter(
        label=_("工作任务"), field_name="measure__task", queryset=Task.objects.none()
    )
    unit = django_filters.ModelChoiceFilter(label=_("填报单位"), queryset=Unit.objects.none())
    period = django_filters.ModelChoiceFilter(label=_("填报周期"), queryset=Period.objects.none())

    class Meta:
        model = Report
        fields = ["state", "task", "unit", "period"]

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("state", "task", "unit", "period"):
            self.filters[name].extra["widget"] = FastSelect
        self.filters["task"].queryset = Task.objects.filter(plan=plan).order_by("number")
        self.filters["task"].field.label_from_instance = lambda task: task.heading
        self.filters["period"].queryset = Period.objects.filter(plan=plan).order_by("end_date")
        self.filters["unit"].queryset = Unit.objects.exclude(kind=Unit.Kind.COLLECTIVE).order_by("sort_order", "name")
