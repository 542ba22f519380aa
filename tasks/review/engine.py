"""The review engine: one state machine for everything a unit drafts and submits
and the coordinator approves, returns and reopens (a report, an indicator value).

    draft ──submit──▶ submitted ──approve──▶ approved ──reopen──▶ returned
      ▲                 │  │                                      │
      └────withdraw─────┘  └──return──▶ returned ──submit─────────┘

Every change checks that the item may change (the policy's edit_block_reason),
refuses a save based on a stale version (two people editing one item: the later
save loses, nothing is overwritten), refuses to save a submitted item back to
draft (only withdraw does that), writes the item, appends an event saying who
did what, when, which fields changed and which files came or went, keeps the
evidence files (a long name keeps its extension), writes the audit record and,
for a review decision, tells the unit. All or nothing, in one transaction.

What differs between a report and an indicator value is its Policy: which model
and fields, why it may not change, how the audit trail and the notices say it.
tasks/reporting/workflow.py and tasks/indicators/values.py hold the two.
"""

from pathlib import PurePath

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tasks.review.models import ReviewedItem, ReviewEvent

State = ReviewedItem.State
Action = ReviewEvent.Action

CONFLICT_MESSAGE = (
    "保存失败：在您编辑期间，他人已修改了这份填报。您的内容没有覆盖对方的修改，请查看最新内容后重新填写。"
)
RETURN_COMMENT_MESSAGE = "退回时必须填写退回意见，说明需要修改的内容。"
REOPEN_REASON_MESSAGE = "重新打开时必须填写原因，说明需要修改的内容；单位会在消息和填报页看到。"
NAME_LENGTH = 200  # ReviewEvidence.original_name


class WorkflowError(Exception):
    """A refused change; str() is the Chinese message for the user."""


class Conflict(WorkflowError):
    pass


class NotAllowed(WorkflowError):
    pass


def short_name(name, limit=NAME_LENGTH):
    """A file name cut to `limit` characters in the middle, keeping its extension."""
    if len(name) <= limit:
        return name
    path = PurePath(name)
    suffix = path.suffix if len(path.suffix) < limit // 2 else ""
    return path.stem[: limit - len(suffix) - 1] + "…" + suffix


class Policy:
    """What one kind of reviewed item adds to the engine. Subclasses set the
    models and fields and say the item's words; the engine does the rest."""

    model = None  # the ReviewedItem subclass
    event_model = None  # its ReviewEvent subclass
    evidence_model = None  # its ReviewEvidence subclass
    parent = ""  # the name of the event's and the evidence's link to the item
    noun = "填报"  # as the refusals name the item
    approved_message = "该填报已审核通过，不能修改；如需修改，请联系协调人重新打开。"
    submitted_draft_message = "该填报已提交，正在等待审核，不能保存为草稿；如需修改，请先撤回。"

    def edit_block_reason(self, item, today=None):
        """Why the unit cannot change `item` (None: a new one) now, or None."""
        if item is not None and item.state == State.APPROVED:
            return self.approved_message
        return None

    def reload(self, pk):
        """The item as the caller gets it back after a change."""
        return self.model.objects.get(pk=pk)

    def plain(self, value):
        """A field's value as the event's `changes` keep it (JSON)."""
        return value

    def update_fields(self, existing, changes, values):
        """Further fields a save writes beside `values` (沿用上期's mark)."""
        return {}

    def saved(self, user, item, existing, action, changes):
        """Audit a save (`existing`: the item before it, None if new)."""
        raise NotImplementedError

    def reviewed(self, user, item, action, comment):
        """Audit a review decision and tell the unit."""
        raise NotImplementedError

    def file_kept(self, user, item, evidence):
        raise NotImplementedError

    def file_deleted(self, user, item, evidence):
        raise NotImplementedError

    def withdrawn(self, user, item):
        raise NotImplementedError

    def event_extra(self, files):
        """Further fields of a save's event (the report timeline names its files)."""
        return {}

    # The engine's steps with this policy, so that a policy is its item's workflow.

    def approve(self, item, user, version, comment="", *, also=None, at=None):
        return approve(self, item, user, version, comment, also=also, at=at)

    def return_for_revision(self, item, user, version, comment, *, at=None):
        return return_for_revision(self, item, user, version, comment, at=at)

    def reopen(self, item, user, version, comment="", *, at=None):
        return reopen(self, item, user, version, comment, at=at)

    def decide(self, item, decision, *, acting_user, version, comment=""):
        return decide(self, item, decision, acting_user=acting_user, version=version, comment=comment)

    def withdraw(self, item, user, version, today=None, *, at=None):
        return withdraw(self, item, user, version, today, at=at)

    def delete_evidence(self, evidence, user, today=None, *, at=None):
        return delete_evidence(self, evidence, user, today, at=at)

    def timeline(self, *related, **where):
        """Every event of the items `where` selects, newest first, with `related`. One query."""
        return list(self.event_model.objects.filter(**where).select_related(*related, "actor").order_by("-at", "-pk"))


