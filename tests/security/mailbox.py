"""A mail backend for the tests that stands for a real one (SMTP): the reset
rule refuses console, file, locmem and dummy backends."""

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class EmailBackend(LocmemBackend):
    pass
