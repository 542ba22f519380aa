"""Error pages: the 500 handler (a Chinese error page, and 503 while the
database is away) and the Chinese 404 page in debug mode.

Django calls handler500 inside the `except` block of the failed request, so
sys.exc_info() tells a database outage from a bug. Neither page touches the
database: they render without context processors.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template import loader
from django.views.defaults import page_not_found

UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class FriendlyNotFoundMiddleware:
    """The Chinese 404 page in debug mode too.

    With DEBUG on Django answers an unknown address or a view's Http404 with
    its technical page (URL patterns, settings): English, and not for the
    users of `make run`. This renders templates/404.html instead, as
    handler404 does with DEBUG off.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and not getattr(response, "friendly", False):
            # An address no URL pattern matches: resolved before any view runs,
            # so process_exception never saw it.
            if response.get("Content-Type", "").startswith("text/html"):
                return self._page(request, None)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return self._page(request, exception)
        return None

    def _page(self, request, exception):
        response = page_not_found(request, exception)
        response.friendly = True
        return response
