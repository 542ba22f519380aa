from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.signals import m2m_changed
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class UnitQuerySet(models.QuerySet):
    def resolve_names(self, names):
        """Map each printed name (canonical or alias) to its Unit.

        Hits the database twice. Names that match nothing are left out of the
        returned dict, so callers can report them.
        """
        names = set(names)
        found = {u.name: u for u in self.filter(name__in=names)}
        for alias in UnitAlias.objects.filter(name__in=names - found.keys()).select_related("unit"):
            found[alias.name] = alias.unit
        return found

    def for_user(self, user):
        """The units whose staff the user is. Lazy queryset."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Unit(models.Model):
    class Kind(models.TextChoices):
        PARTY = "party", _("区委部门")
        GOVERNMENT = "government", _("区政府部门")
        TOWN = "town", _("镇")
        SUBDISTRICT = "subdistrict", _("街道")
        COMMITTEE = "committee", _("管委会")
        COLLECTIVE = "collective", _("集合单位")
        OTHER = "other", _("其他")

    name = models.CharField(_("规范名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    members = models.ManyToManyField(
        "self",
        verbose_name=_("成员单位"),
        symmetrical=False,
        through="CollectiveMembership",
        through_fields=("collective", "member"),
        related_name="collectives",
        blank=True,
        help_text=_("仅对集合单位（如“各街镇”）有效：每个成员单位各自填报其承担的部分。"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tasks:unit_detail", args=[self.pk])

    @property
    def is_collective(self):
        return self.kind == self.Kind.COLLECTIVE

    def clean(self):
        """A member unit whose kind changes must still fit its collectives (check_collective_members)."""
        if self.pk is None:
            return
        for collective in self.collectives.all():
            try:
                check_collective_members(collective, [self])
            except ValidationError as exc:
                raise ValidationError({"kind": exc.messages}) from None


DISTRICT_KINDS = (Unit.Kind.PARTY, Unit.Kind.GOVERNMENT)


def check_collective_members(collective, members):
    """The one rule for who may be a member of a collective unit (各街镇, 各相关街镇).

    Raises ValidationError with a Chinese message when `collective` is not a
    collective unit, or a member is the collective itself, another collective,
    or a district department (区委/区政府部门): a collective stands for towns,
    sub-districts and units at their level, which each report their own part.
    Called by Unit.clean, by CollectiveMembership.clean and .save (the admin's
    member inline) and before Unit.members.add()/set() (the m2m_changed
    receiver below).
    """
    members = list(members)
    if not members:
        return
    if not collective.is_collective:
        raise ValidationError(
            _("只有集合单位可以有成员单位；“%(name)s”不是集合单位。"), params={"name": collective.name}
        )
    errors = []
    for member in members:
        if member.pk is not None and member.pk == collective.pk:
            errors.append(_("集合单位“%(name)s”不能包含它自己。") % {"name": collective.name})
        elif member.is_collective:
            errors.append(
                _("“%(member)s”是集合单位，不能作为“%(name)s”的成员。")
                % {"member": member.name, "name": collective.name}
            )
        elif member.kind in DISTRICT_KINDS:
            errors.append(
                _("“%(member)s”是区级部门（%(kind)s），不能作为“%(name)s”的成员：集合单位只包含街镇及同级单位。")
                % {"member": member.name, "kind": member.get_kind_display(), "name": collective.name}
            )
    if errors:
        raise ValidationError(errors)


def _check_members_before_adding(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Unit.members.add()/set() from any code path obeys check_collective_members."""
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # member.collectives.add(collective, ...)
        for collective in Unit.objects.filter(pk__in=pk_set):
            check_collective_members(collective, [instance])
    else:
        check_collective_members(instance, Unit.objects.filter(pk__in=pk_set))


