"""Forms of 催报, the notification settings and a unit's contacts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from departments.models import Membership
from tasks.fields import TextWithoutControlCharacters
from tasks.models import NotificationSettings


class ChaseForm(TextWithoutControlCharacters, forms.Form):
    """The coordinator's note to a chased unit (附言), and the confirmation of a repeat."""

    note = forms.CharField(
        label=_("附言（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写给单位的话，如需补充的内容、联系人和电话；单位会在消息和待办中看到。"),
    )
    repeat = forms.BooleanField(required=False)


class NotificationSettingsForm(TextWithoutControlCharacters, forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_enabled"]


class ContactForm(TextWithoutControlCharacters, forms.ModelForm):
    """One liaison's phones on the unit's contact form."""

    class Meta:
        model = Membership
        fields = ["office_phone", "mobile"]
        widgets = {
            "office_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel-national"}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        }
