"""Checks and formats of the Pemda identity printed on official documents: the Kepala Dinas' NIP and the logo."""

import os
import re

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# A civil servant's NIP: birth date (8), appointment month (6), sex (1), serial number (3).
NIP_GROUPS = (8, 6, 1, 3)
NIP_LENGTH = sum(NIP_GROUPS)

MAX_LOGO_BYTES = 1024 * 1024
# Large enough for a crisp letterhead, small enough that a PDF renderer never chokes on it.
MAX_LOGO_PIXELS = 4000
# Pillow's format name -> the extensions a file of that format may carry.
LOGO_FORMATS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg")}


def normalize_nip(value):
    """Drop the spaces people type between the groups ("19700101 199503 1 001")."""
    return re.sub(r"\s+", "", value or "")


def validate_nip(value):
    if not re.fullmatch(rf"\d{{{NIP_LENGTH}}}", value):
        raise ValidationError(
            _("The NIP must have exactly %(length)d digits (spaces between the groups are allowed), "
              "e.g. 19700101 199503 1 001."),
            code="invalid_nip", params={"length": NIP_LENGTH},
        )


def format_nip(value):
    """The NIP as civil servants write it: "19700101 199503 1 001" (unchanged if it is not 18 digits)."""
    if not re.fullmatch(rf"\d{{{NIP_LENGTH}}}", value or ""):
        return value or ""
    parts, start = [], 0
    for size in NIP_GROUPS:
        parts.append(value[start:start + size])
        start += size
    return " ".join(parts)


def validate_logo(file):
    """A new logo must be a small PNG or JPEG whose content Pillow reads as what its name says.

    A logo already stored has passed this check when it was uploaded: it is not opened again."""
    if getattr(file, "_committed", False):
        return
    if file.size > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo is too large (%(size)s); the maximum is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(MAX_LOGO_BYTES)},
            code="logo_too_large",
        )
    wrong_type = ValidationError(_("The logo must be a PNG or JPEG image."), code="logo_type")
    extension = os.path.splitext(file.name or "")[1].lower()
    file.seek(0)
    try:
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise wrong_type from None
    finally:
        file.seek(0)
    if extension not in LOGO_FORMATS.get(image_format, ()):
        raise wrong_type
    if max(width, height) > MAX_LOGO_PIXELS:
        raise ValidationError(
            _("The logo is too large (%(width)d × %(height)d pixels); the maximum is %(limit)d pixels per side.")
            % {"width": width, "height": height, "limit": MAX_LOGO_PIXELS},
            code="logo_too_large",
        )
