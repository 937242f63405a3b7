"""Test profile: the project settings with fast hashing and tasks run in-process."""

import os

# The suite runs the production profile (DEBUG off) even in a developer checkout whose .env turns it on.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret")
os.environ.setdefault("SPLP_LOG_HASH_KEY", "test-only-log-hash-key")
os.environ.setdefault("SPLP_INTERNAL_HOSTS", "127.0.0.1,localhost")
# Production names its zone; the suite's dated expectations are written in WIB.
os.environ.setdefault("SPLP_TIME_ZONE", "Asia/Jakarta")

from splp.settings import *  # noqa: E402,F403
from splp.settings import DATABASES, STORAGES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "id"
# Pages render without a collectstatic manifest; tests/core/test_static_files.py covers the production storage.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
# Per-process test database names, so parallel runs on one machine never share a database.
_suffix = os.getpid()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so the concurrency tests' threads share one database with real locking.
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_suffix}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_splp_{_suffix}"}
