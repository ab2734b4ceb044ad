"""The signer layer on its own: signing keys of every kind, malleability, Serde round trips and the
account's range, recovery and deserialisation rules (the panic strings of SIGNERS.md)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xsessions_core import crypto
from xsessions_core.errors import InvalidFieldElement, InvalidPrivateKey, InvalidSignature, XSessionsError
from xsessions_core.signers import (
    SHA256_CAIRO0,
    SHA256_CAIRO1,
    Eip191Key,
    Eip191Signer,
    P256Key,
    Secp256k1Key,
    Secp256k1Signer,
    Secp256r1Key,
    Secp256r1Signer,
    Secp256Signature,
    Signer,
    SignerError,
    SignerFormatError,
    SignerKind,
    SignerPanic,
    SignerSignature,
    SigningKey,
    StarkKey,
    StarknetSignature,
    StarknetSigner,
    WebauthnKey,
    WebauthnSignature,
    WebauthnSigner,
    curves,
    webauthn,
)
from xsessions_core.versions import AccountVersion

V4, V5 = AccountVersion.V0_4_0, AccountVersion.V0_5_0
P = crypto.FIELD_PRIME
STARK_N = crypto.EC_ORDER
K1_N, R1_N = curves.SECP256K1_ORDER, curves.SECP256R1_ORDER
PROFILE = settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
INVALID = "test/invalid"

felt = st.integers(min_value=0, max_value=P - 1)
stark_hash = st.integers(min_value=0, max_value=2**251 - 1)
u256 = st.integers(min_value=0, max_value=2**256 - 1)
nonzero_u256 = st.integers(min_value=1, max_value=2**256 - 1)
address = st.integers(min_value=1, max_value=2**160 - 1)
small_bytes = st.binary(max_size=40)

# One key of each kind for the whole module (key generation is not what is tested here).
KEYS: dict[str, Any] = {
    "stark": StarkKey(0x1234567890ABCDEF),
    "secp256k1": Secp256k1Key(0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318),
    "eip191": Eip191Key(0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318),
    "secp256r1": Secp256r1Key(0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721),
    "webauthn-0.4.0": WebauthnKey(0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721,
                                  "https://app.example", "app.example", "0.4.0"),
    "webauthn-0.5.0": WebauthnKey(0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721,
                                  "https://app.example", "app.example", "0.5.0"),
}
SECP_KINDS = [k for k in KEYS if k != "stark"]


def _versions(kind: str) -> list[AccountVersion]:
    if kind.startswith("webauthn-"):
        return [AccountVersion.parse(kind.removeprefix("webauthn-"))]
    return [V4, V5]


def _ec(sig: SignerSignature) -> Secp256Signature:
    inner = sig.signature
    if isinstance(inner, WebauthnSignature):
        return inner.ec_signature
    assert isinstance(inner, Secp256Signature)
    return inner


def _with_ec(sig: SignerSignature, ec: Secp256Signature) -> SignerSignature:
    inner = sig.signature
    if isinstance(inner, WebauthnSignature):
        return dataclasses.replace(sig, signature=dataclasses.replace(inner, ec_signature=ec))
    return dataclasses.replace(sig, signature=ec)


def _order(sig: SignerSignature) -> int:
    return K1_N if sig.kind in (SignerKind.Secp256k1, SignerKind.Eip191) else R1_N


# --------------------------------------------------------------------------- signing keys

@pytest.mark.parametrize("kind", list(KEYS))
def test_keys_implement_the_protocol_and_hide_private_keys(kind: str) -> None:
    key = KEYS[kind]
    secret: int = key.private_key
    assert isinstance(key, SigningKey)
    assert isinstance(key.signer, Signer)
    text = repr(key)
    assert hex(secret)[2:] not in text.lower() and str(secret) not in text


@pytest.mark.parametrize("kind", list(KEYS))
@PROFILE
@given(msg_hash=stark_hash)
def test_signature_verifies_and_its_malleated_twin_does_not(kind: str, msg_hash: int) -> None:
    key = KEYS[kind]
    sig = key.sign(msg_hash)
    assert sig.signer == key.signer and sig.guid == key.signer.guid
    for version in _versions(kind):
        assert sig.verify(msg_hash, version, invalid=INVALID) is None
        assert sig.verify((msg_hash + 1) % P, version, invalid=INVALID) == INVALID
        if kind == "stark":
            # No low-s rule for Starknet signers: the twin (r, n - s) is just as valid.
            assert isinstance(sig.signature, StarknetSignature)
            twin = dataclasses.replace(sig, signature=StarknetSignature(sig.signature.r, STARK_N - sig.signature.s))
            assert twin.verify(msg_hash, version, invalid=INVALID) is None
            continue
        ec = _ec(sig)
        assert ec.s <= _order(sig) // 2  # low s
        flipped = _with_ec(sig, Secp256Signature(ec.r, ec.s, not ec.y_parity))
        # With a zero digest the key recovered from -R is -Q: same x, so the same P-256 signer.
        same_x = sig.kind is SignerKind.Secp256r1 and msg_hash == 0
        assert flipped.verify(msg_hash, version, invalid=INVALID) == (None if same_x else INVALID)
        twin = _with_ec(sig, Secp256Signature(ec.r, _order(sig) - ec.s, not ec.y_parity))
        assert twin.verify(msg_hash, version, invalid=INVALID) == "argent/malleable-signature"


def test_generated_keys_sign() -> None:
    keys: list[SigningKey] = [StarkKey.generate(), Secp256k1Key.generate(), Eip191Key.generate(),
                              Secp256r1Key.generate(), WebauthnKey.generate("https://a.example", "a.example", V5)]
    for key in keys:
        assert key.sign(77).verify(77, V5, invalid=INVALID) is None
    assert len({StarkKey.generate().public_key for _ in range(3)}) == 3


@pytest.mark.parametrize("cls,bad", [(StarkKey, 0), (StarkKey, STARK_N), (Secp256k1Key, K1_N), (Secp256r1Key, 0),
                                     (Eip191Key, -1), (Secp256r1Key, True)])
def test_bad_private_keys_are_refused_without_showing_them(cls: Any, bad: int) -> None:
    with pytest.raises(InvalidPrivateKey) as info:
        cls(bad)
    assert str(bad) not in str(info.value).replace("[1, n)", "")


class _HighSP256Key(P256Key):
    """An external P-256 signer that returns OpenSSL's ``(r, s)`` with ``s`` in the high half."""

    def __init__(self, inner: Secp256r1Key, forge: bool = False) -> None:
        self._inner, self._forge = inner, forge
        self._x, self._y = inner.public_key

    def ecdsa(self, digest: int) -> tuple[int, int]:
        r, s = self._inner.ecdsa(digest ^ 1 if self._forge else digest)
        return r, s if s > R1_N // 2 else R1_N - s


