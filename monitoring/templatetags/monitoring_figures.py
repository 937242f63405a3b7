from django import template

from ..monev.formatting import data_as_of

register = template.Library()

# {{ moment|data_as_of }} -> "Data s.d. 29/11/2026 21:50 WIB"
register.filter("data_as_of", data_as_of)
