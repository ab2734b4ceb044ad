"""Pure-Python backend: the reference implementation of :mod:`.backend`, bit-identical to the C core.

Not constant time (Python ints). Speed comes from Jacobian coordinates, 8-bit fixed-base window
tables for G and the Pedersen points (built lazily, once), a width-5 wNAF for variable-base
multiplication in verify, a table-driven Tonelli-Shanks square root (8 bits of the discrete log per
step) and a small cache of recovered public-key y coordinates.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from typing import Sequence, cast

from ..errors import InvalidMessageHash, describe_value
from .backend import HashMethod
from .constants import (
    BETA,
    EC_GEN,
    EC_ORDER,
    FIELD_PRIME,
    MASK_250,
    MAX_ECDSA_VALUE,
    PEDERSEN_P0,
    PEDERSEN_P1,
    PEDERSEN_P2,
    PEDERSEN_P3,
    PEDERSEN_SHIFT_POINT,
)

NAME = "python"

P = FIELD_PRIME
N = EC_ORDER

# =========================================================================== Poseidon (docs/protocol.md §1.5)

_FULL_ROUNDS = 8
_PARTIAL_ROUNDS = 83
_RC = [
    tuple(
        int.from_bytes(hashlib.sha256(f"Hades{3 * i + j}".encode()).digest(), "big") % P
        for j in range(3)
    )
    for i in range(_FULL_ROUNDS + _PARTIAL_ROUNDS)
]
_HALF = _FULL_ROUNDS // 2


def _hades(s0: int, s1: int, s2: int) -> tuple[int, int, int]:
    p = P
    rc = _RC
    for i in range(_HALF):
        c0, c1, c2 = rc[i]
        s0 = pow(s0 + c0, 3, p)
        s1 = pow(s1 + c1, 3, p)
        s2 = pow(s2 + c2, 3, p)
        t = s0 + s1 + s2
        s0, s1, s2 = (t + 2 * s0) % p, (t - 2 * s1) % p, (t - 3 * s2) % p
    for i in range(_HALF, _HALF + _PARTIAL_ROUNDS):
        c0, c1, c2 = rc[i]
        s0 += c0
        s1 += c1
        s2 = pow(s2 + c2, 3, p)
        t = s0 + s1 + s2
        s0, s1, s2 = (t + 2 * s0) % p, (t - 2 * s1) % p, (t - 3 * s2) % p
    for i in range(_HALF + _PARTIAL_ROUNDS, _FULL_ROUNDS + _PARTIAL_ROUNDS):
        c0, c1, c2 = rc[i]
        s0 = pow(s0 + c0, 3, p)
        s1 = pow(s1 + c1, 3, p)
        s2 = pow(s2 + c2, 3, p)
        t = s0 + s1 + s2
        s0, s1, s2 = (t + 2 * s0) % p, (t - 2 * s1) % p, (t - 3 * s2) % p
    return s0, s1, s2


def poseidon_permutation(s0: int, s1: int, s2: int) -> tuple[int, int, int]:
    return _hades(s0, s1, s2)


def poseidon(a: int, b: int) -> int:
    return _hades(a, b, 2)[0]


def poseidon_single(x: int) -> int:
    return _hades(x, 0, 1)[0]


def poseidon_many(values: Sequence[int]) -> int:
    vals = list(values)
    vals.append(1)
    if len(vals) % 2:
        vals.append(0)
    s0 = s1 = s2 = 0
    p = P
    for i in range(0, len(vals), 2):
        s0, s1, s2 = _hades((s0 + vals[i]) % p, (s1 + vals[i + 1]) % p, s2)
    return s0


def poseidon_batch(pairs: Sequence[tuple[int, int]]) -> list[int]:
    return [_hades(a, b, 2)[0] for a, b in pairs]


def poseidon_many_batch(seqs: Sequence[Sequence[int]]) -> list[int]:
    return [poseidon_many(s) for s in seqs]


# =========================================================================== Keccak (docs/protocol.md §1.6)

_KECCAK_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
# Rotation offsets and pi permutation in the "lanes in one list of 25" layout (index x + 5y).
_ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14]
_PI = [(x + 5 * y, y + 5 * ((2 * x + 3 * y) % 5)) for x in range(5) for y in range(5)]
_M64 = (1 << 64) - 1


def _keccak_f(a: list[int]) -> None:
    for rc in _KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64) for x in range(5)]
        for i in range(25):
            a[i] ^= d[i % 5]
        b = [0] * 25
        for src, dst in _PI:
            v, r = a[src], _ROT[src]
            b[dst] = ((v << r) | (v >> (64 - r))) & _M64 if r else v
        for y in range(0, 25, 5):
            b0, b1, b2, b3, b4 = b[y : y + 5]
            a[y] = b0 ^ (~b1 & b2)
            a[y + 1] = b1 ^ (~b2 & b3)
            a[y + 2] = b2 ^ (~b3 & b4)
            a[y + 3] = b3 ^ (~b4 & b0)
            a[y + 4] = b4 ^ (~b0 & b1)
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    rate = 136
    msg = bytearray(data)
    msg.append(0x01)  # original Keccak padding (not SHA-3's 0x06)
    msg.extend(b"\x00" * (-len(msg) % rate))
    msg[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(msg), rate):
        block = msg[off : off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))


def starknet_keccak(data: bytes) -> int:
    return int.from_bytes(keccak256(data), "big") & MASK_250


# =========================================================================== curve arithmetic
# Jacobian coordinates (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z == 0 is the point at infinity.
# Curve y^2 = x^3 + x + beta (alpha = 1).

_INF = (1, 1, 0)


def _double(pt: tuple[int, int, int]) -> tuple[int, int, int]:
    x, y, z = pt
    if z == 0 or y == 0:
        return _INF
    p = P
    yy = y * y % p
    s = 4 * x * yy % p
    zz = z * z % p
    m = (3 * x * x + zz * zz) % p  # alpha = 1
    x3 = (m * m - 2 * s) % p
    y3 = (m * (s - x3) - 8 * yy * yy) % p
    z3 = 2 * y * z % p
    return x3, y3, z3


def _add_mixed(pt: tuple[int, int, int], qx: int, qy: int) -> tuple[int, int, int]:
    """pt + (qx, qy) with (qx, qy) affine and not infinity."""
    x1, y1, z1 = pt
    if z1 == 0:
        return qx, qy, 1
    p = P
    z1z1 = z1 * z1 % p
    u2 = qx * z1z1 % p
    s2 = qy * z1 * z1z1 % p
    h = (u2 - x1) % p
    r = (s2 - y1) % p
    if h == 0:
        if r == 0:
            return _double(pt)
        return _INF
    hh = h * h % p
    hhh = h * hh % p
    v = x1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - y1 * hhh) % p
    z3 = z1 * h % p
    return x3, y3, z3


def _add(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    x1, y1, z1 = a
    x2, y2, z2 = b
    if z1 == 0:
        return b
    if z2 == 0:
        return a
    p = P
    z1z1 = z1 * z1 % p
    z2z2 = z2 * z2 % p
    u1 = x1 * z2z2 % p
    u2 = x2 * z1z1 % p
    s1 = y1 * z2 * z2z2 % p
    s2 = y2 * z1 * z1z1 % p
    h = (u2 - u1) % p
    r = (s2 - s1) % p
    if h == 0:
        if r == 0:
            return _double(a)
        return _INF
    hh = h * h % p
    hhh = h * hh % p
    v = u1 * hh % p
    x3 = (r * r - hhh - 2 * v) % p
    y3 = (r * (v - x3) - s1 * hhh) % p
    z3 = z1 * z2 * h % p
    return x3, y3, z3


def _to_affine(pt: tuple[int, int, int]) -> tuple[int, int] | None:
    x, y, z = pt
    if z == 0:
        return None
    zi = pow(z, -1, P)
    zi2 = zi * zi % P
    return x * zi2 % P, y * zi2 * zi % P


def _batch_affine(points: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    """Montgomery's trick: one inversion for all (no point may be infinity)."""
    p = P
    acc = [1] * len(points)
    prod = 1
    for i, (_, _, z) in enumerate(points):
        acc[i] = prod
        prod = prod * z % p
    inv = pow(prod, -1, p)
    out: list[tuple[int, int]] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        zi = inv * acc[i] % p
        inv = inv * z % p
        zi2 = zi * zi % p
        out[i] = (x * zi2 % p, y * zi2 * zi % p)
    return out


