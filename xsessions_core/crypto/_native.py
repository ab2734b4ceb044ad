"""Native backend: thin wrappers over the C core (``xsessions_core._native``, csrc/).

Same functions and results as :mod:`._python` (contract: :mod:`.backend`). Ints cross
the FFI as 32-byte big-endian strings; batches are packed into one ``n*32``-byte buffer. No
validation here (the public layer checks every domain first) and cdata never leaves this
module. Every C call releases the GIL (cffi's default). ``public_key``/``sign*`` are
constant time in the private key and nonce.

Importing runs ``xs_init()`` (builds the ~1.6 MB of fixed-base tables once, 10-30 ms) and a tiny
known-answer check; a mismatch raises ImportError (a miscompiled extension must never be used).
"""

from __future__ import annotations

from importlib import import_module
from typing import Sequence

from ..errors import InvalidMessageHash, describe_value
from .backend import PREPARED_KEY_BYTES, HashMethod

try:
    # by name: the extension exists only once built, so the type checker must not need it
    _extension = import_module("xsessions_core._native")
except ImportError as exc:  # pragma: no cover - depends on the build
    raise ImportError(f"xsessions_core._native is not available: {exc}") from exc

NAME = "native"

_ffi = _extension.ffi
_lib = _extension.lib
_lib.xs_init()

# Output buffers are always completely written by the C side: skip cffi's zero-fill.
_new = _ffi.new_allocator(should_clear_after_alloc=False)
_buffer = _ffi.buffer
_from_bytes = int.from_bytes
_join = b"".join
_ZERO32 = bytes(32)

_ped = _lib.xs_pedersen
_ped_batch = _lib.xs_pedersen_batch
_ped_chain = _lib.xs_pedersen_chain
_pos = _lib.xs_poseidon
_pos_batch = _lib.xs_poseidon_batch
_pos_single = _lib.xs_poseidon_single
_pos_many = _lib.xs_poseidon_many
_pos_many_batch = _lib.xs_poseidon_many_batch
_pos_perm = _lib.xs_poseidon_permutation
_merkle = _lib.xs_merkle_levels
_keccak = _lib.xs_keccak256
_sn_keccak = _lib.xs_starknet_keccak
_pubkey = _lib.xs_public_key
_sign = _lib.xs_sign
_sign_seeded = _lib.xs_sign_seeded
_sign_batch = _lib.xs_sign_batch
_verify = _lib.xs_verify
_verify_batch = _lib.xs_verify_batch
_prepare = _lib.xs_prepare_public_key
_verify_prepared = _lib.xs_verify_prepared
_verify_batch_prepared = _lib.xs_verify_batch_prepared
_session_sign = _lib.xs_session_sign_invoke_v3
_invoke_hash_batch = _lib.xs_invoke_v3_hash_batch

_T32 = "unsigned char[32]"
_T64 = "unsigned char[64]"
_T96 = "unsigned char[96]"
_TN = "unsigned char[]"


def _pack(values: Sequence[int]) -> bytes:
    return _join([v.to_bytes(32, "big") for v in values])


def _pack_pairs(pairs: Sequence[tuple[int, int]]) -> bytes:
    # one 64-byte conversion per pair (felts < 2^252, so a << 256 | b is a || b)
    return _join([(a << 256 | b).to_bytes(64, "big") for a, b in pairs])


def _unpack(buf: object, n: int) -> list[int]:
    raw = _buffer(buf, 32 * n)[:]
    return [_from_bytes(raw[i:i + 32], "big") for i in range(0, 32 * n, 32)]


# --------------------------------------------------------------------------- Pedersen

def pedersen(a: int, b: int) -> int:
    out = _new(_T32)
    _ped(out, a.to_bytes(32, "big"), b.to_bytes(32, "big"))
    return _from_bytes(_buffer(out), "big")


def pedersen_batch(pairs: Sequence[tuple[int, int]]) -> list[int]:
    n = len(pairs)
    if not n:
        return []
    out = _new(_TN, 32 * n)
    _ped_batch(out, _pack_pairs(pairs), n)
    return _unpack(out, n)


def pedersen_chain(values: Sequence[int]) -> int:
    out = _new(_T32)
    _ped_chain(out, _pack(values), len(values))
    return _from_bytes(_buffer(out), "big")


# --------------------------------------------------------------------------- Poseidon

def poseidon(a: int, b: int) -> int:
    out = _new(_T32)
    _pos(out, a.to_bytes(32, "big"), b.to_bytes(32, "big"))
    return _from_bytes(_buffer(out), "big")