def field_changes(policy, before, after):
    """{field: [old, new]} for the fields that changed; a new item lists its non-empty fields."""
    return {
        name: [policy.plain(before.get(name)), policy.plain(after[name])]
        for name in after
        if before.get(name) != after[name] and (before or after[name] not in ("", None))
    }


def save(policy, key, values, user, *, submit, version, create=None, imported=False, evidence=(), today=None, at=None):
    """Create or update the item `key` names (its unique fields) as a draft or a submission.

    `values` are the item's fields as entered; `create` further fields of a new
    item; `version` is the version the user's form was based on (0 for a new
    item); `evidence` are uploaded files (checked by the form) to keep with it;
    `imported` marks a change that came from an uploaded 台账; `today` is passed
    to the policy's edit_block_reason; `at` is the moment the change is stamped
    with (now unless a command writes a history on purpose: seed_demo). Raises NotAllowed or Conflict, and then
    keeps nothing; returns the saved item.
    """
    now = at or timezone.now()
    # PostgreSQL cannot store NUL characters; forms refuse them, other callers get them dropped.
    values = {name: value.replace("\x00", "") if isinstance(value, str) else value for name, value in values.items()}
    state = State.SUBMITTED if submit else State.DRAFT
    with transaction.atomic():
        existing = policy.model.objects.filter(**key).first()
        reason = policy.edit_block_reason(existing, today)
        if reason:
            raise NotAllowed(reason)
        if existing is not None and existing.state == State.SUBMITTED and not submit:
            raise NotAllowed(policy.submitted_draft_message)
        if existing is None:
            if version:
                raise Conflict(CONFLICT_MESSAGE)
            try:
                with transaction.atomic():
                    item = policy.model.objects.create(
                        **key,
                        **(create or {}),
                        **values,
                        state=state,
                        updated_by=user,
                        submitted_at=now if submit else None,
                    )
            except IntegrityError:
                raise Conflict(CONFLICT_MESSAGE) from None
            changes = field_changes(policy, {}, values)
        else:
            if existing.version != version:
                raise Conflict(CONFLICT_MESSAGE)
            changes = field_changes(policy, {name: getattr(existing, name) for name in values}, values)
            updated = policy.model.objects.filter(pk=existing.pk, version=version).update(
                **values,
                **policy.update_fields(existing, changes, values),
                state=state,
                version=F("version") + 1,
                updated_by=user,
                updated_at=now,
                submitted_at=now if submit else existing.submitted_at,
            )
            if not updated:
                raise Conflict(CONFLICT_MESSAGE)
            item = policy.reload(existing.pk)
        action = Action.IMPORTED if imported else _save_action(existing, submit)
        files = [
            policy.evidence_model.objects.create(
                **{policy.parent: item},
                file=upload,
                original_name=short_name(upload.name),
                size=upload.size,
                uploaded_by=user,
            )
            for upload in evidence
        ]
        policy.event_model.objects.create(
            **{policy.parent: item}, action=action, actor=user, at=now, changes=changes, **policy.event_extra(files)
        )
        policy.saved(user, item, existing, action, changes)
        for kept in files:
            policy.file_kept(user, item, kept)
    return item


def _save_action(existing, submit):
    """The timeline's word for a save: a submission after a return (or after a
    draft saved since the return) is 重新提交."""
    if not submit:
        return Action.DRAFT_SAVED
    if existing is None:
        return Action.SUBMITTED
    if existing.state == State.SUBMITTED:
        return Action.EDITED
    if existing.state == State.RETURNED or (existing.state == State.DRAFT and existing.review_comment):
        return Action.RESUBMITTED
    return Action.SUBMITTED


