"""Writing audit records. `record` takes who and from where from the current
request (set by RequestContextMiddleware) unless the caller says otherwise;
outside a request (management commands) the user is shown as 命令行."""

import contextlib
import contextvars

from departments import roles

from .clientip import client_ip
from .models import AuditEvent

_current_request = contextvars.ContextVar("current_request", default=None)
_suspended = contextvars.ContextVar("audit_suspended", default=False)

Kind = AuditEvent.Kind
Result = AuditEvent.Result


def set_current_request(request):
    return _current_request.set(request)


def reset_current_request(token):
    _current_request.reset(token)


def current_request():
    """The request being answered (set by RequestContextMiddleware), or None outside one."""
    return _current_request.get()


@contextlib.contextmanager
def suspended():
    """No records while restoring a backup: loading the saved trail is not a
    new membership or role change."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def actor_role_of(user):
    """The user's roles as the trail shows them, cached on the user object
    (a request's user, or a command's): two queries the first time."""
    cached = getattr(user, "_audit_actor_role", None)
    if cached is None:
        cached = user._audit_actor_role = roles.role_names(user)
    return cached


def record(kind, *, result=Result.SUCCESS, obj=None, detail="", user=None, username=None, request=None):
    """Append one audit record and return it (None while suspended)."""
    if _suspended.get():
        return None
    request = request or _current_request.get()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if username is None:
        username = user.get_username() if user is not None else ("" if request is not None else "命令行")
    actor_role = actor_role_of(user) if user is not None else ("" if request is not None else "命令行")
    values = {}
    if obj is not None:
        values = {
            "object_type": obj._meta.verbose_name if hasattr(obj, "_meta") else type(obj).__name__,
            "object_id": str(getattr(obj, "pk", "") or ""),
            "object_repr": str(obj)[:300],
        }
    return AuditEvent.objects.create(
        kind=kind,
        result=result,
        user_id=user.pk if user is not None else None,
        username=username[:150],
        actor_role=actor_role[:200],
        ip_address=client_ip(request),
        detail=str(detail)[:5000],
        **values,
    )