@PROFILE
@given(msg_hash=stark_hash)
def test_p256_base_normalises_an_external_signature(msg_hash: int) -> None:
    inner = KEYS["secp256r1"]
    key = _HighSP256Key(inner)
    sig = key.sign(msg_hash)
    assert isinstance(key, SigningKey) and key.signer == inner.signer and key.public_key == inner.public_key
    assert sig == inner.sign(msg_hash)  # low s and the recovering y_parity, whatever s the signer gave
    assert sig.is_valid_signature(msg_hash, V5)
    assert repr(key) == f"_HighSP256Key(x={inner.public_key[0]:#066x})"
    with pytest.raises(InvalidSignature):  # a signature of another digest is refused, not passed on
        _HighSP256Key(inner, forge=True).sign(msg_hash)
    with pytest.raises(InvalidFieldElement):
        key.sign(P)


@PROFILE
@given(digest=u256)
def test_p256_parity_of_a_known_valid_signature_needs_one_recovery(digest: int) -> None:
    key = KEYS["secp256r1"]
    x = key.public_key[0]
    r, s = key.ecdsa(digest)
    for high_or_low in (s, R1_N - s):
        checked = curves.p256_normalise(digest, r, high_or_low, x)
        assert curves.p256_normalise(digest, r, high_or_low, x, known_valid=True) == checked
        assert checked[1] <= R1_N // 2
        assert curves.secp256r1_check(digest, x, *checked)
    assert key.sign_digest(digest) == Secp256Signature(*checked)
    with pytest.raises(InvalidSignature):  # unchecked, another digest is refused
        curves.p256_normalise(digest ^ 1, r, s, x)


