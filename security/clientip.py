"""The client's address, for lockouts and the audit trail.

Behind DJANGO_PROXY_COUNT trusted reverse proxies, each of which appends the
address it received the request from to X-Forwarded-For, the client is the
PROXY_COUNT-th entry from the right: entries further left were written by the
client itself and can say anything. With no proxy (the default) the header
is ignored and REMOTE_ADDR is the client.

django-ipware (which django-axes can use) counts its proxy_count differently:
it expects the proxies themselves in the header, so behind one nginx that
sends only "client" it finds no address. A dozen lines here say exactly
what is trusted.
"""

import ipaddress

from django.conf import settings


def _valid(address):
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The address of the client that sent `request`, or None when unknown."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    remote = _valid(meta.get("REMOTE_ADDR") or "")
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [entry.strip() for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    if not forwarded:
        # Not through the proxies (e.g. a health check on the app server itself).
        return remote
    # Fewer entries than proxies: the client reached an inner proxy directly,
    # and every entry was still written by a trusted proxy; the left-most is the client.
    entry = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    return _valid(entry) or remote