def poseidon_batch(pairs: Sequence[tuple[int, int]]) -> list[int]:
    n = len(pairs)
    if not n:
        return []
    out = _new(_TN, 32 * n)
    _pos_batch(out, _pack_pairs(pairs), n)
    return _unpack(out, n)


def poseidon_single(x: int) -> int:
    out = _new(_T32)
    _pos_single(out, x.to_bytes(32, "big"))
    return _from_bytes(_buffer(out), "big")


def poseidon_many(values: Sequence[int]) -> int:
    out = _new(_T32)
    _pos_many(out, _pack(values), len(values))
    return _from_bytes(_buffer(out), "big")


def poseidon_many_batch(seqs: Sequence[Sequence[int]]) -> list[int]:
    n = len(seqs)
    if not n:
        return []
    lens = [len(s) for s in seqs]
    flat = _join([v.to_bytes(32, "big") for s in seqs for v in s])
    out = _new(_TN, 32 * n)
    _pos_many_batch(out, flat, len(flat) >> 5, _ffi.new("size_t[]", lens), n)
    return _unpack(out, n)


def poseidon_permutation(s0: int, s1: int, s2: int) -> tuple[int, int, int]:
    out = _new(_T96)
    _pos_perm(out, s0.to_bytes(32, "big") + s1.to_bytes(32, "big") + s2.to_bytes(32, "big"))
    raw = _buffer(out)[:]
    return (_from_bytes(raw[:32], "big"), _from_bytes(raw[32:64], "big"),
            _from_bytes(raw[64:], "big"))


# --------------------------------------------------------------------------- Merkle

def merkle_levels(leaves: Sequence[int], method: HashMethod) -> list[list[int]]:
    n = len(leaves)
    if n == 0:
        raise ValueError("merkle_levels needs at least one leaf")
    levels = [list(leaves)]
    if n == 1:
        return levels
    sizes = []
    m = n
    while m > 1:
        m = (m + 1) >> 1
        sizes.append(m)
    total = sum(sizes)
    out = _new(_TN, 32 * total)
    _merkle(out, _pack(leaves), n, method.c_value)
    flat = _unpack(out, total)
    pos = 0
    for size in sizes:
        levels.append(flat[pos:pos + size])
        pos += size
    return levels


# --------------------------------------------------------------------------- Keccak

def keccak256(data: bytes) -> bytes:
    out = _new(_T32)
    _keccak(out, data, len(data))
    digest: bytes = _buffer(out)[:]
    return digest


def starknet_keccak(data: bytes) -> int:
    out = _new(_T32)
    _sn_keccak(out, data, len(data))
    return _from_bytes(_buffer(out), "big")


# --------------------------------------------------------------------------- ECDSA

def public_key(priv: int) -> int:
    out = _new(_T32)
    _pubkey(out, priv.to_bytes(32, "big"))
    return _from_bytes(_buffer(out), "big")


def sign(msg_hash: int, priv: int, seed: int | None) -> tuple[int, int]:
    out = _new(_T64)
    z = msg_hash.to_bytes(32, "big")
    d = priv.to_bytes(32, "big")
    if seed is None:
        _sign(out, out + 32, z, d)
    else:
        # cairo-lang `sign`: extra entropy = minimal big-endian bytes of the seed (0 -> empty);
        # when r or w is out of range, retry with seed + 1 (probability ~2^-55 per attempt).
        while True:
            extra = seed.to_bytes((seed.bit_length() + 7) >> 3, "big")
            if _sign_seeded(out, out + 32, z, d, extra, len(extra)):
                break
            seed += 1
    raw = _buffer(out)[:]
    return _from_bytes(raw[:32], "big"), _from_bytes(raw[32:], "big")


def sign_batch(msg_hashes: Sequence[int], priv: int) -> list[tuple[int, int]]:
    n = len(msg_hashes)
    if not n:
        return []
    out = _new(_TN, 64 * n)
    _sign_batch(out, _pack(msg_hashes), n, priv.to_bytes(32, "big"))
    raw = _buffer(out)[:]
    return [(_from_bytes(raw[i:i + 32], "big"), _from_bytes(raw[i + 32:i + 64], "big"))
            for i in range(0, 64 * n, 64)]


def _check_msg_hashes(items: Sequence[tuple[int, int, int, int]]) -> None:
    """The message hash of a verification is 32 bytes: ``0 <= z < 2**256`` (as the Python backend)."""
    for z, _, _, _ in items:
        if not 0 <= z < _U256:
            raise InvalidMessageHash(f"msg_hash of a verification must satisfy 0 <= msg_hash < 2**256, "
                                     f"got {describe_value(z)}")


_U256 = 1 << 256