class _FixedBase:
    """Windowed table of a fixed point: table[w][d-1] = d * 2^(8w) * point, affine."""

    WINDOW = 8

    def __init__(self, point: tuple[int, int], bits: int) -> None:
        self.windows = (bits + self.WINDOW - 1) // self.WINDOW
        jac: list[tuple[int, int, int]] = []
        base: tuple[int, int, int] = (point[0], point[1], 1)
        for _ in range(self.windows):
            row = [base]
            cur = base
            for _ in range((1 << self.WINDOW) - 2):
                cur = _add(cur, base)
                row.append(cur)
            jac.extend(row)
            base = _add(cur, base)  # 2^W * base
        flat = _batch_affine(jac)
        size = (1 << self.WINDOW) - 1
        self.table = [flat[w * size : (w + 1) * size] for w in range(self.windows)]

    def mul_add(self, acc: tuple[int, int, int], k: int) -> tuple[int, int, int]:
        table = self.table
        w = 0
        while k:
            d = k & 0xFF
            if d:
                qx, qy = table[w][d - 1]
                acc = _add_mixed(acc, qx, qy)
            k >>= 8
            w += 1
        return acc


_tables: dict[str, _FixedBase] = {}
_tables_lock = threading.Lock()


def _table(name: str) -> _FixedBase:
    t = _tables.get(name)
    if t is None:
        with _tables_lock:
            t = _tables.get(name)
            if t is None:
                point, bits = {
                    "G": (EC_GEN, 252),
                    "P0": (PEDERSEN_P0, 248),
                    "P2": (PEDERSEN_P2, 248),
                }[name]
                t = _FixedBase(point, bits)
                _tables[name] = t
    return t


