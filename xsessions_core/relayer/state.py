"""Relayer state shared by every instance of a relayer: outside-execution nonces, revoked sessions,
cached authorisations and per-relayer-account locks.

One relayer process can keep this state in memory (:class:`InMemoryRelayerState`, the default).
Several processes or machines must share it, or two of them accept the same outside execution:
:class:`RedisRelayerState` keeps it on a Redis server (redis-py) and
:class:`AsyncRedisRelayerState` is the same on ``redis.asyncio``. All three have the same
operations under the same names (the async one's are coroutines).

Outside-execution nonces follow reserve → submit → confirm (or release):

* :meth:`~RelayerState.reserve_nonce` is atomic (Redis ``SET NX PX``): of several instances
  reserving the same ``(account, nonce)`` exactly one gets ``True``. A reservation expires after
  ``ttl_ms``, so the nonces of a crashed instance become free again.
* :meth:`~RelayerState.confirm_nonce` marks the nonce used for good once the transaction is sent.
* :meth:`~RelayerState.release_nonce` frees a reservation of this instance that was not sent (it
  never frees a used nonce, nor another instance's reservation: one Lua script compares and
  deletes).

Redis keys (``prefix`` first, default ``"xsessions:"``): ``nonce:<account>:<nonce>`` (string
``r:<instance id>`` while reserved, ``u`` once used), ``revoked`` (set of session hashes),
``auth`` (hash ``<owner_guid>:<guardian_guid>:<session_hash>`` → authorisation length) and
``lock:<relayer account>`` (redis-py :class:`~redis.lock.Lock`). Felts are written in lowercase hex.

A pickled state (for process pools) holds no connection: a :class:`RedisRelayerState` is rebuilt
in the child from the connection settings of its client, with a new instance id; an
:class:`InMemoryRelayerState` is copied (processes do not share memory, use Redis for that).
"""

from __future__ import annotations

import inspect
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager, contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Any, AsyncIterator, Protocol, TypeVar

from ..encoding import FeltSpelling, felt_from
from ..errors import SessionError, XSessionsError
from .types import AccountState

if TYPE_CHECKING:  # redis is imported only by the Redis states (an optional dependency)
    import redis
    import redis.asyncio

__all__ = [
    "RelayerStateError",
    "NonceStatus",
    "RelayerState",
    "InMemoryRelayerState",
    "RedisRelayerState",
    "AsyncRedisRelayerState",
    "DEFAULT_PREFIX",
]

#: Key prefix of :class:`RedisRelayerState` when none is given.
DEFAULT_PREFIX = "xsessions:"

_USED = "u"
_RESERVED = "r:"

#: Deletes KEYS[1] only if it still holds ARGV[1] (this instance's reservation).
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RelayerStateError(XSessionsError):
    """The shared relayer state cannot be read or written: the Redis server is unreachable, timed
    out or answered with an error, or a per-account lock could not be acquired in time."""


class NonceStatus(str, Enum):
    """Where an outside-execution nonce stands in the shared state."""

    FREE = "free"
    RESERVED = "reserved"
    USED = "used"


