from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Membership, Unit, UnitAlias, check_collective_members


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "office_phone", "mobile"]
    autocomplete_fields = ["user"]
    verbose_name = _("联络员")
    verbose_name_plural = _("联络员")


class UnitAdminForm(forms.ModelForm):
    """The collective-membership rule (check_collective_members) on the members chosen in this form."""

    class Meta:
        model = Unit
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        members = cleaned.get("members")
        if members is not None and cleaned.get("kind"):
            candidate = Unit(pk=self.instance.pk, name=cleaned.get("name") or self.instance.name, kind=cleaned["kind"])
            try:
                check_collective_members(candidate, members)
            except ValidationError as exc:
                self.add_error("members", exc)
        return cleaned


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitAdminForm
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
    list_display = ["user", "unit", "office_phone", "mobile"]
    list_filter = ["unit__kind", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    autocomplete_fields = ["user", "unit"]
