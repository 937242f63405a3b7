"""Health check of the web container: GET /readyz as the reverse proxy would send it.

The Host header is the first of ALLOWED_HOSTS (Django answers 400 to any other) and X-Forwarded-Proto is
https (with SECURE_SSL_REDIRECT on, plain http is redirected). Exit 0 when ready, 1 otherwise (the answer
names what failed: database, cache or broker).
"""

import os
import sys
import urllib.error
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/readyz",
    headers={"Host": host if host and host != "*" else "localhost", "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        sys.exit(0 if response.status == 200 else 1)
except urllib.error.HTTPError as exc:
    print(exc.read().decode(errors="replace"), file=sys.stderr)
except OSError as exc:
    print(exc, file=sys.stderr)
sys.exit(1)