class RelayerState(Protocol):
    """The operations every relayer state offers (synchronous flavour).

    ``account`` is the address of the account that signed the outside execution; felts may be
    ints or hex/decimal strings.
    """

    def reserve_nonce(self, account: int | str, nonce: int | str, *, ttl_ms: int) -> bool:
        """Reserve ``(account, nonce)`` for ``ttl_ms`` milliseconds; ``False`` if it is reserved
        (by any instance, this one included) or used."""
        ...

    def confirm_nonce(self, account: int | str, nonce: int | str) -> None:
        """Mark the nonce used (the outside execution was submitted); it never expires."""
        ...

    def release_nonce(self, account: int | str, nonce: int | str) -> bool:
        """Free this instance's reservation; ``False`` if it holds none (expired, used, another's)."""
        ...

    def nonce_status(self, account: int | str, nonce: int | str) -> NonceStatus:
        """:class:`NonceStatus` of the nonce."""
        ...

    def revoke_sessions(self, session_hashes: Iterable[int | str]) -> None:
        """Record session hashes as revoked."""
        ...

    def is_session_revoked(self, session_hash: int | str) -> bool:
        """Whether the session hash was recorded as revoked."""
        ...

    def revoked_sessions(self) -> frozenset[int]:
        """Every recorded revoked session hash."""
        ...

    def refresh_revocations(self, account: int | str, session_hashes: Iterable[int | str],
                            is_revoked: Callable[[int, int], bool]) -> frozenset[int]:
        """Ask ``is_revoked(account, session_hash)`` (e.g. an on-chain reader) about each session
        not yet known revoked, record the revoked ones and return them."""
        ...

    def cache_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str,
                            length: int) -> None:
        """Record a cached session authorisation (its length in felts), as the account caches it."""
        ...

    def cached_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str) -> int:
        """The cached authorisation length, 0 if none."""
        ...

    def account_state(self, used_outside_nonces: Iterable[int | str] = ()) -> AccountState:
        """An :class:`~.verify.AccountState` for the verifier: the revoked sessions and cached
        authorisations of this state (and the given used nonces)."""
        ...

    def account_lock(self, relayer_account: int | str, *, timeout_s: float = 30.0,
                     blocking_timeout_s: float = 10.0) -> AbstractContextManager[None]:
        """A lock around the nonce management of one relayer account (held at most ``timeout_s``;
        :class:`RelayerStateError` if not acquired within ``blocking_timeout_s``)."""
        ...


# --------------------------------------------------------------------------- argument checks

def _felt(value: object, name: str) -> int:
    return felt_from(value, name, SessionError, spelling=FeltSpelling.BIGINT)


def _ttl(ttl_ms: object) -> int:
    if isinstance(ttl_ms, bool) or not isinstance(ttl_ms, int) or not 0 < ttl_ms < 2**63:
        raise SessionError(f"ttl_ms must be a positive int (milliseconds), got {ttl_ms!r}")
    return ttl_ms


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise SessionError(f"{name} must be a positive number of seconds, got {value!r}")
    return float(value)


def _prefix(prefix: object) -> str:
    if not isinstance(prefix, str):
        raise SessionError(f"prefix must be a str, got {type(prefix).__name__}")
    return prefix


def _auth_field(owner_guid: object, guardian_guid: object, session_hash: object) -> str:
    return (f"{_felt(owner_guid, 'owner_guid'):x}:{_felt(guardian_guid, 'guardian_guid'):x}:"
            f"{_felt(session_hash, 'session_hash'):x}")


def _auth_length(length: object) -> int:
    if isinstance(length, bool) or not isinstance(length, int) or not 0 < length < 2**32:
        raise SessionError(f"length must be an int in [1, 2**32), got {length!r}")
    return length


def _parse_auth(fields: dict[str, str]) -> dict[tuple[int, int, int], int]:
    out = {}
    for key, value in fields.items():
        owner, guardian, session_hash = (int(part, 16) for part in key.split(":"))
        out[(owner, guardian, session_hash)] = int(value)
    return out


# --------------------------------------------------------------------------- in memory

