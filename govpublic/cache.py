"""Django's Redis cache with one client per connection pool.

Django's own backend makes a new `redis.Redis` for every call (each builds its table of
response callbacks, about a tenth of a millisecond): a kept page costs two or three cache calls,
so that was a good part of its time. A client over a pool is safe to share between threads
(redis-py takes a connection from the pool for each command)."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients
