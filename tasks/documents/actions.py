"""Writes of the 台账 import as named actions: the upload read and previewed,
then the previewed changes applied, each with its audit record and the acting
user passed explicitly (the page only calls them and renders)."""

from security import audit
from tasks.documents import statussheet
from tasks.review.engine import WorkflowError


def do_preview_status_sheet(upload, plan, period, unit_ids, *, acting_user, today):
    """The upload read and checked into an ImportPreview (nothing written); a file
    that cannot be read raises statussheet.UploadError. A refusal and a preview
    with row errors are audited."""
    try:
        preview = statussheet.read_upload(upload, plan, period, unit_ids, today=today)
    except statussheet.UploadError as exc:
        audit.record(
            audit.Kind.SHEET_IMPORTED, user=acting_user, result=audit.Result.FAILURE, detail=f"文件无法读取：{exc}"
        )
        raise
    if preview.errors:
        audit.record(
            audit.Kind.SHEET_IMPORTED,
            user=acting_user,
            result=audit.Result.FAILURE,
            detail=f"预览发现 {len(preview.errors)} 行错误，未导入",
        )
    return preview


def do_apply_status_sheet(changes, period, *, acting_user, today):
    """The previewed changes written, all or none (statussheet.apply_changes), and
    audited; returns how many reports changed, or raises WorkflowError (audited)."""
    try:
        count = statussheet.apply_changes(changes, period, acting_user, today=today)
    except WorkflowError as exc:
        audit.record(audit.Kind.SHEET_IMPORTED, user=acting_user, result=audit.Result.FAILURE, detail=str(exc))
        raise
    audit.record(audit.Kind.SHEET_IMPORTED, user=acting_user, detail=f"导入 {count} 条填报（{period.name}）")
    return count