class InMemoryRelayerState:
    """The state of a single relayer process, in memory (thread safe): the embedded default.

    :param clock: milliseconds, monotonic (tests pass a fake clock to expire reservations).
    """

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or (lambda: time.monotonic() * 1000.0)
        self._lock = threading.Lock()
        #: (account, nonce) -> expiry in clock milliseconds, None once used
        self._nonces: dict[tuple[int, int], float | None] = {}
        self._revoked: set[int] = set()
        self._auth: dict[tuple[int, int, int], int] = {}
        self._account_locks: dict[int, threading.Lock] = {}

    def __repr__(self) -> str:
        return f"InMemoryRelayerState(nonces={len(self._nonces)}, revoked={len(self._revoked)})"

    def __getstate__(self) -> dict[str, Any]:
        with self._lock:
            return {"nonces": dict(self._nonces), "revoked": set(self._revoked), "auth": dict(self._auth)}

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._nonces, self._revoked, self._auth = data["nonces"], data["revoked"], data["auth"]

    def _status(self, key: tuple[int, int]) -> NonceStatus:
        if key not in self._nonces:
            return NonceStatus.FREE
        expiry = self._nonces[key]
        if expiry is None:
            return NonceStatus.USED
        if expiry <= self._clock():
            del self._nonces[key]
            return NonceStatus.FREE
        return NonceStatus.RESERVED

    def reserve_nonce(self, account: int | str, nonce: int | str, *, ttl_ms: int) -> bool:
        key = (_felt(account, "account"), _felt(nonce, "nonce"))
        ttl = _ttl(ttl_ms)
        with self._lock:
            if self._status(key) is not NonceStatus.FREE:
                return False
            self._nonces[key] = self._clock() + ttl
            return True

    def confirm_nonce(self, account: int | str, nonce: int | str) -> None:
        key = (_felt(account, "account"), _felt(nonce, "nonce"))
        with self._lock:
            self._nonces[key] = None

    def release_nonce(self, account: int | str, nonce: int | str) -> bool:
        key = (_felt(account, "account"), _felt(nonce, "nonce"))
        with self._lock:
            if self._status(key) is NonceStatus.RESERVED:
                del self._nonces[key]
                return True
            return False

    def nonce_status(self, account: int | str, nonce: int | str) -> NonceStatus:
        key = (_felt(account, "account"), _felt(nonce, "nonce"))
        with self._lock:
            return self._status(key)

    def revoke_sessions(self, session_hashes: Iterable[int | str]) -> None:
        hashes = [_felt(h, "session_hash") for h in session_hashes]
        with self._lock:
            self._revoked.update(hashes)

    def is_session_revoked(self, session_hash: int | str) -> bool:
        return _felt(session_hash, "session_hash") in self._revoked

    def revoked_sessions(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._revoked)

    def refresh_revocations(self, account: int | str, session_hashes: Iterable[int | str],
                            is_revoked: Callable[[int, int], bool]) -> frozenset[int]:
        address = _felt(account, "account")
        todo = [h for h in (_felt(h, "session_hash") for h in session_hashes) if h not in self._revoked]
        found = frozenset(h for h in todo if is_revoked(address, h))
        self.revoke_sessions(found)
        return found

    def cache_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str,
                            length: int) -> None:
        key = (_felt(owner_guid, "owner_guid"), _felt(guardian_guid, "guardian_guid"),
               _felt(session_hash, "session_hash"))
        n = _auth_length(length)
        with self._lock:
            self._auth[key] = n

    def cached_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str) -> int:
        key = (_felt(owner_guid, "owner_guid"), _felt(guardian_guid, "guardian_guid"),
               _felt(session_hash, "session_hash"))
        return self._auth.get(key, 0)

    def account_state(self, used_outside_nonces: Iterable[int | str] = ()) -> AccountState:
        with self._lock:
            revoked, auth = frozenset(self._revoked), dict(self._auth)
        return AccountState(revoked_sessions=revoked, session_cache=auth,
                            used_outside_nonces=frozenset(_felt(n, "nonce") for n in used_outside_nonces))

    @contextmanager
    def account_lock(self, relayer_account: int | str, *, timeout_s: float = 30.0,
                     blocking_timeout_s: float = 10.0) -> Iterator[None]:
        """A :class:`threading.Lock` per relayer account (``timeout_s`` is not enforced in memory)."""
        address = _felt(relayer_account, "relayer_account")
        _seconds(timeout_s, "timeout_s")
        wait = _seconds(blocking_timeout_s, "blocking_timeout_s")
        with self._lock:
            lock = self._account_locks.setdefault(address, threading.Lock())
        if not lock.acquire(timeout=wait):
            raise RelayerStateError(f"lock of relayer account {hex(address)} not acquired in {wait} s")
        try:
            yield
        finally:
            lock.release()


# --------------------------------------------------------------------------- Redis

T = TypeVar("T")


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis.exceptions

    return (redis.exceptions.RedisError,)


