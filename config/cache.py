"""A Redis cache that degrades to "nothing cached" while Redis is unreachable.

Django's ``RedisCache`` raises when Redis is down, which turns every page that
touches the cache (rate limits on the staff survey pages, for one) into a
server error. Here a Redis error is logged and the call behaves like a miss:
reads return the default, writes report that nothing was stored. Rate limits
then fail open (``RATELIMIT_FAIL_OPEN``): staff keep answering surveys while
Redis is away, and the limits come back with it.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Log a Redis outage at most this often per process, not once per request.
LOG_EVERY_SECONDS = 60.0


class DegradingRedisCache(RedisCache):
    _last_logged = 0.0

    def _unavailable(self, operation: str, exc: Exception, default):
        now = time.monotonic()
        if now - DegradingRedisCache._last_logged >= LOG_EVERY_SECONDS:
            DegradingRedisCache._last_logged = now
            logger.warning(
                "cache unavailable (%s during %s): serving without the cache",
                type(exc).__name__,
                operation,
            )
        return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as exc:
            return self._unavailable("add", exc, False)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as exc:
            return self._unavailable("get", exc, default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except RedisError as exc:
            self._unavailable("set", exc, None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as exc:
            return self._unavailable("touch", exc, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as exc:
            return self._unavailable("delete", exc, False)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as exc:
            return self._unavailable("get_many", exc, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as exc:
            return self._unavailable("has_key", exc, False)

    def incr(self, key, delta=1, version=None):
        # None, not ValueError: django-ratelimit reads None as "could not count".
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            return self._unavailable("incr", exc, None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as exc:
            return self._unavailable("set_many", exc, list(data))

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as exc:
            return self._unavailable("delete_many", exc, None)

    def clear(self):
        try:
            return super().clear()
        except RedisError as exc:
            return self._unavailable("clear", exc, False)
