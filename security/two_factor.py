"""Two-factor login (等保 level 3: two factors, one of them cryptographic):
TOTP through django-otp, with recovery codes (django-otp static tokens).

- Required for the roles in TWO_FACTOR_ROLES (管理员, 安全管理员, 审计员,
  协调人) and the break-glass superuser; for everyone with
  TWO_FACTOR_FOR_EVERYONE; off entirely with TWO_FACTOR_REQUIRED=False.
- A user who needs it and has no device is sent to enrol (QR code drawn
  here as SVG, and the key to type by hand), then gets ten recovery codes.
  A user with a device enters a code after the password, once per session.
- Only a 安全管理员 resets another account's devices (/security/two-factor/).
- seed_demo's accounts carry AccountSecurity.two_factor_exempt, honoured
  only with DEBUG on, so `make run` stays one command.
Every step is an audit record.
"""

import base64
import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles

from . import audit, policy

RECOVERY_CODES = 10
SESSION_RECOVERY = "two_factor_recovery_codes"


def required_for(user):
    """Whether `user` must log in with a second factor. A few queries, cached."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if settings.DEBUG and policy.account_security(user).two_factor_exempt:
        return False
    if settings.TWO_FACTOR_FOR_EVERYONE or user.is_superuser:
        return True
    return user.groups.filter(name__in=settings.TWO_FACTOR_ROLES).exists()


def has_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return default
    return target


class TwoFactorMiddleware:
    """After the password: users who need a second factor enrol, or enter a
    code once per session, before any other page."""

    exempt_names = ("two_factor_setup", "two_factor_verify", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.exempt_names and required_for(user):
                target = "two_factor_verify" if has_device(user) else "two_factor_setup"
                return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _qr_svg(url):
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg class="qr" role="img" aria-label="动态口令二维码" ', 1))


def _manual_key(device):
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _new_recovery_codes(user):
    device, _ = StaticDevice.objects.get_or_create(user=user, name="恢复码")
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return device, codes


@login_required
def setup(request):
    """Enrol a TOTP app: scan the QR code or type the key, then confirm with a code."""
    user = request.user
    if has_device(user):
        if request.session.get(SESSION_RECOVERY):
            return render(request, "security/two_factor_codes.html", {"codes": request.session.pop(SESSION_RECOVERY)})
        messages.info(request, "您已绑定动态口令。如需更换，请联系安全管理员重置。")
        return redirect("tasks:dashboard")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="动态口令", confirmed=False)
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        if device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            _, codes = _new_recovery_codes(user)
            audit.record(audit.Kind.TWO_FACTOR_ENROLLED, obj=user, detail="绑定动态口令，生成恢复码")
            request.session[SESSION_RECOVERY] = codes
            request.session["two_factor_next"] = _next(request)
            return redirect("two_factor_setup")
        error = "验证码不正确或已过期，请输入动态口令应用中当前显示的 6 位数字。"
        audit.record(
            audit.Kind.TWO_FACTOR_FAILED, result=audit.Result.FAILURE, obj=user, detail="绑定动态口令时验证码错误"
        )
    url = device.config_url.replace("otpauth://totp/", f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:", 1)
    return render(
        request,
        "security/two_factor_setup.html",
        {"qr": _qr_svg(url), "key": _manual_key(device), "error": error, "next": _next(request)},
    )


@login_required
def verify(request):
    """The second step of the login: a code from the app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not has_device(user):
        return redirect(f"{reverse('two_factor_setup')}?next={_next(request)}")
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = match_token(user, token) if token.isascii() and token.isdigit() and len(token) <= 16 else None
        if device is not None:
            otp_login(request, device)
            recovery = isinstance(device, StaticDevice)
            audit.record(
                audit.Kind.TWO_FACTOR_VERIFIED, obj=user, detail="使用恢复码登录" if recovery else "动态口令验证通过"
            )
            if recovery:
                left = StaticToken.objects.filter(device__user=user).count()
                messages.warning(request, f"您使用了一个恢复码，还剩 {left} 个。恢复码用完前请联系安全管理员。")
            return redirect(_next(request))
        error = "验证码不正确或已过期，请重新输入。"
        audit.record(audit.Kind.TWO_FACTOR_FAILED, result=audit.Result.FAILURE, obj=user, detail="登录时动态口令错误")
    return render(request, "security/two_factor_verify.html", {"error": error, "next": _next(request)})


security_admin_required = roles.check_required(roles.is_security_admin, "只有安全管理员可以查看和重置动态口令。")


@security_admin_required
def overview(request):
    """The 安全管理员's list: who must use two factors, who has enrolled."""
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    users = (
        User.objects.filter(is_active=True).prefetch_related("groups").select_related("security").order_by("username")
    )
    required_roles = set(settings.TWO_FACTOR_ROLES)
    rows = []
    for user in users:
        names = {g.name for g in user.groups.all()}
        needs = settings.TWO_FACTOR_FOR_EVERYONE or user.is_superuser or bool(names & required_roles)
        exempt = settings.DEBUG and getattr(getattr(user, "security", None), "two_factor_exempt", False)
        if needs or user.pk in enrolled:
            rows.append((user, "、".join(sorted(names)), user.pk in enrolled, exempt))
    return render(
        request, "security/two_factor_overview.html", {"rows": rows, "required": settings.TWO_FACTOR_REQUIRED}
    )


@security_admin_required
@require_POST
def reset(request, pk):
    """Remove an account's TOTP and recovery codes; it enrols again at next login."""
    target = get_object_or_404(User, pk=pk)
    if target.pk == request.user.pk:
        raise PermissionDenied("安全管理员不能重置自己的动态口令，请由另一位安全管理员操作。")
    TOTPDevice.objects.filter(user=target).delete()
    StaticDevice.objects.filter(user=target).delete()
    policy.end_all_sessions(target)
    audit.record(audit.Kind.TWO_FACTOR_RESET, obj=target, detail=f"重置 {target.username} 的动态口令和恢复码")
    messages.success(request, f"已重置 {target.username} 的动态口令；该账号下次登录时须重新绑定。")
    return redirect("security:two_factor")
