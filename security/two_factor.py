"""Two-factor login (等保 level 3: two factors, one of them cryptographic):
TOTP through django-otp, with recovery codes (django-otp static tokens).

- Required, per role, for the roles whose keys are in TWO_FACTOR_ROLES
  (`DJANGO_2FA_ROLES`; "unit_staff" stands for a unit's staff), and always
  for the break-glass superuser; for everyone with TWO_FACTOR_FOR_EVERYONE;
  off entirely with TWO_FACTOR_REQUIRED=False. Roles are read by their
  stable key, so renaming a role changes nothing here.
- A user who needs it and has no device is sent to enrol (QR code drawn
  here as SVG, and the key to type by hand), then gets ten recovery codes.
  Each enrolment session draws its own key (kept in the session until a
  code confirms it), so no two sessions are shown the same key.
  A user with a device enters a code after the password, once per session.
- The messages say what happened: a code already used, a code refused, and
  after wrong codes how many seconds to wait (django-otp's throttling).
- Only a 安全管理员 resets another account's devices (/security/two-factor/);
  an account holding the keys needs a second 安全管理员 (security/keys.py).
- seed_demo's accounts carry AccountSecurity.two_factor_exempt, honoured
  only with DEBUG on, so `make run` stays one command.
Every step is an audit record.
"""

import base64
import math
import secrets
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from departments import roles
from departments.models import Membership

from . import audit, keys, policy

RECOVERY_CODES = 10
SESSION_RECOVERY = "two_factor_recovery_codes"
SESSION_SETUP_KEY = "two_factor_setup_key"
DEVICE_NAME = "动态口令"
USED_CODE = "该验证码已使用，请等待下一个验证码（动态口令每 30 秒更新一次）。"
WRONG_CODE = "验证码不正确或已过期，请输入动态口令应用中当前显示的 6 位数字。"


def required_for(user):
    """Whether `user` must log in with a second factor. A query or two, cached."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if settings.DEBUG and policy.account_security(user).two_factor_exempt:
        return False
    if settings.TWO_FACTOR_FOR_EVERYONE or user.is_superuser:
        return True
    wanted = set(settings.TWO_FACTOR_ROLES)
    if roles.held_roles(user) & wanted:
        return True
    return roles.UNIT_STAFF in wanted and Membership.objects.filter(user=user).exists()


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


def _manual_key(key_hex):
    """The key in groups of four, for typing by hand (the page keeps each group on one line)."""
    key = base64.b32encode(bytes.fromhex(key_hex)).decode()
    return [key[i : i + 4] for i in range(0, len(key), 4)]


def _totp(key_hex, drift=0):
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=drift)
    totp.time = time.time()
    return totp


def _code(token):
    """The digits of what was typed ("123 456", "123456"), or None."""
    token = token.strip().replace(" ", "")
    return token if token.isascii() and token.isdigit() and len(token) <= 16 else None


def _seconds_until(moment):
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def _already_used(device, token):
    """Whether `token` is a code of the device's that has been used (its step at or before last_t)."""
    totp = _totp(device.key, device.drift)
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = device.drift + offset
        if totp.t() <= device.last_t and totp.token() == int(token):
            return True
    return False


