from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Unit, UnitAlias


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("联络员")
    verbose_name_plural = _("联络员")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "alias_list", "member_count", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    filter_horizontal = ["members"]
    inlines = [UnitAliasInline, MembershipInline]

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
    list_display = ["user", "unit"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]