class _RedisKeys:
    """Key names and instance identity shared by the sync and async Redis states."""

    def __init__(self, prefix: str) -> None:
        self.prefix = _prefix(prefix)
        self.reservation = _RESERVED + uuid.uuid4().hex
        self.revoked = f"{self.prefix}revoked"
        self.auth = f"{self.prefix}auth"

    def nonce(self, account: object, nonce: object) -> str:
        return f"{self.prefix}nonce:{_felt(account, 'account'):x}:{_felt(nonce, 'nonce'):x}"

    def lock(self, relayer_account: object) -> str:
        return f"{self.prefix}lock:{_felt(relayer_account, 'relayer_account'):x}"


def _status_of(value: bytes | str | None) -> NonceStatus:
    if value is None:
        return NonceStatus.FREE
    text = value.decode() if isinstance(value, bytes) else value
    return NonceStatus.USED if text == _USED else NonceStatus.RESERVED


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _connection_kwargs(client: Any) -> dict[str, Any]:
    """The constructor arguments of an equivalent client (a connection pool cannot be pickled):
    the pool's connection settings that the client class takes (host, port, db, credentials,
    timeouts, TLS options...), a Unix socket path, TLS on or off."""
    pool = client.connection_pool
    settings = pool.connection_kwargs
    accepted = inspect.signature(type(client).__init__).parameters
    # values that are bare ``object()`` are redis-py's "not given" sentinels: they do not survive pickling
    kwargs = {k: v for k, v in settings.items() if k in accepted and type(v) is not object}
    if "path" in settings:
        kwargs["unix_socket_path"] = settings["path"]
    if "ssl" in accepted and "SSL" in pool.connection_class.__name__:
        kwargs["ssl"] = True
    return kwargs


class RedisRelayerState:
    """The relayer state on a Redis server, shared by every instance (redis-py, synchronous).

    :param client: a ``redis.Redis`` client (``decode_responses`` either way).
    :param prefix: prefix of every key (one per relayer deployment / network).
    :raises RelayerStateError: from every operation, when Redis fails.
    """

    def __init__(self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._keys = _RedisKeys(prefix)
        self._release = client.register_script(_RELEASE_SCRIPT)

    @property
    def client(self) -> redis.Redis:
        """The redis-py client."""
        return self._client

    def __repr__(self) -> str:
        return f"RedisRelayerState(prefix={self._keys.prefix!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_redis_state, (_connection_kwargs(self._client), self._keys.prefix))

    def _run(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except _redis_errors() as exc:
            raise RelayerStateError(f"Redis relayer state: {type(exc).__name__}: {exc}") from exc

    def reserve_nonce(self, account: int | str, nonce: int | str, *, ttl_ms: int) -> bool:
        key, ttl = self._keys.nonce(account, nonce), _ttl(ttl_ms)
        return bool(self._run(lambda: self._client.set(key, self._keys.reservation, nx=True, px=ttl)))

    def confirm_nonce(self, account: int | str, nonce: int | str) -> None:
        key = self._keys.nonce(account, nonce)
        self._run(lambda: self._client.set(key, _USED))

    def release_nonce(self, account: int | str, nonce: int | str) -> bool:
        key = self._keys.nonce(account, nonce)
        return bool(self._run(lambda: self._release(keys=[key], args=[self._keys.reservation])))

    def nonce_status(self, account: int | str, nonce: int | str) -> NonceStatus:
        key = self._keys.nonce(account, nonce)
        return _status_of(self._run(lambda: self._client.get(key)))

    def revoke_sessions(self, session_hashes: Iterable[int | str]) -> None:
        members = [f"{_felt(h, 'session_hash'):x}" for h in session_hashes]
        if members:
            self._run(lambda: self._client.sadd(self._keys.revoked, *members))

    def is_session_revoked(self, session_hash: int | str) -> bool:
        member = f"{_felt(session_hash, 'session_hash'):x}"
        return bool(self._run(lambda: self._client.sismember(self._keys.revoked, member)))

    def revoked_sessions(self) -> frozenset[int]:
        members = self._run(lambda: self._client.smembers(self._keys.revoked))
        return frozenset(int(_text(m), 16) for m in members)

    def refresh_revocations(self, account: int | str, session_hashes: Iterable[int | str],
                            is_revoked: Callable[[int, int], bool]) -> frozenset[int]:
        address = _felt(account, "account")
        known = self.revoked_sessions()
        todo = [h for h in (_felt(h, "session_hash") for h in session_hashes) if h not in known]
        found = frozenset(h for h in todo if is_revoked(address, h))
        self.revoke_sessions(found)
        return found

    def cache_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str,
                            length: int) -> None:
        name, n = _auth_field(owner_guid, guardian_guid, session_hash), _auth_length(length)
        self._run(lambda: self._client.hset(self._keys.auth, name, n))

    def cached_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str) -> int:
        name = _auth_field(owner_guid, guardian_guid, session_hash)
        value = self._run(lambda: self._client.hget(self._keys.auth, name))
        return 0 if value is None else int(value)

    def account_state(self, used_outside_nonces: Iterable[int | str] = ()) -> AccountState:
        auth = self._run(lambda: self._client.hgetall(self._keys.auth))
        return AccountState(revoked_sessions=self.revoked_sessions(),
                            session_cache=_parse_auth({_text(k): _text(v) for k, v in auth.items()}),
                            used_outside_nonces=frozenset(_felt(n, "nonce") for n in used_outside_nonces))

    @contextmanager
    def account_lock(self, relayer_account: int | str, *, timeout_s: float = 30.0,
                     blocking_timeout_s: float = 10.0) -> Iterator[None]:
        """redis-py's :class:`~redis.lock.Lock` on ``lock:<relayer account>``; it expires after
        ``timeout_s`` if this process dies holding it."""
        import redis.exceptions

        name = self._keys.lock(relayer_account)
        lock = self._client.lock(name, timeout=_seconds(timeout_s, "timeout_s"),
                                 blocking_timeout=_seconds(blocking_timeout_s, "blocking_timeout_s"))
        if not self._run(lock.acquire):
            raise RelayerStateError(f"lock {name} not acquired in {blocking_timeout_s} s")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.exceptions.LockError as exc:  # expired (held longer than timeout_s)
                raise RelayerStateError(f"lock {name} expired before it was released: {exc}") from exc
            except redis.exceptions.RedisError as exc:
                raise RelayerStateError(f"Redis relayer state: {type(exc).__name__}: {exc}") from exc