def test_eip191_digest_is_personal_sign_of_the_32_bytes() -> None:
    data = (0xABC).to_bytes(32, "big")
    expected = crypto.keccak256(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode() + data)
    assert curves.eip191_digest(0xABC) == int.from_bytes(expected, "big")
    key = KEYS["eip191"]
    assert key.signer.guid == crypto.poseidon_hash(int.from_bytes(b"Eip191 Signer", "big"), key.address)


def test_secp256k1_address_is_the_ethereum_address() -> None:
    # The key of the Ethereum "web3.eth.accounts" documentation example.
    assert KEYS["secp256k1"].address == 0x2C7536E3605D9C16A7A3D7B1898E529396A65C23


# --------------------------------------------------------------------------- Serde round trips

def _secp_sig() -> st.SearchStrategy[Secp256Signature]:
    return st.builds(Secp256Signature, u256, u256, st.booleans())


def _webauthn_sig(version: AccountVersion) -> st.SearchStrategy[WebauthnSignature]:
    extra: tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]] = (st.just(None), st.just(None))
    if version is V4:
        extra = (st.booleans(), st.sampled_from([SHA256_CAIRO0, SHA256_CAIRO1]))
    return st.builds(WebauthnSignature, small_bytes, st.integers(0, 255), st.integers(0, 2**32 - 1), _secp_sig(),
                     *extra)


def signer_signatures(version: AccountVersion) -> st.SearchStrategy[SignerSignature]:
    return st.one_of(
        st.builds(SignerSignature, st.builds(StarknetSigner, st.integers(1, P - 1)),
                  st.builds(StarknetSignature, felt, felt)),
        st.builds(SignerSignature, st.builds(Secp256k1Signer, address), _secp_sig()),
        st.builds(SignerSignature, st.builds(Secp256r1Signer, nonzero_u256), _secp_sig()),
        st.builds(SignerSignature, st.builds(Eip191Signer, address), _secp_sig()),
        st.builds(SignerSignature, st.builds(WebauthnSigner, small_bytes, nonzero_u256, nonzero_u256),
                  _webauthn_sig(version)),
    )


@pytest.mark.parametrize("version", [V4, V5])
@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_signer_signature_round_trip(version: AccountVersion, data: st.DataObject) -> None:
    sig = data.draw(signer_signatures(version))
    tail = data.draw(st.lists(felt, max_size=3))
    felts = sig.encode(version)
    assert felts[0] == int(sig.kind) and felts == sig.to_felts()
    decoded, rest = SignerSignature.decode([*felts, *tail], version)
    assert decoded == sig and list(rest) == tail
    assert SignerSignature.read([9, *felts], 1, version) == (sig, len(felts) + 1)
    signer_felts = sig.signer.to_felts()
    assert Signer.from_felts(signer_felts) == sig.signer
    assert felts[: len(signer_felts)] == signer_felts