# Small multiples 1..15 of P1 and P3 (the high nibble of a Pedersen input is < 16).
def _small_multiples(point: tuple[int, int]) -> list[tuple[int, int]]:
    base = (point[0], point[1], 1)
    jac = [base]
    for _ in range(14):
        jac.append(_add(jac[-1], base))
    return _batch_affine(jac)


_P1_MULT = _small_multiples(PEDERSEN_P1)
_P3_MULT = _small_multiples(PEDERSEN_P3)
_LOW248 = (1 << 248) - 1


# =========================================================================== Pedersen (docs/protocol.md §1.4)

def pedersen(a: int, b: int) -> int:
    acc = (PEDERSEN_SHIFT_POINT[0], PEDERSEN_SHIFT_POINT[1], 1)
    acc = _table("P0").mul_add(acc, a & _LOW248)
    if a >> 248:
        qx, qy = _P1_MULT[(a >> 248) - 1]
        acc = _add_mixed(acc, qx, qy)
    acc = _table("P2").mul_add(acc, b & _LOW248)
    if b >> 248:
        qx, qy = _P3_MULT[(b >> 248) - 1]
        acc = _add_mixed(acc, qx, qy)
    aff = _to_affine(acc)
    assert aff is not None  # needs a discrete-log relation between the constant points
    return aff[0]


def pedersen_batch(pairs: Sequence[tuple[int, int]]) -> list[int]:
    return [pedersen(a, b) for a, b in pairs]


def pedersen_chain(values: Sequence[int]) -> int:
    h = 0
    for v in values:
        h = pedersen(h, v)
    return pedersen(h, len(values))


# =========================================================================== Merkle levels (docs/protocol.md §4)

def merkle_levels(leaves: Sequence[int], method: HashMethod) -> list[list[int]]:
    h = _hades if method is HashMethod.POSEIDON else None
    level = list(leaves)
    levels = [level]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            a = level[i]
            b = level[i + 1] if i + 1 < len(level) else 0
            if b < a:
                a, b = b, a
            nxt.append(h(a, b, 2)[0] if h is not None else pedersen(a, b))
        level = nxt
        levels.append(level)
    return levels


# =========================================================================== ECDSA (docs/protocol.md §2)

def _ecmult_g(k: int) -> tuple[int, int, int]:
    return _table("G").mul_add(_INF, k)


def public_key(priv: int) -> int:
    aff = _to_affine(_ecmult_g(priv))
    assert aff is not None
    return aff[0]


def _wnaf(k: int, w: int = 5) -> list[int]:
    out = []
    half = 1 << (w - 1)
    full = 1 << w
    while k:
        if k & 1:
            d = k & (full - 1)
            if d >= half:
                d -= full
            k -= d
        else:
            d = 0
        out.append(d)
        k >>= 1
    return out


def _ecmult_var(pt: tuple[int, int], k: int) -> tuple[int, int, int]:
    """k * pt for an affine point (variable time, wNAF width 5)."""
    base = (pt[0], pt[1], 1)
    dbl = _double(base)
    odd = [base]
    for _ in range(7):  # 1P, 3P, ..., 15P
        odd.append(_add(odd[-1], dbl))
    odd_aff = _batch_affine(odd)
    acc = _INF
    for d in reversed(_wnaf(k)):
        acc = _double(acc)
        if d > 0:
            qx, qy = odd_aff[d >> 1]
            acc = _add_mixed(acc, qx, qy)
        elif d < 0:
            qx, qy = odd_aff[(-d) >> 1]
            acc = _add_mixed(acc, qx, P - qy)
    return acc


