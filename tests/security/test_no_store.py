"""Cache-Control: no-store on every page a logged-in user gets and on every
download, so no browser or proxy cache keeps them for the next person; the
login page and static files are not the tracker's secrets."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from security.middleware import NoStoreMiddleware


@pytest.mark.parametrize(
    "who, url",
    [
        ("lead_staff", "/"),
        ("lead_staff", "/my/"),
        ("coordinator", "/review/"),
        ("coordinator", "/export/status.xlsx"),
        ("auditor", "/audit/"),
        ("auditor", "/audit/?export=xlsx"),
        ("security_admin", "/admin/auth/user/"),
        ("viewer", "/nowhere/"),  # a 404 of a logged-in user too
    ],
)
def test_authenticated_pages_and_downloads_are_not_stored(request, client_for, who, url):
    response = client_for(request.getfixturevalue(who)).get(url)

    assert "no-store" in response["Cache-Control"], (url, response.status_code)
    assert "private" in response["Cache-Control"]


def test_a_download_is_not_stored_whoever_asks():
    def attachment(request):
        response = HttpResponse(b"x")
        response["Content-Disposition"] = 'attachment; filename="x.xlsx"'
        return response

    response = NoStoreMiddleware(attachment)(RequestFactory().get("/"))
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_of_an_anonymous_visitor_is_not_cached_either(client):
    # Django's login view says never_cache itself.
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]