def test_webauthn_layout_is_per_version() -> None:
    sig4 = KEYS["webauthn-0.4.0"].sign(5)
    sig5 = KEYS["webauthn-0.5.0"].sign(5)
    assert len(sig4.encode(V4)) == len(sig5.encode(V5)) + 2 - len(b',"crossOrigin":false}')
    for sig, other in ((sig4, V5), (sig5, V4)):
        with pytest.raises(SignerError):
            sig.encode(other)
        with pytest.raises(SignerError):
            sig.is_valid_signature(5, other)
    # A 0.5.0 signature read as 0.4.0 is another value (or does not decode): the layouts differ.
    try:
        read, _ = SignerSignature.decode(sig5.encode(V5), V4)
    except SignerFormatError:
        pass
    else:
        assert read != sig5


def test_guids_follow_the_account() -> None:
    def tag(text: str) -> int:
        return int.from_bytes(text.encode(), "big")

    assert StarknetSigner(5).guid == crypto.poseidon_hash(tag("Starknet Signer"), 5)
    assert Secp256k1Signer(6).guid == crypto.poseidon_hash(tag("Secp256k1 Signer"), 6)
    assert Secp256r1Signer(2**200 + 7).guid == crypto.poseidon_hash_many([tag("Secp256r1 Signer"), 7, 2**72])
    assert WebauthnSigner(b"ab", 2**128, 3).guid == crypto.poseidon_hash_many(
        [tag("Webauthn Signer"), 2, 0x61, 0x62, 0, 1, 3, 0])


# --------------------------------------------------------------------------- deserialisation rules

@pytest.mark.parametrize("felts,panic", [
    ([1, 0], "argent/zero-pubkey-hash"),
    ([3, 0], "argent/zero-eth-EthAddress"),
    ([1, 2**160], None),            # EthAddress >= 2**160
    ([0, 0], None),                 # NonZero<felt252>
    ([2, 0, 0], None),              # NonZero<u256>
    ([2, 2**128, 0], None),         # u128 overflow
    ([4, 1, 256, 1, 0, 1, 0], None),  # u8 overflow in the origin
    ([4, 5, 1, 2], None),           # origin longer than the felts
    ([5, 1], None),                 # unknown variant
    ([2, 1], None),                 # felts run out
    ([], None),
])
def test_signer_deserialisation_failures(felts: list[int], panic: str | None) -> None:
    with pytest.raises(SignerFormatError) as info:
        Signer.from_felts(felts)
    assert info.value.panic == panic
    with pytest.raises(SignerFormatError) as info:
        SignerSignature.decode(felts, V5)
    assert info.value.panic == panic


def test_signer_signature_deserialisation_failures() -> None:
    good = KEYS["webauthn-0.4.0"].sign(9).encode(V4)
    with pytest.raises(SignerFormatError):  # unknown Sha256Implementation variant
        SignerSignature.decode([*good[:-1], 2], V4)
    with pytest.raises(SignerFormatError):
        SignerSignature.decode(good[:-1], V4)
    with pytest.raises(SignerFormatError):  # leftover felts are the caller's, but a Signer must be whole
        Signer.from_felts([0, 5, 6])
    with pytest.raises(InvalidFieldElement):
        SignerSignature.decode([0, P, 1, 2], V5)
    with pytest.raises(InvalidFieldElement):
        SignerSignature.decode([0, "5", 1, 2], V5)  # type: ignore[list-item]
    # bool is any non-zero felt
    k1 = KEYS["secp256k1"].sign(9).encode(V5)
    read, _ = SignerSignature.decode([*k1[:-1], 7], V5)
    assert _ec(read).y_parity is True


def test_value_ranges_are_checked() -> None:
    for make in (lambda: StarknetSigner(0), lambda: Secp256k1Signer(2**160), lambda: Secp256r1Signer(2**256),
                 lambda: WebauthnSigner("origin", 1, 1),  # type: ignore[arg-type]
                 lambda: Secp256Signature(2**256, 0, False),
                 lambda: Secp256Signature(1, 1, 1),  # type: ignore[arg-type]
                 lambda: StarknetSignature(P, 0),
                 lambda: WebauthnSignature(b"", 256, 0, Secp256Signature(1, 1, False)),
                 lambda: WebauthnSignature(b"", 5, 0, Secp256Signature(1, 1, False), True, None),
                 lambda: SignerSignature(StarknetSigner(1), Secp256Signature(1, 1, False))):
        with pytest.raises(SignerError):
            make()
    with pytest.raises(InvalidFieldElement):
        KEYS["secp256r1"].sign(P).verify(P, V5, invalid=INVALID)


