import django_tables2 as tables
from django.utils.translation import gettext_lazy as _


class MeasureStateTable(tables.Table):
    """Rows are progress.MeasureState (or PendingState) objects.

    The columns give the headers and the sorting; templates/tasks/_measure_table.html
    writes the cells."""

    code = tables.Column(
        verbose_name=_("措施"),
        accessor="measure__code",
        order_by=("measure__task__number", "measure__number"),
        attrs={"td": {"data-label": "措施"}},
    )
    task = tables.Column(
        verbose_name=_("工作任务"),
        accessor="measure__task__heading",
        order_by=("measure__task__number", "measure__number"),
        attrs={"td": {"data-label": "工作任务"}},
    )
    text = tables.Column(verbose_name=_("具体措施"), accessor="measure__text", attrs={"td": {"data-label": "具体措施"}})
    units = tables.Column(
        verbose_name=_("责任单位"), accessor="measure", orderable=False, attrs={"td": {"data-label": "责任单位"}}
    )
    status = tables.Column(verbose_name=_("状态"), accessor="status_label", attrs={"td": {"data-label": "状态"}})
    percent = tables.Column(verbose_name=_("完成进度"), accessor="percent", attrs={"td": {"data-label": "完成进度"}})
    light = tables.Column(
        verbose_name=_("提示"), accessor="light", order_by=("light_rank",), attrs={"td": {"data-label": "提示"}}
    )
    reported_at = tables.DateTimeColumn(
        verbose_name=_("填报时间"), accessor="reported_at", format="Y-m-d H:i", attrs={"td": {"data-label": "填报时间"}}
    )

    class Meta:
        attrs = {"class": "data stack"}
        template_name = "tasks/_measure_table.html"
        per_page = 25
        order_by = "code"
        empty_text = _("没有符合条件的措施。")
