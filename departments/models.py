from django.conf import settings
from django.db import models
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

    class Meta:
        verbose_name = _("单位联络员")
        verbose_name_plural = _("单位联络员")
        ordering = ["unit__sort_order", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="membership_user_unit_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.unit}"