# ---- square roots mod p (p - 1 = 2^192 * q, docs/protocol.md §1.1)
# Tonelli-Shanks needs the discrete log e of t = a^q in the cyclic group of order 2^192 generated
# by g = z^q (z a non-residue); then sqrt(a) = a^((q+1)/2) * g^(-e/2). The log is found 8 bits at
# a time (Pohlig-Hellman): digit j is the log, among the 256th roots of unity (a dict), of
# (t * g^-(digits below j))^(2^(184-8j)) = t^(2^(184-8j)) * prod_i g^-(d_i * 2^(8(23-j+i))).
# The powers of t come from one chain of 191 squarings and the g factors from a table, so a root
# costs about 500 multiplications instead of the ~18,000 of textbook Tonelli-Shanks.
_S = 192
_Q = (P - 1) >> _S
_W = 8
_Z = 3  # the smallest quadratic non-residue mod p
while pow(_Z, (P - 1) // 2, P) != P - 1:
    _Z += 1
_G_INV = pow(pow(_Z, _Q, P), -1, P)
_sqrt_tables: tuple[dict[int, int], list[list[int]]] | None = None


def _build_sqrt_tables() -> tuple[dict[int, int], list[list[int]]]:
    """(log table of the 256th roots of unity, inv[j][d] = g^-(d * 2^(8j)))."""
    root = pow(pow(_Z, _Q, P), 1 << (_S - _W), P)  # a primitive 2^8-th root of unity
    log: dict[int, int] = {}
    x = 1
    for k in range(1 << _W):
        log[x] = k
        x = x * root % P
    inv: list[list[int]] = []
    base = _G_INV
    for _ in range(_S // _W):
        row = [1]
        for _ in range((1 << _W) - 1):
            row.append(row[-1] * base % P)
        inv.append(row)
        base = pow(base, 1 << _W, P)
    return log, inv


def _sqrt(a: int) -> int | None:
    """A square root of a mod p, or None if a is not a square."""
    global _sqrt_tables
    if a == 0:
        return 0
    if _sqrt_tables is None:
        _sqrt_tables = _build_sqrt_tables()
    log, inv = _sqrt_tables
    n = _S // _W
    t_pows = [pow(a, _Q, P)]  # t^(2^(8k)), k = 0..n-1
    for _ in range(n - 1):
        t_pows.append(pow(t_pows[-1], 1 << _W, P))
    digits: list[int] = []
    for j in range(n):
        u = t_pows[n - 1 - j]
        for i, d in enumerate(digits):
            if d:
                u = u * inv[n - 1 - j + i][d] % P
        digits.append(log[u])
        if digits[0] & 1:  # a^((p-1)/2) = g^(e * 2^191) = -1: not a square
            return None
    e = 0
    for i, d in enumerate(digits):
        e |= d << (_W * i)
    return pow(a, (_Q + 1) // 2, P) * pow(_G_INV, e >> 1, P) % P


_y_cache: dict[int, int | None] = {}
_Y_CACHE_MAX = 4096


def _recover_y(x: int) -> int | None:
    try:
        return _y_cache[x]
    except KeyError:
        pass
    y = _sqrt((x * x * x + x + BETA) % P)
    if len(_y_cache) >= _Y_CACHE_MAX:
        _y_cache.clear()
    _y_cache[x] = y
    return y


def _verify_point(msg_hash: int, r: int, s: int, pub: int, y: int | None) -> bool:
    """cairo-lang verify (docs/protocol.md §2.4): x(w*(z*G + r*Q)) == r for Q = (x, +-y); y is None when
    pub is not the x of a curve point.

    :raises InvalidMessageHash: ``msg_hash`` outside ``[0, 2**256)`` (as the native backend).
    """
    if not 0 <= msg_hash < 1 << 256:
        raise InvalidMessageHash(f"msg_hash of a verification must satisfy 0 <= msg_hash < 2**256, "
                                 f"got {describe_value(msg_hash)}")
    w = pow(s, -1, N)
    if not 1 <= w < MAX_ECDSA_VALUE:
        return False
    if y is None:
        return False
    u1 = msg_hash * w % N
    u2 = r * w % N
    a = _ecmult_g(u1)
    b = _ecmult_var((pub, y), u2)
    # x(A + B) == r or x(A - B) == r, without inverting: X == r * Z^2.
    for cand in (_add(a, b), _add(a, (b[0], (-b[1]) % P, b[2]))):
        x, _, z = cand
        if z != 0 and x == r * z * z % P:
            return True
    return False


def verify(msg_hash: int, r: int, s: int, pub: int) -> bool:
    return _verify_point(msg_hash, r, s, pub, _recover_y(pub))


def verify_batch(items: Sequence[tuple[int, int, int, int]]) -> list[bool]:
    return [verify(z, r, s, q) for z, r, s, q in items]


def prepare_public_key(pub: int) -> object:
    """The table of this backend is the recovered point: ``(pub, y)``, y None off the curve."""
    return (pub, _sqrt((pub * pub * pub + pub + BETA) % P))


def verify_prepared(msg_hash: int, r: int, s: int, table: object) -> bool:
    pub, y = cast("tuple[int, int | None]", table)
    return _verify_point(msg_hash, r, s, pub, y)


def verify_batch_prepared(items: Sequence[tuple[int, int, int, object]]) -> list[bool]:
    return [verify_prepared(z, r, s, t) for z, r, s, t in items]


# ---- RFC 6979 (docs/protocol.md §2.3)

def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _rfc6979_candidates(priv: int, msg_hash: int, extra: bytes):  # type: ignore[no-untyped-def]
    """Yields the successive 32-byte DRBG outputs T of RFC 6979 §3.2 (HMAC-SHA256)."""
    seed = priv.to_bytes(32, "big") + msg_hash.to_bytes(32, "big") + extra
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = _hmac(k, v + b"\x00" + seed)
    v = _hmac(k, v)
    k = _hmac(k, v + b"\x01" + seed)
    v = _hmac(k, v)
    while True:
        v = _hmac(k, v)
        yield v
        k = _hmac(k, v + b"\x00")
        v = _hmac(k, v)


def _bits2int_s(t: bytes) -> int:
    """starknet.js / noble: strip leading zero bytes, then shift right only if longer than 252 bits."""
    t = t.lstrip(b"\x00")
    delta = len(t) * 8 - 252
    num = int.from_bytes(t, "big")
    return num >> delta if delta > 0 else num


def _sign_with_k(msg_hash: int, priv: int, k: int) -> tuple[int, int] | None:
    aff = _to_affine(_ecmult_g(k))
    assert aff is not None
    r = aff[0]
    if not 1 <= r < MAX_ECDSA_VALUE:
        return None
    zr = (msg_hash + r * priv) % N
    if zr == 0:
        return None
    s = pow(k, -1, N) * zr % N
    w = pow(s, -1, N)
    if not 1 <= w < MAX_ECDSA_VALUE:
        return None
    return r, s


def sign(msg_hash: int, priv: int, seed: int | None) -> tuple[int, int]:
    if seed is None:
        # Variant S (starknet.js): no extra entropy; an unusable k continues the DRBG loop.
        for t in _rfc6979_candidates(priv, msg_hash, b""):
            k = _bits2int_s(t)
            if 1 <= k < N:
                sig = _sign_with_k(msg_hash, priv, k)
                if sig is not None:
                    return sig
    # Variant R (cairo-lang / starknet-py): k = T >> 4; on an unusable (r, w) restart with seed+1.
    while True:
        extra = seed.to_bytes((seed.bit_length() + 7) // 8, "big") if seed else b""
        for t in _rfc6979_candidates(priv, msg_hash, extra):
            k = int.from_bytes(t, "big") >> 4
            if 1 <= k < N:
                break
        sig = _sign_with_k(msg_hash, priv, k)
        if sig is not None:
            return sig
        seed = 1 if seed is None else seed + 1


def sign_batch(msg_hashes: Sequence[int], priv: int) -> list[tuple[int, int]]:
    return [sign(z, priv, None) for z in msg_hashes]


_INVOKE = 0x696E766F6B65  # ss("invoke")


def _invoke_v3_hash(tx: Sequence[Sequence[int]]) -> int:
    head, paymaster, deployment, calldata, facts = tx
    version, sender, chain_id, nonce, da_word = head[:5]
    elements = [_INVOKE, version, sender, poseidon_many(head[5:9]), poseidon_many(paymaster), chain_id, nonce,
                da_word, poseidon_many(deployment), poseidon_many(calldata)]
    if facts:
        elements.append(poseidon_many(facts))
    return poseidon_many(elements)


def invoke_v3_hash_batch(txs: Sequence[Sequence[Sequence[int]]]) -> list[int]:
    return [_invoke_v3_hash(tx) for tx in txs]


def session_sign_invoke_v3(txs: Sequence[Sequence[Sequence[int]]], session_hash: int, cache_flag: int,
                           key1: int, key2: int) -> list[tuple[int, int, int, int, int]]:
    out = []
    for tx in txs:
        h = _invoke_v3_hash(tx)
        m = poseidon_many([h, session_hash, cache_flag])
        out.append((h, *sign(m, key1, None), *sign(m, key2, None)))
    return out