# --------------------------------------------------------------------------- the account's checks

def test_stark_ranges_per_version() -> None:
    key = KEYS["stark"]
    sig = key.sign(123)
    assert isinstance(sig.signature, StarknetSignature)
    r, s = sig.signature.r, sig.signature.s
    big_s = dataclasses.replace(sig, signature=StarknetSignature(r, s + STARK_N)) if s + STARK_N < P else None
    at_n = dataclasses.replace(sig, signature=StarknetSignature(STARK_N, s))
    assert at_n.verify(123, V5, invalid=INVALID) == "argent/invalid-r-value"
    assert at_n.verify(123, V4, invalid=INVALID) == INVALID  # Cairo rejects r == n, no panic on 0.4.0
    s_at_n = dataclasses.replace(sig, signature=StarknetSignature(r, STARK_N))
    assert s_at_n.verify(123, V5, invalid=INVALID) == "argent/invalid-s-value"
    assert s_at_n.verify(123, V4, invalid=INVALID) == INVALID
    if big_s is not None:  # s counts modulo n on 0.4.0
        assert big_s.verify(123, V4, invalid=INVALID) is None
        assert big_s.verify(123, V5, invalid=INVALID) == "argent/invalid-s-value"


def test_stark_hash_counts_modulo_the_order() -> None:
    """Cairo multiplies G by the felt hash: a hash >= n acts as hash - n, and 2**251 <= hash < n is
    reached through the negated twin (the backends' verify wants hashes < 2**251)."""
    key = KEYS["stark"]
    small = 0x1234
    sig = key.sign(small)
    assert sig.verify(small + STARK_N, V4, invalid=INVALID) is None
    assert sig.verify(small + STARK_N + 1, V4, invalid=INVALID) == INVALID
    z1 = STARK_N - 2**251 - 5  # n - z1 lies in [2**251, n)
    sig1 = key.sign(z1)
    assert isinstance(sig1.signature, StarknetSignature)
    negated = dataclasses.replace(sig1, signature=StarknetSignature(sig1.signature.r, STARK_N - sig1.signature.s))
    assert 2**251 <= STARK_N - z1 < STARK_N
    assert negated.verify(STARK_N - z1, V4, invalid=INVALID) is None
    assert negated.verify(STARK_N - z1 - 1, V4, invalid=INVALID) == INVALID


def _first_non_x(is_x: Any, start: int) -> int:
    r = start
    while is_x(r):
        r += 1
    return r


def test_secp256k1_range_and_recovery_rules() -> None:
    sig = KEYS["secp256k1"].sign(42)
    ec = _ec(sig)
    for r in (0, K1_N):
        assert _with_ec(sig, Secp256Signature(r, ec.s, ec.y_parity)).verify(42, V5, invalid=INVALID) == INVALID
    assert _with_ec(sig, Secp256Signature(ec.r, 0, ec.y_parity)).verify(42, V5, invalid=INVALID) == INVALID
    # s >= n: the low-s assertion comes first.
    high = _with_ec(sig, Secp256Signature(ec.r, K1_N, ec.y_parity))
    assert high.verify(42, V5, invalid=INVALID) == "argent/malleable-signature"
    # An r that is no x coordinate: corelib unwraps the failed recovery.
    r = _first_non_x(curves._is_secp256k1_x, 5)
    no_point = _with_ec(sig, Secp256Signature(r, ec.s, ec.y_parity))
    assert no_point.verify(42, V4, invalid=INVALID) == "Option::unwrap failed."
    eip = KEYS["eip191"].sign(42)
    no_point = _with_ec(eip, Secp256Signature(r, _ec(eip).s, False))
    assert no_point.verify(42, V5, invalid=INVALID) == "Option::unwrap failed."


