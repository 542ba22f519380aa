import django_tables2 as tables
from django.utils.translation import gettext_lazy as _


class MeasureStateTable(tables.Table):
    """Rows are progress.MeasureState (or PendingState) objects.

    The columns give the headers and the sorting; templates/tasks/_measure_table.html
    writes the cells (and their data-label for the phone layout). The view paginates."""

    code = tables.Column(
        verbose_name=_("措施"),
        accessor="measure__code",
        order_by=("measure__task__number", "measure__number"),
    )
    task = tables.Column(
        verbose_name=_("工作任务"),
        accessor="measure__task__heading",
        order_by=("measure__task__number", "measure__number"),
    )
    text = tables.Column(verbose_name=_("具体措施"), accessor="measure__text")
    units = tables.Column(verbose_name=_("责任单位"), accessor="measure", orderable=False)
    status = tables.Column(verbose_name=_("状态"), accessor="status_label")
    percent = tables.Column(verbose_name=_("完成进度"), accessor="percent")
    light = tables.Column(verbose_name=_("提示"), accessor="light", order_by=("light_rank",))
    reported_at = tables.DateTimeColumn(verbose_name=_("填报时间"), accessor="reported_at", format="Y-m-d H:i")

    class Meta:
        attrs = {"class": "data stack"}
        template_name = "tasks/_measure_table.html"
        order_by = "code"
        empty_text = _("没有符合条件的措施。")