def verify(msg_hash: int, r: int, s: int, pub: int) -> bool:
    if not 0 <= msg_hash < _U256:
        _check_msg_hashes([(msg_hash, r, s, pub)])
    return bool(_verify(msg_hash.to_bytes(32, "big"), r.to_bytes(32, "big"),
                        s.to_bytes(32, "big"), pub.to_bytes(32, "big")))


def verify_batch(items: Sequence[tuple[int, int, int, int]]) -> list[bool]:
    n = len(items)
    if not n:
        return []
    out = _new(_TN, n)
    _check_msg_hashes(items)
    _verify_batch(out, _join([z.to_bytes(32, "big") + r.to_bytes(32, "big") + s.to_bytes(32, "big")
                              + q.to_bytes(32, "big") for z, r, s, q in items]), n)
    return [b != 0 for b in _buffer(out)[:]]


_PREPARED_BYTES = _lib.xs_prepared_key_size()


def prepare_public_key(pub: int) -> object:
    table = _new(_TN, _PREPARED_BYTES)
    _prepare(table, pub.to_bytes(32, "big"))
    return table


def verify_prepared(msg_hash: int, r: int, s: int, table: object) -> bool:
    if not 0 <= msg_hash < _U256:
        _check_msg_hashes([(msg_hash, r, s, 0)])
    return bool(_verify_prepared(msg_hash.to_bytes(32, "big"), r.to_bytes(32, "big"),
                                 s.to_bytes(32, "big"), table))


def verify_batch_prepared(items: Sequence[tuple[int, int, int, object]]) -> list[bool]:
    n = len(items)
    if not n:
        return []
    out = _new(_TN, n)
    _check_msg_hashes([(z, r, s, 0) for z, r, s, _ in items])
    keys = _ffi.new("unsigned char *[]", [t for _, _, _, t in items])
    _verify_batch_prepared(out, _join([z.to_bytes(32, "big") + r.to_bytes(32, "big") + s.to_bytes(32, "big")
                                       for z, r, s, _ in items]), keys, n)
    return [b != 0 for b in _buffer(out)[:]]


# --------------------------------------------------------------------------- session transactions

def _invoke_v3_layout(txs: Sequence[Sequence[Sequence[int]]]) -> tuple[bytes, int, object]:
    """``(felts, number of felts, lens)`` of ``txs`` as ``xs_session_sign_invoke_v3`` reads them."""
    lens: list[int] = []
    values: list[int] = []
    for head, paymaster, deployment, calldata, facts in txs:
        lens += (len(paymaster), len(deployment), len(calldata), len(facts))
        values += head
        values += paymaster
        values += deployment
        values += calldata
        values += facts
    return _pack(values), len(values), _ffi.new("size_t[]", lens)


def invoke_v3_hash_batch(txs: Sequence[Sequence[Sequence[int]]]) -> list[int]:
    n = len(txs)
    if not n:
        return []
    out = _new(_TN, 32 * n)
    _invoke_hash_batch(out, *_invoke_v3_layout(txs), n)
    return _unpack(out, n)


def session_sign_invoke_v3(txs: Sequence[Sequence[Sequence[int]]], session_hash: int, cache_flag: int,
                           key1: int, key2: int) -> list[tuple[int, int, int, int, int]]:
    n = len(txs)
    if not n:
        return []
    out = _new(_TN, 160 * n)
    _session_sign(out, *_invoke_v3_layout(txs), n, session_hash.to_bytes(32, "big"),
                  cache_flag.to_bytes(32, "big"), key1.to_bytes(32, "big"), key2.to_bytes(32, "big"))
    raw = _buffer(out)[:]
    return [tuple(_from_bytes(raw[i + j:i + j + 32], "big") for j in range(0, 160, 32))  # type: ignore[misc]
            for i in range(0, 160 * n, 160)]


# --------------------------------------------------------------------------- known-answer check

def _self_test() -> None:
    checks = (
        (pedersen(0, 0), 0x49EE3EBA8C1600700EE1B87EB599F16716B0B1022947733551FDE4050CA6804),
        (poseidon(1, 2), 0x5D44A3DECB2B2E0CC71071F7B802F45DD792D064F0FC7316C46514F70F9891A),
        (public_key(1), 0x1EF15C18599971B7BECED415A40F0C7DEACFD9B0D1819E03D723D8BC943CFCA),
        (_PREPARED_BYTES, PREPARED_KEY_BYTES),
    )
    for got, want in checks:
        if got != want:
            raise ImportError("xsessions_core._native failed its known-answer self test "
                              "(miscompiled extension?)")


_self_test()