# The coordinator's three decisions: from which states, to which, the event's
# action, and the refusal when the comment is missing (None: it may be empty).
STEPS = {
    "approve": ([State.SUBMITTED], State.APPROVED, Action.APPROVED, None),
    "return": ([State.SUBMITTED], State.RETURNED, Action.RETURNED, RETURN_COMMENT_MESSAGE),
    "reopen": ([State.APPROVED], State.RETURNED, Action.REOPENED, REOPEN_REASON_MESSAGE),
}


def _review(policy, item, user, version, step, comment, *, also=None, at=None):
    """`also`: further fields to set with the state change (a final evaluation's 评估意见)."""
    allowed_from, new_state, action, required = STEPS[step]
    comment = comment.strip()
    if required and not comment:
        raise NotAllowed(required)
    now = at or timezone.now()
    with transaction.atomic():
        updated = policy.model.objects.filter(pk=item.pk, version=version, state__in=allowed_from).update(
            state=new_state,
            version=F("version") + 1,
            review_comment=comment,
            updated_by=user,
            updated_at=now,
            **(also or {}),
        )
        if not updated:
            current = policy.model.objects.filter(pk=item.pk).values_list("state", flat=True).first()
            if current not in allowed_from:
                raise NotAllowed(f"该{policy.noun}的状态已经改变，无法执行此操作，请刷新页面。")
            raise Conflict(CONFLICT_MESSAGE)
        policy.event_model.objects.create(**{policy.parent: item}, action=action, actor=user, at=now, comment=comment)
        policy.reviewed(user, item, action, comment)
    return policy.reload(item.pk)


def approve(policy, item, user, version, comment="", *, also=None, at=None):
    """A submitted item approved, with the coordinator's comment (may be empty)."""
    return _review(policy, item, user, version, "approve", comment, also=also, at=at)


def return_for_revision(policy, item, user, version, comment, *, at=None):
    """A submitted item back to the unit, with the comment saying what to change."""
    return _review(policy, item, user, version, "return", comment, at=at)


def reopen(policy, item, user, version, comment, *, at=None):
    """An approved item back to the unit for changes, with the reason the unit reads."""
    return _review(policy, item, user, version, "reopen", comment, at=at)


DECISIONS = {"approve": "approve", "return": "return_for_revision", "reopen": "reopen"}


def decide(policy, item, decision, *, acting_user, version, comment=""):
    """The coordinator's decision by name ("approve", "return", "reopen"), as a
    review page posts it, through the policy's own step."""
    if decision not in DECISIONS:
        raise NotAllowed("未知的操作。")
    return getattr(policy, DECISIONS[decision])(item, acting_user, version, comment)


def withdraw(policy, item, user, version, today=None, *, at=None):
    """A submitted item the coordinator has not reviewed yet back to the unit as a
    draft (撤回), while the policy lets it change."""
    reason = policy.edit_block_reason(item, today)
    if reason:
        raise NotAllowed(reason)
    now = at or timezone.now()
    with transaction.atomic():
        updated = policy.model.objects.filter(pk=item.pk, version=version, state=State.SUBMITTED).update(
            state=State.DRAFT, version=F("version") + 1, updated_by=user, updated_at=now
        )
        if not updated:
            current = policy.model.objects.filter(pk=item.pk).values_list("state", flat=True).first()
            if current != State.SUBMITTED:
                raise NotAllowed(f"只有已提交、尚未审核的{policy.noun}可以撤回；请刷新页面查看最新状态。")
            raise Conflict(CONFLICT_MESSAGE)
        policy.event_model.objects.create(**{policy.parent: item}, action=Action.WITHDRAWN, actor=user, at=now)
        policy.withdrawn(user, item)
    return policy.reload(item.pk)


def delete_evidence(policy, evidence, user, today=None, *, at=None):
    """The unit removes one of its evidence files before the item is approved,
    while the policy lets it change. The row goes at once, the file once the
    deletion is committed; the timeline and the audit trail keep its name."""
    item = getattr(evidence, policy.parent)
    reason = policy.edit_block_reason(item, today)
    if reason:
        raise NotAllowed(reason)
    with transaction.atomic():
        policy.event_model.objects.create(
            **{policy.parent: item},
            action=Action.FILE_DELETED,
            actor=user,
            at=at or timezone.now(),
            **policy.event_extra([evidence]),
        )
        policy.file_deleted(user, item, evidence)
        storage, name = evidence.file.storage, evidence.file.name
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))
