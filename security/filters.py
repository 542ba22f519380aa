import django_filters
from django import forms

from .models import AuditEvent


class AuditFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="事件类型", choices=AuditEvent.Kind.choices)
    result = django_filters.ChoiceFilter(label="结果", choices=AuditEvent.Result.choices)
    username = django_filters.CharFilter(label="用户", lookup_expr="icontains")
    actor_role = django_filters.CharFilter(label="操作者角色", lookup_expr="icontains")
    ip_address = django_filters.CharFilter(label="来源地址", lookup_expr="startswith")
    since = django_filters.DateFilter(
        label="起始日期", field_name="at", lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label="截止日期", field_name="at", lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["kind", "result", "username", "actor_role", "ip_address", "since", "until"]