def test_secp256r1_range_and_recovery_rules() -> None:
    sig = KEYS["secp256r1"].sign(42)
    ec = _ec(sig)
    cases = {
        (0, ec.s): "argent/invalid-r-value",
        (R1_N, ec.s): "argent/invalid-r-value",
        (ec.r, 0): "argent/invalid-s-value",
        (ec.r, R1_N): "argent/invalid-s-value",
        (ec.r, R1_N - 1): "argent/malleable-signature",
    }
    for (r, s), error in cases.items():
        assert _with_ec(sig, Secp256Signature(r, s, ec.y_parity)).verify(42, V4, invalid=INVALID) == error

    def is_p256_x(x: int) -> bool:
        return curves.p256_recovered_x_is(1, x, 1, False, 1) is not None

    r = _first_non_x(is_p256_x, 5)
    no_point = _with_ec(sig, Secp256Signature(r, ec.s, False))
    assert no_point.verify(42, V5, invalid=INVALID) == "argent/invalid-sig-format"
    # The signer is the x coordinate: a signer with another x is not this key.
    other = dataclasses.replace(sig, signer=Secp256r1Signer(KEYS["secp256r1"].public_key[0] + 1))
    assert other.verify(42, V5, invalid=INVALID) == INVALID


@pytest.mark.parametrize("version", [V4, V5])
def test_webauthn_flags_and_outro(version: AccountVersion) -> None:
    sig = KEYS[f"webauthn-{version}"].sign(99)
    inner = sig.signature
    assert isinstance(inner, WebauthnSignature)
    flag_errors = ((0x04, "webauthn/nonpresent-user"), (0x01, "webauthn/unverified-user"),
                   (0x00, "webauthn/nonpresent-user"))
    for flags, error in flag_errors:
        changed = dataclasses.replace(sig, signature=dataclasses.replace(inner, flags=flags))
        assert changed.verify(99, version, invalid=INVALID) == error
    bad_outro = dataclasses.replace(sig, signature=dataclasses.replace(inner, client_data_json_outro=b"}"))
    assert bad_outro.verify(99, version, invalid=INVALID) == "webauthn/invalid-json-outro"
    # Extra flag bits (attested data, backup state...) and a sign count are legitimate but signed.
    changed = dataclasses.replace(sig, signature=dataclasses.replace(inner, flags=0x1D))
    assert changed.verify(99, version, invalid=INVALID) == INVALID


def test_webauthn_client_data_json() -> None:
    sig4, sig5 = KEYS["webauthn-0.4.0"].sign(0xABC), KEYS["webauthn-0.5.0"].sign(0xABC)
    assert isinstance(sig4.signature, WebauthnSignature) and isinstance(sig5.signature, WebauthnSignature)
    import base64
    import json
    for sig, challenge in ((sig4, (0xABC).to_bytes(32, "big") + b"\x01"), (sig5, (0xABC).to_bytes(32, "big"))):
        assert isinstance(sig.signature, WebauthnSignature) and isinstance(sig.signer, WebauthnSigner)
        data = json.loads(sig.signature.client_data_json(0xABC, sig.signer.origin))
        assert data == {"type": "webauthn.get", "origin": "https://app.example", "crossOrigin": False,
                        "challenge": base64.urlsafe_b64encode(challenge).decode().rstrip("=")}


def test_signer_panic_is_an_xsessions_error() -> None:
    assert issubclass(SignerPanic, XSessionsError)
    sig = KEYS["secp256r1"].sign(1)
    ec = _ec(sig)
    with pytest.raises(SignerPanic) as info:
        _with_ec(sig, Secp256Signature(0, ec.s, False)).is_valid_signature(1, V5)
    assert info.value.error == "argent/invalid-r-value"


