"""The one Redis client factory: the bus' rate limits and log buffer, and the drain, all connect through it."""

from django.conf import settings


def redis_client():
    """A client for REDIS_URL with short timeouts (callers fall back when Redis is away), or None without it."""
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
