"""Error pages: the 500 handler (a Chinese error page, and 503 while the
database is away), the Chinese 404 page in debug mode, the 405 page for a
form's address opened as a page, and the 400 page for query values that code
we do not own chokes on.

Django calls handler500 inside the `except` block of the failed request, so
sys.exc_info() tells a database outage from a bug. Neither page touches the
database: they render without context processors.
"""

import logging
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template import loader
from django.views.defaults import page_not_found

UNAVAILABLE = (OperationalError, InterfaceError)
logger = logging.getLogger("django.request")


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


class MethodNotAllowedMiddleware:
    """A Chinese page for a 405: a form's address opened as a page (a bookmark, a
    reload after logging in) gets Django's empty 405, which Chromium shows as its
    English "This page isn't working". Status and Allow header are kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = HttpResponse(loader.render_to_string("405.html", request=request), status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response


class BadInputMiddleware:
    """A 400 page instead of a 500 for query values that code we do not own
    chokes on: an id of thirty digits (SQLite raises OverflowError, inside
    Django admin's filters and widgets as well as ours), or "1e9" as the
    initial value of an admin form's foreign key (ValueError). Only for GET
    requests whose query string is the sole input; our own pages validate
    their parameters (jiading_ads/params.py) and never get here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError) or (
            request.method == "GET" and request.GET and isinstance(exception, (ValueError, ValidationError))
        ):
            logger.warning("400 for %s: %r", request.get_full_path()[:300], exception)
            return bad_request(request, exception)
        return None


def bad_request(request, exception=None):
    """handler400: a Chinese page; no context processors (as the 500 page)."""
    return HttpResponse(loader.get_template("400.html").render(), status=400)
