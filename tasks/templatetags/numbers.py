"""{{ value|plain_number }}: an indicator's number as people write it ("8", "116.9"), never "8.00"."""

from django import template

from tasks.indicators.values import number

register = template.Library()


@register.filter
def plain_number(value):
    return number(value)