# --------------------------------------------------------------------------- WebAuthn assertions

def _assertion(version: AccountVersion, msg_hash: int, *, json_tail: bytes = b',"crossOrigin":false}',
               cross_origin: bytes = b"", auth: bytes | None = None,
               order: bool = True) -> tuple[bytes, bytes, int, int]:
    """A browser-like assertion signed by the module's P-256 key: (authData, clientDataJSON, r, s)."""
    key = KEYS[f"webauthn-{version}"]
    signer = key.signer
    auth = auth if auth is not None else webauthn.authenticator_data(signer.rp_id_hash, 0x05, 3)
    challenge = webauthn.challenge(msg_hash, version, SHA256_CAIRO1).decode()
    fields = ['"type":"webauthn.get"', f'"challenge":"{challenge}"', '"origin":"https://app.example"']
    if not order:
        fields = [fields[1], fields[0], fields[2]]
    client_data = ("{" + ",".join(fields)).encode() + cross_origin + json_tail
    r, s = decode_dss_signature(key._p256.sign_der(webauthn.signed_digest(auth, client_data)))
    return auth, client_data, r, s


@pytest.mark.parametrize("version", [V4, V5])
def test_webauthn_from_assertion(version: AccountVersion) -> None:
    signer = KEYS[f"webauthn-{version}"].signer
    tails = [b"}", b',"crossOrigin":false}', b',"crossOrigin":false,"other_keys_can_be_added_here":"x"}']
    prefixes = [b',"crossOrigin":true', b',"crossOrigin":false'] if version is V4 else [b""]
    for tail in tails:
        for prefix in prefixes:
            auth, client_data, r, s = _assertion(version, 0x77, json_tail=tail, cross_origin=prefix)
            for s_given in (s, R1_N - s):  # a high s from the authenticator is normalised
                signature = WebauthnSignature.from_assertion(signer, version, auth, client_data, r, s_given, 0x77)
                assert signature.sign_count == 3 and signature.ec_signature.s <= curves.SECP256R1_HALF
                assert signature.client_data_json(0x77, signer.origin) == client_data
                sig = SignerSignature(signer, signature)
                assert sig.verify(0x77, version, invalid=INVALID) is None
                assert SignerSignature.decode(sig.encode(version), version)[0] == sig


@pytest.mark.parametrize("version", [V4, V5])
def test_webauthn_assertions_the_account_cannot_verify(version: AccountVersion) -> None:
    signer = KEYS[f"webauthn-{version}"].signer
    cross = b',"crossOrigin":false' if version is V4 else b""

    def build(**changes: Any) -> tuple[bytes, bytes, int, int]:
        changes.setdefault("cross_origin", cross)
        return _assertion(version, 0x77, **changes)

    bad = [
        build(auth=webauthn.authenticator_data(signer.rp_id_hash, 0x45, 0) + b"\xa0"),  # extension data
        build(auth=webauthn.authenticator_data(signer.rp_id_hash + 1, 0x05, 0)),      # another relying party
        build(order=False),                                                            # fields in another order
        build(json_tail=b' }'),                                                        # outro not starting with ','
    ]
    if version is V4:
        bad.append(build(cross_origin=b"", json_tail=b"}"))                            # no crossOrigin
    for auth, client_data, r, s in bad:
        with pytest.raises(SignerError):
            WebauthnSignature.from_assertion(signer, version, auth, client_data, r, s)
    auth, client_data, r, s = build()
    with pytest.raises(SignerError):
        WebauthnSignature.from_assertion(signer, version, auth, client_data, r, s, msg_hash=0x78)
    with pytest.raises(InvalidSignature):
        WebauthnSignature.from_assertion(signer, version, auth, client_data, r, (s * 3) % R1_N)
    with pytest.raises(InvalidSignature):
        WebauthnSignature.from_assertion(signer, version, auth, client_data, 0, s)


