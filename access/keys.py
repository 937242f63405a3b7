"""API key format: ``splp_<prefix>_<secret>``; the prefix is public (lookup), the whole key is hashed."""

import hashlib
import hmac
import secrets

KEY_PREFIX = "splp_"


def generate_key():
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return raw, prefix, hash_key(raw)


def hash_key(raw):
    # A fast hash is right here: the secret has 256 bits of entropy, so there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def split_prefix(raw):
    """The lookup prefix of a presented key, or None when it is not in our format."""
    if not raw or not raw.startswith(KEY_PREFIX):
        return None
    prefix, sep, _secret = raw[len(KEY_PREFIX):].partition("_")
    # Only our own shape reaches the database: anything else (e.g. a NUL, which PostgreSQL refuses) is no key.
    return prefix if sep and len(prefix) == 12 and all(c in "0123456789abcdef" for c in prefix) else None


def key_matches(raw, key_hash):
    return hmac.compare_digest(hash_key(raw), key_hash)
