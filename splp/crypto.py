"""Reversible encryption for the few secrets the SPLP must hand on later (pending keys, upstream credentials)."""

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet():
    key = getattr(settings, "SPLP_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