# --------------------------------------------------------------------------- differential recovery

class _P256Reference:
    """Textbook affine P-256 arithmetic in Python: the oracle for the OpenSSL rewrite of the
    account's public-key recovery (``recover_public_key::<Secp256r1Point>``)."""

    p = curves.SECP256R1_P
    n = R1_N
    b = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
    g = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
         0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)

    @classmethod
    def add(cls, a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
        if a is None:
            return b
        if b is None:
            return a
        p = cls.p
        if a[0] == b[0] and (a[1] + b[1]) % p == 0:
            return None
        if a == b:
            lam = (3 * a[0] * a[0] - 3) * pow(2 * a[1], -1, p) % p
        else:
            lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, p) % p
        x = (lam * lam - a[0] - b[0]) % p
        return x, (lam * (a[0] - x) - a[1]) % p

    @classmethod
    def mul(cls, k: int, pt: tuple[int, int] | None) -> tuple[int, int] | None:
        out = None
        while k:
            if k & 1:
                out = cls.add(out, pt)
            pt = cls.add(pt, pt)
            k >>= 1
        return out

    @classmethod
    def recover(cls, z: int, r: int, s: int, parity: bool) -> tuple[int, int] | None | str:
        """``-(z/r)·G + (s/r)·R``; ``"no point"`` if no point has x = r."""
        p, n = cls.p, cls.n
        y2 = (r * r * r - 3 * r + cls.b) % p
        y = pow(y2, (p + 1) // 4, p)
        if y * y % p != y2:
            return "no point"
        if y % 2 != parity:
            y = p - y
        r_inv = pow(r, -1, n)
        return cls.add(cls.mul((-z * r_inv) % n, cls.g), cls.mul(s * r_inv % n, (r, y)))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(z=u256, r=st.integers(1, R1_N - 1), s=st.integers(1, R1_N - 1), parity=st.booleans(), other=nonzero_u256)
def test_p256_recovery_matches_the_textbook(z: int, r: int, s: int, parity: bool, other: int) -> None:
    expected = _P256Reference.recover(z, r, s, parity)
    if expected == "no point":
        assert curves.p256_recovered_x_is(z, r, s, parity, other) is None
        return
    assert expected is None or isinstance(expected, tuple)
    if expected is not None:
        assert curves.p256_recovered_x_is(z, r, s, parity, expected[0]) is True
    recovered_x = None if expected is None else expected[0]
    assert curves.p256_recovered_x_is(z, r, s, parity, other) is (other == recovered_x)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(z=u256, r=st.integers(1, K1_N - 1), s=st.integers(1, curves.SECP256K1_HALF), parity=st.booleans())
def test_secp256k1_recovery_matches_eth_keys(z: int, r: int, s: int, parity: bool) -> None:
    """Against eth-keys' pure-Python backend (a starknet-py dependency): the recovered Ethereum address."""
    from eth_keys.backends.native.main import NativeECCBackend
    from eth_keys.exceptions import BadSignature
    from eth_keys.main import KeyAPI

    api = KeyAPI(NativeECCBackend)
    try:
        address = int.from_bytes(api.Signature(vrs=(int(parity), r, s)).recover_public_key_from_msg_hash(
            z.to_bytes(32, "big")).to_canonical_address(), "big")
    except BadSignature:
        if curves._is_secp256k1_x(r):
            assert curves.secp256k1_check(z, 1, r, s, parity) is False  # recovered at infinity
        else:
            with pytest.raises(SignerPanic, match="Option::unwrap failed."):
                curves.secp256k1_check(z, 1, r, s, parity)
        return
    assert curves.secp256k1_check(z, address, r, s, parity) is True
    assert curves.secp256k1_check(z, address ^ 1, r, s, parity) is False