def _rebuild_redis_state(connection_kwargs: dict[str, Any], prefix: str) -> RedisRelayerState:
    import redis

    return RedisRelayerState(redis.Redis(**connection_kwargs), prefix=prefix)


class AsyncRedisRelayerState:
    """:class:`RedisRelayerState` on ``redis.asyncio``: the same operations, as coroutines.

    :param client: a ``redis.asyncio.Redis`` client.
    :param prefix: prefix of every key (instances sharing state use the same prefix, sync or async).
    """

    def __init__(self, client: redis.asyncio.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self._client = client
        self._keys = _RedisKeys(prefix)
        self._release = client.register_script(_RELEASE_SCRIPT)

    @property
    def client(self) -> redis.asyncio.Redis:
        """The ``redis.asyncio`` client."""
        return self._client

    def __repr__(self) -> str:
        return f"AsyncRedisRelayerState(prefix={self._keys.prefix!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_async_redis_state, (_connection_kwargs(self._client), self._keys.prefix))

    async def _run(self, call: Callable[[], Awaitable[T]]) -> T:
        try:
            return await call()
        except _redis_errors() as exc:
            raise RelayerStateError(f"Redis relayer state: {type(exc).__name__}: {exc}") from exc

    async def reserve_nonce(self, account: int | str, nonce: int | str, *, ttl_ms: int) -> bool:
        key, ttl = self._keys.nonce(account, nonce), _ttl(ttl_ms)
        return bool(await self._run(lambda: self._client.set(key, self._keys.reservation, nx=True, px=ttl)))

    async def confirm_nonce(self, account: int | str, nonce: int | str) -> None:
        key = self._keys.nonce(account, nonce)
        await self._run(lambda: self._client.set(key, _USED))

    async def release_nonce(self, account: int | str, nonce: int | str) -> bool:
        key = self._keys.nonce(account, nonce)
        return bool(await self._run(lambda: self._release(keys=[key], args=[self._keys.reservation])))

    async def nonce_status(self, account: int | str, nonce: int | str) -> NonceStatus:
        key = self._keys.nonce(account, nonce)
        return _status_of(await self._run(lambda: self._client.get(key)))

    async def revoke_sessions(self, session_hashes: Iterable[int | str]) -> None:
        members = [f"{_felt(h, 'session_hash'):x}" for h in session_hashes]
        if members:
            await self._run(lambda: self._client.sadd(self._keys.revoked, *members))

    async def is_session_revoked(self, session_hash: int | str) -> bool:
        member = f"{_felt(session_hash, 'session_hash'):x}"
        return bool(await self._run(lambda: self._client.sismember(self._keys.revoked, member)))

    async def revoked_sessions(self) -> frozenset[int]:
        members = await self._run(lambda: self._client.smembers(self._keys.revoked))
        return frozenset(int(_text(m), 16) for m in members)

    async def refresh_revocations(self, account: int | str, session_hashes: Iterable[int | str],
                                  is_revoked: Callable[[int, int], Awaitable[bool]]) -> frozenset[int]:
        """:meth:`RedisRelayerState.refresh_revocations` with an async reader
        (``await is_revoked(account, session_hash)``)."""
        address = _felt(account, "account")
        known = await self.revoked_sessions()
        todo = [h for h in (_felt(h, "session_hash") for h in session_hashes) if h not in known]
        found = frozenset([h for h in todo if await is_revoked(address, h)])
        await self.revoke_sessions(found)
        return found

    async def cache_authorization(self, owner_guid: int | str, guardian_guid: int | str, session_hash: int | str,
                                  length: int) -> None:
        name, n = _auth_field(owner_guid, guardian_guid, session_hash), _auth_length(length)
        await self._run(lambda: self._client.hset(self._keys.auth, name, n))

    async def cached_authorization(self, owner_guid: int | str, guardian_guid: int | str,
                                   session_hash: int | str) -> int:
        name = _auth_field(owner_guid, guardian_guid, session_hash)
        value = await self._run(lambda: self._client.hget(self._keys.auth, name))
        return 0 if value is None else int(value)

    async def account_state(self, used_outside_nonces: Iterable[int | str] = ()) -> AccountState:
        auth = await self._run(lambda: self._client.hgetall(self._keys.auth))
        return AccountState(revoked_sessions=await self.revoked_sessions(),
                            session_cache=_parse_auth({_text(k): _text(v) for k, v in auth.items()}),
                            used_outside_nonces=frozenset(_felt(n, "nonce") for n in used_outside_nonces))

    def account_lock(self, relayer_account: int | str, *, timeout_s: float = 30.0,
                     blocking_timeout_s: float = 10.0) -> AbstractAsyncContextManager[None]:
        """``redis.asyncio``'s :class:`~redis.asyncio.lock.Lock` on ``lock:<relayer account>``
        (``async with state.account_lock(address): ...``)."""
        name = self._keys.lock(relayer_account)
        lock = self._client.lock(name, timeout=_seconds(timeout_s, "timeout_s"),
                                 blocking_timeout=_seconds(blocking_timeout_s, "blocking_timeout_s"))
        return self._held(lock, name, blocking_timeout_s)

    @asynccontextmanager
    async def _held(self, lock: Any, name: str, blocking_timeout_s: float) -> AsyncIterator[None]:
        import redis.exceptions

        if not await self._run(lock.acquire):
            raise RelayerStateError(f"lock {name} not acquired in {blocking_timeout_s} s")
        try:
            yield
        finally:
            try:
                await lock.release()
            except redis.exceptions.LockError as exc:
                raise RelayerStateError(f"lock {name} expired before it was released: {exc}") from exc
            except redis.exceptions.RedisError as exc:
                raise RelayerStateError(f"Redis relayer state: {type(exc).__name__}: {exc}") from exc


def _rebuild_async_redis_state(connection_kwargs: dict[str, Any], prefix: str) -> AsyncRedisRelayerState:
    import redis.asyncio

    return AsyncRedisRelayerState(redis.asyncio.Redis(**connection_kwargs), prefix=prefix)
