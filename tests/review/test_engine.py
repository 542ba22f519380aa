"""The review workflow, once for reports and once for indicator values: the same
states, version checks, events, audit records, evidence and notices."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from security.models import AuditEvent
from tasks.models import Notification
from tasks.review.engine import Conflict, NotAllowed
from tasks.review.models import ReviewedItem, ReviewEvent

State = ReviewedItem.State
Action = ReviewEvent.Action


def pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


def test_the_full_cycle_leaves_one_event_per_step(subject, coordinator):
    draft = subject.save(submit=False)
    submitted = subject.save("第二稿", version=draft.version)
    returned = subject.return_for_revision(submitted, coordinator, submitted.version, "请补充数据来源")
    resubmitted = subject.save("第三稿", version=returned.version)
    approved = subject.approve(resubmitted, coordinator, resubmitted.version, "核实无误")
    reopened = subject.reopen(approved, coordinator, approved.version, "数据口径需调整")

    assert [e.action for e in subject.events(draft)] == [
        Action.DRAFT_SAVED,
        Action.SUBMITTED,
        Action.RETURNED,
        Action.RESUBMITTED,
        Action.APPROVED,
        Action.REOPENED,
    ]
    assert [draft.version, submitted.version, returned.version, resubmitted.version] == [1, 2, 3, 4]
    assert (reopened.state, reopened.version, reopened.review_comment) == (State.RETURNED, 6, "数据口径需调整")
    events = subject.events(draft)
    assert events[1].changes == {subject.text_field: ["第一稿", "第二稿"]}
    assert (events[2].actor, events[2].comment) == (coordinator, "请补充数据来源")


def test_every_change_is_in_the_audit_trail(subject, coordinator):
    before = AuditEvent.objects.count()
    submitted = subject.save()
    subject.approve(submitted, coordinator, submitted.version, "")

    assert AuditEvent.objects.count() == before + 2
    assert list(AuditEvent.objects.order_by("-pk").values_list("username", flat=True)[:2]) == [
        coordinator.username,
        subject.staff.username,
    ]


def test_a_save_on_a_stale_version_is_refused_and_nothing_is_overwritten(subject):
    first = subject.save(submit=False)
    subject.save("别人的修改", submit=False, version=first.version)

    with pytest.raises(Conflict):
        subject.save("我的修改", submit=False, version=first.version)
    assert getattr(subject.model.objects.get(), subject.text_field) == "别人的修改"


def test_a_second_new_item_is_a_conflict(subject):
    subject.save(submit=False)

    with pytest.raises(Conflict):
        subject.save("又一份", submit=False, version=0)
    assert subject.model.objects.count() == 1


def test_a_submitted_item_is_not_saved_back_to_draft(subject):
    submitted = subject.save()

    with pytest.raises(NotAllowed, match="不能保存为草稿"):
        subject.save("改成草稿", submit=False, version=submitted.version)
    assert subject.model.objects.get().state == State.SUBMITTED


def test_a_submitted_item_may_be_updated_while_it_waits(subject):
    submitted = subject.save()
    edited = subject.save("补充", version=submitted.version)

    assert edited.state == State.SUBMITTED
    assert subject.events(edited)[-1].action == Action.EDITED


def test_an_approved_item_cannot_change_until_reopened(subject, coordinator):
    submitted = subject.save()
    approved = subject.approve(submitted, coordinator, submitted.version)

    with pytest.raises(NotAllowed, match="已审核通过，不能修改"):
        subject.save("再改", version=approved.version)
    reopened = subject.reopen(approved, coordinator, approved.version, "请更新")
    again = subject.save("再改", version=reopened.version)
    assert (again.state, subject.events(again)[-1].action) == (State.SUBMITTED, Action.RESUBMITTED)


def test_a_return_needs_a_comment_and_a_reopen_a_reason(subject, coordinator):
    submitted = subject.save()
    with pytest.raises(NotAllowed, match="退回意见"):
        subject.return_for_revision(submitted, coordinator, submitted.version, "  ")
    approved = subject.approve(submitted, coordinator, submitted.version)
    with pytest.raises(NotAllowed, match="原因"):
        subject.reopen(approved, coordinator, approved.version, "")
    assert subject.model.objects.get().state == State.APPROVED


def test_a_decision_on_an_item_already_decided_is_refused(subject, coordinator):
    submitted = subject.save()
    subject.approve(submitted, coordinator, submitted.version)

    with pytest.raises(NotAllowed, match="状态已经改变"):
        subject.return_for_revision(submitted, coordinator, submitted.version + 1, "晚了")
    with pytest.raises(Conflict):
        subject.reopen(submitted, coordinator, submitted.version, "版本不对")


def test_evidence_is_kept_with_a_save_and_a_long_name_keeps_its_extension(subject):
    long_name = "关于" + "数字广告产业发展" * 30 + ".pdf"
    saved = subject.save(evidence=[pdf("会议纪要.pdf"), pdf(long_name)])

    names = sorted(subject.evidence_model.objects.values_list("original_name", flat=True))
    assert len(names) == 2 and "会议纪要.pdf" in names
    cut = next(n for n in names if n != "会议纪要.pdf")
    assert len(cut) == 200 and cut.endswith("….pdf")
    assert subject.model.objects.get() == saved


def test_a_refused_save_keeps_no_evidence(subject):
    first = subject.save(submit=False)
    subject.save("别人的修改", submit=False, version=first.version)

    with pytest.raises(Conflict):
        subject.save("我的修改", submit=False, version=first.version, evidence=[pdf("不该留下.pdf")])
    assert not subject.evidence_model.objects.exists()


def test_the_units_staff_hear_of_each_decision(subject, coordinator):
    submitted = subject.save()
    returned = subject.return_for_revision(submitted, coordinator, submitted.version, "请补充")
    resubmitted = subject.save("补充后", version=returned.version)
    approved = subject.approve(resubmitted, coordinator, resubmitted.version, "好")
    subject.reopen(approved, coordinator, approved.version, "口径调整")

    kinds = list(Notification.objects.filter(user=subject.staff).order_by("pk").values_list("kind", flat=True))
    assert kinds == [Notification.Kind.RETURNED, Notification.Kind.APPROVED, Notification.Kind.REOPENED]
    assert not Notification.objects.filter(user=coordinator).exists()