def _throttled(device):
    """The Chinese message while django-otp makes the user wait after wrong codes, or None."""
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return None
    return f"请 {_seconds_until(info['locked_until'])} 秒后再试。"


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
    key_hex = request.session.get(SESSION_SETUP_KEY)
    if not key_hex:
        key_hex = request.session[SESSION_SETUP_KEY] = random_hex(20)
    error = None
    if request.method == "POST":
        token = _code(request.POST.get("token", ""))
        totp = _totp(key_hex)
        if token is not None and len(token) == 6 and totp.verify(int(token), tolerance=1):
            # The code just typed is spent: the same code is refused at the next login.
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(
                user=user, name=DEVICE_NAME, key=key_hex, confirmed=True, last_t=totp.t(), drift=0
            )
            del request.session[SESSION_SETUP_KEY]
            otp_login(request, device)
            _, codes = _new_recovery_codes(user)
            audit.record(audit.Kind.TWO_FACTOR_ENROLLED, obj=user, detail="绑定动态口令，生成恢复码")
            request.session[SESSION_RECOVERY] = codes
            request.session["two_factor_next"] = _next(request)
            return redirect("two_factor_setup")
        error = WRONG_CODE
        audit.record(
            audit.Kind.TWO_FACTOR_FAILED, result=audit.Result.FAILURE, obj=user, detail="绑定动态口令时验证码错误"
        )
    device = TOTPDevice(user=user, name=DEVICE_NAME, key=key_hex)
    url = device.config_url.replace("otpauth://totp/", f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:", 1)
    return render(
        request,
        "security/two_factor_setup.html",
        {"qr": _qr_svg(url), "key_groups": _manual_key(key_hex), "error": error, "next": _next(request)},
    )


def _check_code(user, token):
    """(device, None) for a valid code, else (None, the message saying why)."""
    if token is None:
        return None, WRONG_CODE
    totp_device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if len(token) == 6 and totp_device is not None:
        waiting = _throttled(totp_device)
        if waiting:
            return None, f"输入错误后须稍候再输入：{waiting}"
        if totp_device.verify_token(token):
            return totp_device, None
        if _already_used(totp_device, token):
            return None, USED_CODE
        totp_device.refresh_from_db()
        return None, f"验证码不正确或已过期。{_throttled(totp_device) or ''}"
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        waiting = _throttled(device)
        if waiting:
            return None, f"输入错误后须稍候再输入：{waiting}"
        if device.verify_token(token):
            return device, None
    return None, "验证码或恢复码不正确，请重新输入。"


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
        device, error = _check_code(user, _code(request.POST.get("token", "")))
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
        audit.record(
            audit.Kind.TWO_FACTOR_FAILED, result=audit.Result.FAILURE, obj=user, detail=f"登录时动态口令未通过：{error}"
        )
    return render(request, "security/two_factor_verify.html", {"error": error, "next": _next(request)})


security_admin_required = roles.check_required(roles.is_security_admin, "只有安全管理员可以查看和重置动态口令。")


@security_admin_required
def overview(request):
    """The 安全管理员's list: who must use two factors, who has enrolled; the
    resets waiting for a second 安全管理员."""
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    staff = set(Membership.objects.values_list("user_id", flat=True))
    users = (
        User.objects.filter(is_active=True)
        .prefetch_related("groups__role")
        .select_related("security")
        .order_by("username")
    )
    wanted = set(settings.TWO_FACTOR_ROLES)
    rows = []
    for user in users:
        held = {group.role.key for group in user.groups.all() if hasattr(group, "role")}
        needs = (
            settings.TWO_FACTOR_FOR_EVERYONE
            or user.is_superuser
            or bool(held & wanted)
            or (roles.UNIT_STAFF in wanted and user.pk in staff)
        )
        exempt = settings.DEBUG and getattr(getattr(user, "security", None), "two_factor_exempt", False)
        if needs or user.pk in enrolled:
            names = "、".join(sorted(group.name for group in user.groups.all()))
            if user.pk in staff:
                names = "、".join(filter(None, [names, "单位联络员"]))
            rows.append((user, names, user.pk in enrolled, exempt, user.is_superuser or bool(held & keys.KEY_ROLES)))
    return render(
        request,
        "security/two_factor_overview.html",
        {
            "rows": rows,
            "required": settings.TWO_FACTOR_REQUIRED,
            "required_roles": two_factor_roles_shown(),
            "pending": keys.pending(),
        },
    )


def two_factor_roles_shown():
    """Who must use two factors, in words, from the settings."""
    names = [str(label) for key, label in roles.Role.Key.choices if key in settings.TWO_FACTOR_ROLES]
    if roles.UNIT_STAFF in settings.TWO_FACTOR_ROLES:
        names.append("单位联络员")
    if settings.TWO_FACTOR_FOR_EVERYONE:
        return "所有账号"
    return "、".join([*names, "应急超级用户"])


def _get_account(pk):
    return get_object_or_404(User, pk=pk)


@security_admin_required
@require_POST
def reset(request, pk):
    """Remove an account's TOTP and recovery codes; it enrols again at next
    login. An account holding the keys waits for a second 安全管理员."""
    target = _get_account(pk)
    try:
        request_made = keys.reset_two_factor(target, request.user)
    except keys.ResetRefused as exc:
        raise PermissionDenied(str(exc)) from None
    if request_made is not None:
        messages.info(
            request,
            f"已提交重置 {target.username} 动态口令的申请：须由另一位安全管理员批准后生效（{keys.REQUEST_HOURS} 小时内）。",
        )
    else:
        messages.success(request, f"已重置 {target.username} 的动态口令；该账号下次登录时须重新绑定。")
    return redirect("security:two_factor")


@security_admin_required
@require_POST
def decide(request, pk):
    """A second 安全管理员 approves a pending reset, or refuses it; the requester may withdraw it."""
    reset_request = get_object_or_404(keys.KeyReset, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            keys.approve(reset_request, request.user)
            messages.success(
                request, f"已批准并执行：重置 {reset_request.target.username} 的{reset_request.get_kind_display()}。"
            )
        else:
            keys.refuse(reset_request, request.user)
            messages.success(
                request, "已撤销该申请。" if reset_request.requested_by_id == request.user.pk else "已拒绝该申请。"
            )
    except keys.ResetRefused as exc:
        raise PermissionDenied(str(exc)) from None
    return redirect("security:two_factor")
