from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not return the value written")


def _check_broker():
    from .celery import app

    with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def dependency_checks():
    """{name: "ok" or "error: <exception class>"} for the database, and the cache and broker when Redis is
    configured. Used by /readyz and the Dinas' system status page."""
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks.update(cache=_check_cache, broker=_check_broker)
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means not ready; the name and error are the answer
            results[name] = f"error: {exc.__class__.__name__}"
    return results


def readyz(request):
    """503 naming every dependency that failed; cache and broker only when Redis is configured."""
    results = dependency_checks()
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "ok" if not failed else "unavailable", "checks": results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
