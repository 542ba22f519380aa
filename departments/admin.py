from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CollectiveMembership, Membership, Unit, UnitAlias


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class CollectiveMembershipInline(admin.TabularInline):
    """Members of a collective unit (各街镇), each with the date its duty starts.

    A member added here is offered the default start (the next reporting
    period), so it is not overdue on the day it is added; the admin may change
    the date, or clear it to make the member owe from the plan's start.
    """

    model = CollectiveMembership
    fk_name = "collective"
    extra = 0
    fields = ["member", "owed_from"]
    autocomplete_fields = ["member"]
    verbose_name = _("成员单位")
    verbose_name_plural = _("成员单位（集合单位各成员各自填报其承担的部分）")

    # departments imports nothing from tasks, where the periods live: the
    # tasks app tells this inline how to compute the default (tasks.apps).
    owed_from_default = None

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if self.owed_from_default is not None:
            formset.form.base_fields["owed_from"].initial = type(self).owed_from_default
        return formset


class MembershipInline(admin.TabularInline):
    """The unit's liaisons, each linked to the person's account. Accounts are
    the 安全管理员's: he creates one and gives it its units in the same form."""

    model = Membership
    extra = 0
    fields = ["user", "account", "office_phone", "mobile"]
    readonly_fields = ["account"]
    autocomplete_fields = ["user"]
    verbose_name = _("联络员")
    verbose_name_plural = _(
        "联络员（账号由安全管理员在“用户”中创建并选定所属单位；管理员、安全管理员、审计员不能是联络员）"
    )

    @admin.display(description=_("账号"))
    def account(self, membership):
        if membership.pk is None:
            return "—"
        url = reverse("admin:auth_user_change", args=[membership.user_id])
        return format_html('<a href="{}">{}</a>', url, membership.user.get_full_name() or membership.user.username)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "alias_list", "member_count", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    inlines = [UnitAliasInline, CollectiveMembershipInline, MembershipInline]

    def get_inlines(self, request, obj):
        # Only a collective unit (各街镇) has members; a new unit may become one.
        if obj is not None and not obj.is_collective:
            return [UnitAliasInline, MembershipInline]
        return self.inlines

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases", "members")

    @admin.display(description=_("别名"))
    def alias_list(self, unit):
        return "、".join(a.name for a in unit.aliases.all())

    @admin.display(description=_("成员单位数"))
    def member_count(self, unit):
        return len(unit.members.all()) if unit.is_collective else "—"


@admin.register(UnitAlias)
class UnitAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "unit"]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "office_phone", "mobile"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]
