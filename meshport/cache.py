"""The ``throttle`` cache at scale: Redis, failing open while Redis is away.

What it holds are guards, not data: failed-token counts (``meshport.authentication``) and the
OpenLineage rate (``lineage.api.views``). Redis restarting must not turn every token-authenticated
request into a 500: while it cannot be reached, a read finds nothing, a write is dropped, each
logged, and requests are served uncounted (the guard is back as soon as Redis is). Connection and
read timeouts are short, so a Redis that hangs costs a request a fraction of a second, not a worker.
"""
from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)

    def _unreachable(self, operation: str, default):
        log.warning("throttle cache unreachable, %s skipped (requests are served uncounted)", operation,
                    exc_info=True)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE:
            return self._unreachable("get", default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE:
            return self._unreachable("get_many", {})

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE:
            return self._unreachable("add", True)  # as if counted first: the caller does not go on to incr

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNREACHABLE:
            self._unreachable("set", None)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE:
            return self._unreachable("incr", delta)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE:
            return self._unreachable("delete", False)
