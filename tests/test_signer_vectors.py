"""The signer layer against the verdicts of the real Argent account classes (0.4.0 and 0.5.0).

Every case of ``contract_verdicts_signers.json`` and the Stark cases of ``contract_verdicts.json``
whose verdict is decided by signatures: the ``SignerSignature`` values are read from the
transaction's session token (and from its authorisation), the signed hashes are rebuilt from the
transaction (``token_message = poseidon([tx_hash_or_message_hash, session_hash, cache])``), and
the signer-level verdict — authorisation (owner, then guardian), session key identity and
signature, guardian signature, in the account's order — must be the case's verdict. Cases decided
by checks outside the signers (the concise authorisation form, expiry, proofs, cache state, fee
estimation...) are listed in ``VERIFIER_LEVEL`` and only their signatures are checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from conftest import h, load_vectors

from xsessions_core import crypto
from xsessions_core.encoding import encode_shortstring
from xsessions_core.signers import (
    Eip191Key,
    Secp256k1Key,
    Secp256r1Key,
    Secp256Signature,
    Signer,
    SignerSignature,
    SigningKey,
    StarknetSignature,
    StarknetSigner,
    WebauthnKey,
    WebauthnSignature,
    WebauthnSigner,
    curves,
    webauthn,
)
from xsessions_core.versions import AccountVersion

SIGNERS = load_vectors("contract_verdicts_signers.json")
STARK = load_vectors("contract_verdicts.json")
SESSION_MAGIC = encode_shortstring("session-token")

#: Kinds whose verdict comes from a check of the verifier, not of a signer.
VERIFIER_LEVEL = {
    "owner_secp256k1_auth_concise_form",  # argent/zero-pubkey (0.4.0), argent/no-single-stark-owner (0.5.0)
    "owner_webauthn_auth_concise_form",
}

#: Stark cases of contract_verdicts.json decided by a signature (or VALID with every signature valid).
STARK_SIGNATURE_KINDS = {
    "valid_calls_1", "valid_calls_2", "valid_calls_5", "valid_methods_n", "expiry_boundary",
    "cache_true_first_use", "cache_owner_guid", "outside_execution", "auth_wrong",
    "session_sig_tampered", "session_sig_other_tx", "guardian_sig_tampered",
}
_STARK_SIGNATURE_VERDICTS = {
    "VALID", "session/invalid-session-sig", "session/invalid-backend-sig", "argent/invalid-owner-sig",
    "session/invalid-account-sig",
}


def _stark_cases() -> list[dict[str, Any]]:
    out = []
    for case in STARK["cases"]:
        if case["kind"] not in STARK_SIGNATURE_KINDS or case["setup"] or case["query_version"]:
            continue
        if case["verdict"] in _STARK_SIGNATURE_VERDICTS:
            out.append(case)
    return out


def _invalid_auth(version: AccountVersion, part: str) -> str:
    if version is AccountVersion.V0_4_0:
        return "session/invalid-account-sig"
    return "argent/invalid-owner-sig" if part == "owner" else "argent/invalid-guardian-sig"


def _account_signer(record: dict[str, Any]) -> Signer:
    if "signer" in record:
        return Signer.from_felts([h(x) for x in record["signer"]])
    return StarknetSigner(h(record["public_key"]))


class Token:
    """The parts of a session-token signature the signers need, read with ``SignerSignature.read``."""

    def __init__(self, signature: Sequence[str], version: AccountVersion) -> None:
        felts = [h(x) for x in signature]
        assert felts[0] == SESSION_MAGIC
        self.session_key_guid = felts[4]
        flag = felts[5]
        self.cache_value = int(flag != 0) if version is AccountVersion.V0_4_0 else flag
        auth_len = felts[6]
        self.authorization = felts[7 : 7 + auth_len]
        self.session_signature, pos = SignerSignature.read(felts, 7 + auth_len, version)
        self.guardian_signature, _ = SignerSignature.read(felts, pos, version)

    def authorization_signatures(self, version: AccountVersion, owner: Signer,
                                 guardian: Signer) -> tuple[SignerSignature, SignerSignature] | None:
        """Owner and guardian ``SignerSignature`` of the authorisation (``None``: concise form with a
        non-Starknet owner, which only the verifier judges)."""
        auth = self.authorization
        if len(auth) == 4:
            if not isinstance(owner, StarknetSigner) or not isinstance(guardian, StarknetSigner):
                return None
            return (SignerSignature(owner, StarknetSignature(auth[0], auth[1])),
                    SignerSignature(guardian, StarknetSignature(auth[2], auth[3])))
        assert auth[0] == 2
        first, pos = SignerSignature.read(auth, 1, version)
        second, pos = SignerSignature.read(auth, pos, version)
        assert pos == len(auth)
        return first, second


def signer_verdict(case: dict[str, Any]) -> tuple[str | None, bool]:
    """The verdict of the signer checks of ``case`` in the account's order (``None`` = all valid) and
    whether the authorisation could be judged at signer level."""
    version = AccountVersion.parse(case["account"]["class_version"])
    tx = case["transaction"]
    token = Token(tx["signature"], version)
    session_hash = h(case["session_hash"])
    signed = h(tx["transaction_hash"] if tx["kind"] == "invoke_v3" else tx["message_hash"])
    token_message = crypto.poseidon_hash_many([signed, session_hash, token.cache_value])
    if "signature_details" in case:
        assert token_message == h(case["signature_details"]["token_message"])

    owner = _account_signer(case["account"]["owner"])
    guardian = _account_signer(case["account"]["guardian"])
    verdicts: list[str | None] = []
    auth = token.authorization_signatures(version, owner, guardian)
    if auth is not None:
        for part, expected, sig in (("owner", owner, auth[0]), ("guardian", guardian, auth[1])):
            if sig.guid != expected.guid:
                verdicts.append(_invalid_auth(version, part))
            else:
                verdicts.append(sig.verify(session_hash, version, invalid=_invalid_auth(version, part)))
    if token.session_signature.guid != token.session_key_guid:
        verdicts.append("session/session-key-mismatch")
    else:
        verdicts.append(token.session_signature.verify(token_message, version, invalid="session/invalid-session-sig"))
    assert token.guardian_signature.guid == guardian.guid
    verdicts.append(token.guardian_signature.verify(token_message, version, invalid="session/invalid-backend-sig"))
    return next((v for v in verdicts if v is not None), None), auth is not None


@pytest.mark.parametrize("case", SIGNERS["cases"], ids=[c["id"] + "-" + c["kind"] for c in SIGNERS["cases"]])
def test_signer_vector_verdict(case: dict[str, Any]) -> None:
    verdict, judged_auth = signer_verdict(case)
    if case["kind"] in VERIFIER_LEVEL:
        assert not judged_auth and verdict is None
        assert case["verdict"] != "VALID"
    else:
        assert judged_auth
        assert (verdict or "VALID") == case["verdict"]


@pytest.mark.parametrize("case", SIGNERS["cases"], ids=[c["id"] for c in SIGNERS["cases"]])
def test_signer_vector_serde(case: dict[str, Any]) -> None:
    """Every recorded ``serde`` decodes, re-encodes byte for byte, and names the recorded signer."""
    version = case["account"]["class_version"]
    details = case["signature_details"]
    pieces = [details["session_signature"]]
    if details["authorization"]["form"] == "full":
        pieces.append(details["authorization"]["owner"])
    for piece in pieces:
        felts = [h(x) for x in piece["serde"]]
        sig, rest = SignerSignature.decode([*felts, 7, 8], version)
        assert list(rest) == [7, 8]
        assert sig.encode(version) == felts
        if "r" in piece and "y_parity" in piece:
            ec = sig.signature.ec_signature if isinstance(sig.signature, WebauthnSignature) else sig.signature
            assert isinstance(ec, Secp256Signature)
            assert (ec.r, ec.s, ec.y_parity) == (h(piece["r"]), h(piece["s"]), piece["y_parity"])
    key = case["session_key"]
    if "signer" in key:
        signer = Signer.from_felts([h(x) for x in key["signer"]])
        assert signer.to_felts() == [h(x) for x in key["signer"]]
        assert signer.guid == h(key["guid"])
    owner = case["account"]["owner"]
    assert Signer.from_felts([h(x) for x in owner["signer"]]).guid == h(owner["guid"])


@pytest.mark.parametrize("case", _stark_cases(), ids=[c["id"] + "-" + c["kind"] for c in _stark_cases()])
def test_stark_vector_verdict(case: dict[str, Any]) -> None:
    verdict, judged_auth = signer_verdict(case)
    assert judged_auth
    assert (verdict or "VALID") == case["verdict"]


def test_stark_selection_covers_every_signature_verdict() -> None:
    """The Stark selection is not empty and has each signature verdict of both versions."""
    seen = {(c["verdict"], c["account"]["class_version"]) for c in _stark_cases()}
    assert {("VALID", "0.4.0"), ("VALID", "0.5.0"), ("session/invalid-session-sig", "0.4.0"),
            ("session/invalid-session-sig", "0.5.0"), ("session/invalid-backend-sig", "0.4.0"),
            ("argent/invalid-owner-sig", "0.5.0"), ("session/invalid-account-sig", "0.4.0")} <= seen


def _key(record: dict[str, Any]) -> SigningKey:
    kind, secret = record["type"], h(record["private_key"])
    if kind == "secp256k1":
        return Secp256k1Key(secret)
    if kind == "eip191":
        return Eip191Key(secret)
    if kind == "secp256r1":
        return Secp256r1Key(secret)
    assert kind == "webauthn"
    return WebauthnKey(secret, record["origin"], record["rp_id"], record["signature_layout"])


def _signed_pieces(case: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``(signer record, signature details)`` of the non-Starknet signatures a case made untouched."""
    details = case["signature_details"]
    out = []
    if case["account"]["owner"]["type"] != "starknet" and details["authorization"]["form"] == "full":
        out.append((case["account"]["owner"], details["authorization"]["owner"]))
    if case["session_key"]["type"] != "starknet":
        out.append((case["session_key"], details["session_signature"]))
    return out


