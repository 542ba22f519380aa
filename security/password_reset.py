"""Password reset by email: off unless DJANGO_PASSWORD_RESET=1 and a real mail
backend is configured. When on, requests are rate-limited per client address
and per email address, audited, and answered the same whether or not an
account exists."""

import datetime

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.http import Http404
from django.shortcuts import render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import timezone

from jiading_ads import mail

from . import audit
from .clientip import client_ip
from .models import AuditEvent

# Backends that only print, keep or drop mail: a reset link there lands in a
# log file or nowhere, which is worse than no reset at all.
NOT_REAL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def enabled():
    return settings.PASSWORD_RESET_ENABLED and settings.EMAIL_BACKEND not in NOT_REAL_BACKENDS


class OnlyWhenEnabled:
    """Every reset page answers 404 while reset by email is off."""

    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404("未开通通过邮件重置密码，请联系安全管理员。")
        return super().dispatch(request, *args, **kwargs)


def _too_many(request, email):
    """Over the hourly limit from this address, or for this email address."""
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = AuditEvent.objects.filter(kind=audit.Kind.PASSWORD_RESET_REQUESTED, at__gte=since)
    limit = settings.PASSWORD_RESET_LIMIT_PER_HOUR
    address = client_ip(request)
    by_address = recent.filter(ip_address=address).count() if address else 0
    by_email = recent.filter(detail__endswith=f"：{email[:200]}").count()
    return by_address >= limit or by_email >= limit


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, its email queued for the background worker like
    every other (jiading_ads/mail.py): a slow mail server never slows the page."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(loader.render_to_string(html_email_template_name, context), "text/html")
        mail.send([message])


class PasswordResetView(OnlyWhenEnabled, auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        if _too_many(self.request, email):
            audit.record(
                audit.Kind.PASSWORD_RESET_REQUESTED,
                result=audit.Result.DENIED,
                detail=f"请求过于频繁，未发送：{email[:200]}",
            )
            return render(self.request, "registration/password_reset_limited.html", status=429)
        # Recorded before sending, whether or not an account has this address;
        # the detail never says which, so the trail does not leak it either.
        audit.record(audit.Kind.PASSWORD_RESET_REQUESTED, detail=f"申请重置密码：{email[:200]}")
        return super().form_valid(form)


class PasswordResetDoneView(OnlyWhenEnabled, auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(OnlyWhenEnabled, auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(audit.Kind.PASSWORD_RESET_DONE, user=form.user, obj=form.user, detail="通过邮件链接重置密码")
        return response


class PasswordResetCompleteView(OnlyWhenEnabled, auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
