import django_tables2 as tables

from .models import AuditEvent


class AuditTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="时间", format="Y-m-d H:i:s", attrs={"td": {"data-label": "时间"}})
    kind = tables.Column(verbose_name="事件类型", attrs={"td": {"data-label": "事件类型"}})
    result = tables.Column(verbose_name="结果", attrs={"td": {"data-label": "结果"}})
    username = tables.Column(verbose_name="用户", attrs={"td": {"data-label": "用户"}})
    actor_role = tables.Column(verbose_name="操作者角色", attrs={"td": {"data-label": "操作者角色"}})
    ip_address = tables.Column(verbose_name="来源地址", attrs={"td": {"data-label": "来源地址"}})
    object_repr = tables.Column(verbose_name="对象", attrs={"td": {"data-label": "对象"}})
    detail = tables.Column(verbose_name="详情", attrs={"td": {"data-label": "详情"}})

    class Meta:
        model = AuditEvent
        fields = ["at", "kind", "result", "username", "actor_role", "ip_address", "object_repr", "detail"]
        attrs = {"class": "data stack"}
        order_by = "-at"
        empty_text = "没有符合条件的记录。"