UNTOUCHED = [c for c in SIGNERS["cases"] if c["altered"] is None]


@pytest.mark.parametrize("case", UNTOUCHED, ids=[c["id"] + "-" + c["kind"] for c in UNTOUCHED])
def test_our_keys_reproduce_the_vector_signatures(case: dict[str, Any]) -> None:
    """The vectors were signed with coincurve and OpenSSL (RFC 6979): our keys give the same felts,
    so the digest, the low-s normalisation, y_parity and the WebAuthn assertion are the same."""
    version = case["account"]["class_version"]
    pieces = _signed_pieces(case)
    assert pieces
    for record, piece in pieces:
        key = _key(record)
        assert key.signer.guid == h(record["guid"])
        sig = key.sign(h(piece["signed_hash"]))
        assert sig.encode(version) == [h(x) for x in piece["serde"]]


@pytest.mark.parametrize("case", SIGNERS["cases"], ids=[c["id"] for c in SIGNERS["cases"]])
def test_rebuilt_digests_match_the_vectors(case: dict[str, Any]) -> None:
    """What each kind signs: the raw hash (Secp256k1, Secp256r1), the EIP-191 digest, and the
    WebAuthn authenticatorData / clientDataJSON / assertion digest, as recorded."""
    version = AccountVersion.parse(case["account"]["class_version"])
    for record, piece in _signed_pieces(case):
        sig, _ = SignerSignature.decode([h(x) for x in piece["serde"]], version)
        signed = h(piece["signed_hash"])
        if record["type"] == "eip191":
            assert curves.eip191_digest(signed) == h(piece["ecdsa_digest"])
        elif record["type"] == "webauthn":
            inner, signer = sig.signature, sig.signer
            assert isinstance(inner, WebauthnSignature) and isinstance(signer, WebauthnSigner)
            if inner.client_data_json_outro[:1] not in (b"", b","):
                continue  # the bad-outro case: the account panics before hashing
            assert inner.client_data_json(signed, signer.origin).decode() == piece["client_data_json"]
            auth = webauthn.authenticator_data(signer.rp_id_hash, inner.flags, inner.sign_count)
            assert "0x" + auth.hex() == piece["authenticator_data"]
            assert inner.digest(signed, signer) == h(piece["ecdsa_digest"])
        else:
            assert signed == h(piece["ecdsa_digest"])
