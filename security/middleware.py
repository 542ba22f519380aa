import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers

from . import audit, policy

SESSION_LAST_SEEN = "security_last_seen"
SESSION_EPOCH = "security_epoch"


class RequestContextMiddleware:
    """Lets audit records find who and from where without passing the request around."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.set_current_request(request)
        try:
            return self.get_response(request)
        finally:
            audit.reset_current_request(token)


class SessionSecurityMiddleware:
    """Idle timeout, "log out everywhere", and the forced password change.

    - A session idle for longer than SESSION_IDLE_MINUTES ends.
    - A session started before the user's last "log out everywhere" ends.
    - A user who must change the password sees only the password-change page.
    """

    exempt_names = (
        "password_change",
        "password_change_done",
        "logout",
        "login",
        "two_factor_setup",
        "two_factor_verify",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, user):
        now = time.time()
        session = request.session
        last_seen = session.get(SESSION_LAST_SEEN)
        idle_limit = settings.SESSION_IDLE_MINUTES * 60
        state = policy.account_security(user)
        if last_seen is not None and now - last_seen > idle_limit:
            audit.record(audit.Kind.SESSION_EXPIRED, user=user, detail=f"空闲超过 {settings.SESSION_IDLE_MINUTES} 分钟")
            logout(request)
            messages.warning(
                request, f"由于超过 {settings.SESSION_IDLE_MINUTES} 分钟未操作，您已自动退出，请重新登录。"
            )
            return redirect(f"{reverse('login')}?next={request.path}")
        if session.get(SESSION_EPOCH, state.session_epoch) != state.session_epoch:
            logout(request)
            messages.warning(request, "您已在所有设备上退出，请重新登录。")
            return redirect(reverse("login"))
        if session.get(SESSION_EPOCH) != state.session_epoch:
            session[SESSION_EPOCH] = state.session_epoch
        # Refreshing the timestamp at most every 30 s spares a session write per request.
        if last_seen is None or now - last_seen > 30:
            session[SESSION_LAST_SEEN] = now
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.url_name in self.exempt_names:
            return None
        reason = policy.password_change_reason(user)
        if reason:
            messages.warning(request, reason)
            return redirect("password_change")
        return None


class BreakGlassAuditMiddleware:
    """Every request of the break-glass superuser is an audit record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_superuser:
            audit.record(
                audit.Kind.SUPERUSER_ACTION,
                result=audit.Result.SUCCESS if response.status_code < 400 else audit.Result.FAILURE,
                user=user,
                detail=f"{request.method} {request.get_full_path()[:400]} → {response.status_code}",
            )
        return response


class NoStoreMiddleware:
    """Cache-Control: no-store on every page a logged-in user gets and on
    every download: a shared or browser cache must not keep the plan's
    reports, the audit trail or an exported 台账 for the next person at the
    same computer (or a proxy). Static files (WhiteNoise, before this) keep
    their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or response.has_header("Content-Disposition"):
            add_never_cache_headers(response)
        return response


class ContentSecurityPolicyMiddleware:
    """Content-Security-Policy on every response (settings.CONTENT_SECURITY_POLICY).

    The pages have no inline script, style element, style attribute or event
    handler, so the policy allows only the site's own files. Django admin
    (5.2) needs no exception: its scripts are files and read their data from
    data- attributes."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
