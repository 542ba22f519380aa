"""The 500 handler: a Chinese error page, and 503 while the database is away.

Django calls handler500 inside the `except` block of the failed request, so
sys.exc_info() tells a database outage from a bug. Neither page touches the
database: they render without context processors.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request):
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