class CollectiveMembership(models.Model):
    """A unit is a member of a collective unit (各街镇) and owes its part of the collective's measures.

    `owed_from` is when that duty starts: blank for members since the plan's
    start; a member added later owes its first report for the periods that
    start on or after this date (tasks/obligations.py applies it).
    """

    collective = models.ForeignKey(
        Unit, verbose_name=_("集合单位"), on_delete=models.CASCADE, related_name="member_links"
    )
    member = models.ForeignKey(Unit, verbose_name=_("成员单位"), on_delete=models.CASCADE, related_name="+")
    owed_from = models.DateField(
        _("起报日期"),
        null=True,
        blank=True,
        help_text=_("自该日期或之后开始的填报周期起须填报；留空表示自方案开始即须填报。"),
    )

    class Meta:
        verbose_name = _("集合单位成员")
        verbose_name_plural = _("集合单位成员")
        ordering = ["collective", "member__sort_order", "member__name"]
        constraints = [
            models.UniqueConstraint(fields=["collective", "member"], name="collective_member_once"),
        ]

    def __str__(self):
        return f"{self.collective.name} ⊃ {self.member.name}"

    def clean(self):
        """check_collective_members on this row: the admin's member inline and any model form.

        In the inline the collective is the unit as the form will save it, so
        a collective turned into a town while it keeps members is refused here.
        """
        try:
            collective, member = self.collective, self.member
        except Unit.DoesNotExist:
            return  # the missing field is reported by its own validation
        try:
            check_collective_members(collective, [member])
        except ValidationError as exc:
            if collective.is_collective:
                raise ValidationError({"member": exc.messages}) from None
            raise

    def save(self, *args, **kwargs):
        # The rule holds for every path that writes a row, not only for forms;
        # Unit.members.add()/set() are checked by the m2m_changed receiver above.
        check_collective_members(self.collective, [self.member])
        super().save(*args, **kwargs)


# Unit.members.add()/set() insert CollectiveMembership rows in bulk, without save().
m2m_changed.connect(
    _check_members_before_adding, sender=CollectiveMembership, dispatch_uid="departments.check_collective_members"
)


class UnitAlias(models.Model):
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=100)

    class Meta:
        verbose_name = _("单位别名")
        verbose_name_plural = _("单位别名")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="unit_alias_name_unique"),
        ]

    def __str__(self):
        return f"{self.name} → {self.unit.name}"


class Membership(models.Model):
    """A user works for a unit and reports on its obligations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="memberships")
    office_phone = models.CharField(
        _("办公电话"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(
                r"^[0-9][0-9 \-]{4,20}((转|-|ext\.?)\s*[0-9]{1,6})?$",
                _("请填写办公电话，如 021-59990000 或 59990000转123。"),
            )
        ],
    )
    mobile = models.CharField(
        _("手机"),
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^1[0-9]{10}$", _("请填写 11 位手机号码，如 13800000000。"))],
    )

    class Meta:
        verbose_name = _("单位联络员")
        verbose_name_plural = _("单位联络员")
        ordering = ["unit__sort_order", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="membership_user_unit_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.unit}"


class RoleManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Role(models.Model):
    """A role's stable identity. The rules (departments/roles.py, 三员分立,
    two-factor) read `key`; the group's name is only its label, which the
    break-glass superuser may edit in admin without changing what the role is."""

    class Key(models.TextChoices):
        COORDINATOR = "coordinator", _("协调人")
        VIEWER = "viewer", _("查看")
        AUDITOR = "auditor", _("审计员")
        ADMIN = "admin", _("管理员")
        SECURITY_ADMIN = "security_admin", _("安全管理员")

    key = models.CharField(_("角色标识"), max_length=20, choices=Key.choices)
    group = models.OneToOneField(Group, verbose_name=_("角色（组）"), on_delete=models.PROTECT, related_name="role")

    objects = RoleManager()

    class Meta:
        verbose_name = _("角色标识")
        verbose_name_plural = _("角色标识")
        constraints = [models.UniqueConstraint(fields=["key"], name="role_key_unique")]

    def __str__(self):
        return f"{self.get_key_display()}（{self.key}）"

    def natural_key(self):
        # A backup restored after migrate (which creates the roles) finds each by its key.
        return (self.key,)
