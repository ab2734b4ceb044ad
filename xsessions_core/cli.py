"""``xsessions`` command line: keys, session requests, inspection, bulk signing, offline verification.

JSON in, JSON out. ``-`` reads stdin. Exit codes: 0 ok, 1 verification failed / invalid input
object, 2 usage or input error. Errors are one line on stderr (``xsessions: error: ...``); private
keys are printed only by ``keygen`` (whose purpose is to create one).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator, NoReturn, Sequence

from . import crypto
from .encoding import to_hex
from .errors import XSessionsError

__all__ = ["main"]

PROG = "xsessions"


class _UsageError(Exception):
    pass


def _private_key(value: object, name: str) -> int:
    """Parse a private key (int, hex or decimal string) without ever echoing it in an error."""
    try:
        key = value if isinstance(value, int) and not isinstance(value, bool) else int(str(value), 0)
    except ValueError:
        key = None
    if key is None or not 1 <= key < crypto.EC_ORDER:
        raise _UsageError(f"{name} is not a valid private key (an int or hex string in [1, n))")
    return key


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {message} (see --help)\n")
        raise SystemExit(2)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


# --------------------------------------------------------------------------- I/O helpers

#: Largest JSON document accepted by ``session inspect`` and the small-object commands.
MAX_OBJECT_BYTES = 1 << 20
#: Largest JSON document accepted by the bulk commands (``sign``, ``verify``).
MAX_BULK_BYTES = 256 << 20


def _read_json(path: str, max_bytes: int = MAX_OBJECT_BYTES) -> Any:
    try:
        if path == "-":
            text = sys.stdin.read(max_bytes + 1)
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _UsageError(f"{'stdin' if path == '-' else path} is not UTF-8 text") from None
    if len(text) > max_bytes:
        raise _UsageError(f"{'stdin' if path == '-' else path} is larger than the limit of {max_bytes} bytes")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _UsageError(f"{'stdin' if path == '-' else path} is not valid JSON: {exc.msg} "
                          f"(line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _UsageError(f"{'stdin' if path == '-' else path} is nested too deeply") from None


def _invalid(reason: str) -> int:
    """Exit code 1 (invalid object / rejected transaction) with its reason as one line on stderr."""
    sys.stderr.write(f"{PROG}: invalid: {' '.join(reason.split())}\n")
    return 1


def _emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2) + "\n")


def _emit_line(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")


def _need(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise _UsageError(f"{where} must be a JSON object")
    if key not in obj:
        raise _UsageError(f"{where} is missing {key!r}")
    return obj[key]


@contextmanager
def _progress(total: int, label: str) -> Iterator[Any]:
    """A rich progress bar on stderr when it is a terminal; yields ``advance(n)``."""
    if not sys.stderr.isatty() or total < 1:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _chunks(items: Sequence[Any], size: int = 256) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --------------------------------------------------------------------------- keygen

def _cmd_keygen(args: argparse.Namespace) -> int:
    from .sessions.objects import SessionKey

    key = SessionKey.generate()
    _emit(key.to_dict(include_private_key=True))
    return 0


# --------------------------------------------------------------------------- session request / inspect

def _parse_method(text: str) -> dict[str, str]:
    address, sep, name = text.partition(":")
    if not sep or not address or not name:
        raise _UsageError(f"--method must be CONTRACT_ADDRESS:FUNCTION_NAME, got {text!r}")
    return {"Contract Address": address, "selector": name}


def _cmd_session_request(args: argparse.Namespace) -> int:
    from .sessions.session import create_offchain_session, get_session_typed_data

    spec: dict[str, Any] = _read_json(args.json) if args.json else {}
    if not isinstance(spec, dict):
        raise _UsageError("the --json request must be a JSON object")
    chain_id = args.chain_id or spec.get("chain_id")
    public_key = args.public_key or spec.get("session_public_key")
    if args.key_file:
        public_key = _need(_read_json(args.key_file), "publicKey", "the key file")
    methods = [_parse_method(m) for m in args.method] or spec.get("allowed_methods") or []
    expires_in = args.expires_in if args.expires_in is not None else spec.get("expires_in")
    expires_at = spec.get("expires_at")
    if expires_in is not None:
        expires_at = int(time.time()) + int(expires_in)
    metadata = json.loads(args.metadata) if args.metadata else spec.get(
        "metadata", {"projectID": spec.get("project_id", "xsessions"), "txFees": []})
    for name, value in (("chain id", chain_id), ("session public key", public_key), ("expiry", expires_at)):
        if value is None:
            raise _UsageError(f"missing {name} (see --help)")
    if not methods:
        raise _UsageError("at least one allowed method is needed (--method ADDRESS:NAME)")
    off = create_offchain_session(methods, expires_at, metadata, public_key if isinstance(public_key, int)
                                  else int(str(public_key), 0))
    _emit(get_session_typed_data(off, chain_id))
    return 0


def _inspect_signature(signature: list[Any], version: str) -> int:
    from .relayer.token import SessionTokenError, decode_session_token

    try:
        felts = [v if isinstance(v, int) else int(str(v), 0) for v in signature]
    except ValueError:
        raise _UsageError("the signature must be a list of hex/decimal felts") from None
    out: dict[str, Any] = {"kind": "session-token signature", "length": len(felts), "account_version": version}
    try:
        token = decode_session_token(felts, account_version=version)
    except SessionTokenError as exc:
        out.update(valid=False, contract_error=exc.contract_error, offset=exc.offset, problem=str(exc))
        _emit(out)
        return _invalid(str(exc))
    s = token.session
    out.update(
        valid=True,
        session={"expires_at": s.expires_at, "expires_at_utc": _utc(s.expires_at),
                 "allowed_methods_root": to_hex(s.allowed_methods_root),
                 "metadata_hash": to_hex(s.metadata_hash), "session_key_guid": to_hex(s.session_key_guid)},
        cache_flag=to_hex(token.cache_flag),
        session_authorization=[to_hex(v) for v in token.session_authorization],
        session_signature=_signer_json(token.session_signature),
        guardian_signature=_signer_json(token.guardian_signature),
        proofs=[[to_hex(v) for v in p] for p in token.proofs],
    )
    problems = []
    if token.session_signature.guid != s.session_key_guid:
        problems.append("the session signature's signer is not the session key (session/session-key-mismatch)")
    if s.expires_at < time.time():
        problems.append("the session has expired")
    out["problems"] = problems
    _emit(out)
    return _invalid("; ".join(problems)) if problems else 0


def _signer_json(sig: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"variant": sig.variant_name, "guid": to_hex(sig.guid)}
    if sig.is_starknet:
        d.update(public_key=to_hex(sig.signer[0]), r=to_hex(sig.signature[0]), s=to_hex(sig.signature[1]))
    else:
        d.update(signer=[to_hex(v) for v in sig.signer], signature=[to_hex(v) for v in sig.signature])
    return d


def _utc(ts: int) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return "out of range"


def _inspect_session(obj: dict[str, Any]) -> int:
    from .sessions.objects import Session
    from .sessions.session import compile_session, session_hash_from_onchain, starknet_signer_guid

    session = Session.from_dict(obj)
    onchain = compile_session(session)
    computed = session_hash_from_onchain(onchain, session.address, session.chain_id)
    problems = []
    if computed != session.hash:
        problems.append(f"hash {to_hex(session.hash)} is not the hash of the fields ({to_hex(computed)})")
    if session.session_key is not None and starknet_signer_guid(session.session_key.public_key) != session.session_key_guid:
        problems.append("sessionKey does not match sessionKeyGuid")
    if session.expires_at < time.time():
        problems.append("the session has expired")
    if len(session.authorization_signature) not in (2, 4) and len(session.authorization_signature) < 5:
        problems.append("authorisationSignature has an unusual length")
    _emit({
        "kind": "session",
        "address": session.address_hex,
        "chain_id": to_hex(session.chain_id),
        "hash": to_hex(session.hash),
        "expires_at": session.expires_at,
        "expires_at_utc": _utc(session.expires_at),
        "allowed_methods": [m.to_dict() for m in session.allowed_methods],
        "metadata": session.metadata,
        "session_key_guid": to_hex(session.session_key_guid),
        "session_public_key": to_hex(session.session_key.public_key) if session.session_key else None,
        "authorisation_signature": [to_hex(v) for v in session.authorization_signature],
        "onchain_session": onchain.to_dict(),
        "problems": problems,
    })
    return _invalid("; ".join(problems)) if problems else 0


def _cmd_session_inspect(args: argparse.Namespace) -> int:
    obj = _read_json(args.file)
    if isinstance(obj, dict) and "signature" in obj and "authorisationSignature" not in obj:
        obj = obj["signature"]
    if isinstance(obj, list):
        return _inspect_signature(obj, args.account_version)
    if isinstance(obj, dict):
        return _inspect_session(obj)
    raise _UsageError("expected a session JSON object or a signature array")


# --------------------------------------------------------------------------- sign

def _signer_from(spec: dict[str, Any]) -> Any:
    from .relayer.batch import SessionSigner
    from .sessions.objects import Session

    session = Session.from_dict(_need(spec, "session", "the input"))
    if session.session_key is None:
        raise _UsageError("session.sessionKey.privateKey is needed to sign")
    guardian = _private_key(_need(spec, "guardian_private_key", "the input"), "guardian_private_key")
    version = str(spec.get("account_version", "0.4"))
    owner_guid = spec.get("owner_guid")
    return SessionSigner(session, None, guardian, cache_authorization=bool(spec.get("cache_authorization", False)),
                         account_version=version[:3],
                         owner_guid=None if owner_guid is None else int(str(owner_guid), 0))


def _broadcast(tx: dict[str, Any], calldata: list[int], signature: list[int], tx_hash: int,
               sender: int) -> dict[str, Any]:
    rb = tx["resource_bounds"]
    return {
        "type": "INVOKE",
        "version": to_hex(int(str(tx.get("version", 3)), 0)),
        "sender_address": to_hex(int(str(tx.get("sender_address", sender)), 0)),
        "calldata": [to_hex(v) for v in calldata],
        "signature": [to_hex(v) for v in signature],
        "nonce": to_hex(int(str(tx["nonce"]), 0)),
        "resource_bounds": rb,
        "tip": to_hex(int(str(tx.get("tip", 0)), 0)),
        "paymaster_data": [to_hex(int(str(v), 0)) for v in tx.get("paymaster_data", [])],
        "account_deployment_data": [to_hex(int(str(v), 0)) for v in tx.get("account_deployment_data", [])],
        "nonce_data_availability_mode": tx.get("nonce_data_availability_mode", "L1"),
        "fee_data_availability_mode": tx.get("fee_data_availability_mode", "L1"),
        "transaction_hash": to_hex(tx_hash),
    }


def _cmd_sign(args: argparse.Namespace) -> int:
    from .transactions import get_execute_calldata

    spec = _read_json(args.file, MAX_BULK_BYTES)
    signer = _signer_from(spec)
    txs = _need(spec, "transactions", "the input")
    if not isinstance(txs, list) or not all(isinstance(t, dict) for t in txs):
        raise _UsageError("'transactions' must be a list of objects")
    session = signer.session
    with _progress(len(txs), "signing") as advance:
        for chunk in _chunks(txs):
            signed = signer.sign_transactions_with_hashes(chunk, now=spec.get("block_timestamp"))
            for tx, (h, sig) in zip(chunk, signed):
                calldata = get_execute_calldata(tx["calls"]) if "calls" in tx else [int(str(v), 0) for v in tx["calldata"]]
                _emit_line(_broadcast(tx, calldata, sig, h, session.address))
            advance(len(chunk))
    return 0


# --------------------------------------------------------------------------- verify

def _account_from(obj: Any) -> Any:
    from .relayer.verify import AccountInfo

    a = obj if isinstance(obj, dict) else {}
    return AccountInfo(
        address=_need(a, "address", "account"),
        class_version=str(a.get("class_version", "0.4.0")),
        owner_public_key=_need(a, "owner_public_key", "account"),
        guardian_public_key=a.get("guardian_public_key"),
        guardian_backup_public_key=a.get("guardian_backup_public_key"),
    )


def _state_from(obj: Any) -> Any:
    from .relayer.verify import AccountState

    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise _UsageError("'state' must be an object")
    cache = {}
    for entry in obj.get("session_cache", []):
        cache[(_need(entry, "owner_guid", "session_cache[]"), _need(entry, "guardian_guid", "session_cache[]"),
               _need(entry, "session_hash", "session_cache[]"))] = _need(entry, "authorization_len", "session_cache[]")
    return AccountState(frozenset(obj.get("revoked_sessions", [])), cache,
                        frozenset(obj.get("used_outside_nonces", [])))


def _cmd_verify(args: argparse.Namespace) -> int:
    from .relayer.batch import verify_outside_executions_batch, verify_session_transactions_batch

    spec = _read_json(args.file, MAX_BULK_BYTES)
    account = _account_from(_need(spec, "account", "the input"))
    common = dict(account=account, chain_id=_need(spec, "chain_id", "the input"),
                  block_timestamp=int(args.timestamp if args.timestamp is not None else spec.get("block_timestamp", time.time())),
                  state=_state_from(spec.get("state")))
    txs = spec.get("transactions", [])
    oes = spec.get("outside_executions", [])
    if not isinstance(txs, list) or not isinstance(oes, list):
        raise _UsageError("'transactions' and 'outside_executions' must be lists")
    if not txs and not oes:
        raise _UsageError("nothing to verify: give 'transactions' and/or 'outside_executions'")
    rejected = 0
    with _progress(len(txs) + len(oes), "verifying") as advance:
        index = 0
        for chunk in _chunks(txs):
            for v in verify_session_transactions_batch(chunk, **common):  # type: ignore[arg-type]
                _emit_line({"index": index, "kind": "invoke_v3", **v.to_json()})
                rejected += not v.valid
                index += 1
            advance(len(chunk))
        for chunk in _chunks(oes):
            for v in verify_outside_executions_batch(chunk, **common):  # type: ignore[arg-type]
                _emit_line({"index": index, "kind": "outside_execution_v2", **v.to_json()})
                rejected += not v.valid
                index += 1
            advance(len(chunk))
    return _invalid(f"{rejected} of {len(txs) + len(oes)} rejected (verdicts on stdout)") if rejected else 0


# --------------------------------------------------------------------------- demo

def _cmd_demo(args: argparse.Namespace) -> int:
    from .relayer import AccountInfo, SessionSigner, verify_session_transactions_batch
    from .relayer.verify import clear_caches
    from .sessions.objects import SessionKey
    from .sessions.session import compile_session, create_session, create_session_request, session_hash_from_onchain

    n = args.n
    if n < 1:
        raise _UsageError("-n must be at least 1")
    chain_id = 0x534E5F5345504F4C4941  # SN_SEPOLIA
    err = sys.stderr
    err.write(f"backend: {crypto.BACKEND}\n")
    t0 = time.perf_counter()
    owner, guardian, session_key = SessionKey.generate(), SessionKey.generate(), SessionKey.generate()
    account = 0x4DDBEEDDF59DB91EB3A68028ABC6038B8F3F1472EB3A75A870A8223FBCA188
    token = 0x4718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D
    dex = 0x9391BE9BFC6AD5F72F7EED2788A467C7BAD1400E098229CDB00E1B13F915
    methods = [{"Contract Address": to_hex(token), "selector": "approve"},
               {"Contract Address": to_hex(dex), "selector": "swap"},
               {"Contract Address": to_hex(dex), "selector": "stake"}]
    expires_at = int(time.time()) + 24 * 3600
    request = create_session_request(chain_id, session_key, methods, expires_at,
                                     {"projectID": "xsessions-demo", "txFees": []})
    session_hash = session_hash_from_onchain(compile_session(request.offchain_session), account, chain_id)
    auth = [*crypto.message_signature(session_hash, owner.private_key),
            *crypto.message_signature(session_hash, guardian.private_key)]
    session = create_session(account, auth, request, chain_id)
    signer = SessionSigner(session, None, guardian.private_key)
    t_setup = time.perf_counter() - t0
    err.write(f"session {to_hex(session.hash)} authorised by owner {to_hex(owner.public_key)[:12]}… "
              f"and guardian {to_hex(guardian.public_key)[:12]}… ({t_setup * 1000:.1f} ms)\n")
    bounds = {"l1_gas": {"max_amount": "0x0", "max_price_per_unit": "0x0"},
              "l2_gas": {"max_amount": "0x1000000", "max_price_per_unit": "0x3b9aca00"},
              "l1_data_gas": {"max_amount": "0x400", "max_price_per_unit": "0x5f5e100"}}
    txs = [{"calls": [{"contractAddress": to_hex(token), "entrypoint": "approve", "calldata": [to_hex(dex), i, 0]},
                      {"contractAddress": to_hex(dex), "entrypoint": "swap", "calldata": [i, 1]},
                      {"contractAddress": to_hex(dex), "entrypoint": "stake", "calldata": [i]}],
            "nonce": i, "resource_bounds": bounds} for i in range(n)]
    signed: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    with _progress(n, "signing") as advance:
        for chunk in _chunks(txs, 500):
            for tx, sig in zip(chunk, signer.sign_transactions(chunk)):
                signed.append({**tx, "sender_address": account, "signature": sig})
            advance(len(chunk))
    t_sign = time.perf_counter() - t0
    from .transactions import get_execute_calldata
    for tx in signed:
        tx["calldata"] = get_execute_calldata(tx.pop("calls"))
    info = AccountInfo(account, "0.4.0", owner.public_key, guardian.public_key)
    clear_caches()
    verdicts = []
    now = int(time.time())
    t0 = time.perf_counter()
    with _progress(n, "verifying") as advance:
        for chunk in _chunks(signed, 500):
            verdicts += verify_session_transactions_batch(chunk, account=info, chain_id=chain_id, block_timestamp=now)
            advance(len(chunk))
    t_verify = time.perf_counter() - t0
    valid = sum(v.valid for v in verdicts)
    _emit({
        "backend": crypto.BACKEND,
        "transactions": n,
        "calls_per_transaction": 3,
        "session_hash": to_hex(session.hash),
        "sign_seconds": round(t_sign, 4),
        "sign_per_second": round(n / t_sign, 1),
        "verify_seconds": round(t_verify, 4),
        "verify_per_second": round(n / t_verify, 1),
        "valid": valid,
        "invalid": n - valid,
    })
    return 0 if valid == n else 1


# --------------------------------------------------------------------------- bench

def _rate(fn: Any, per_call: int, seconds: float) -> float:
    """Operations per second of ``fn`` (which does ``per_call`` operations), over ~``seconds``."""
    fn()  # warm-up (caches, imports)
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * per_call / elapsed


def _bench_ops(seconds: float) -> dict[str, float]:
    from .relayer import AccountInfo, SessionSigner, verify_session_transactions_batch
    from .relayer.verify import clear_caches
    from .sessions.objects import SessionKey
    from .sessions.session import compile_session, create_session, create_session_request, session_hash_from_onchain
    from .transactions import get_execute_calldata

    key = 0x1234567890ABCDEF1234567890ABCDEF
    pub = crypto.private_to_stark_key(key)
    z = 0x5F8F3D4CC5B0EC21E8F8A5E2F36B3E1D2E4E1B0C8D9A7E6F5A4B3C2D1E0F1A2
    sig = crypto.message_signature(z, key)
    ops = {
        "pedersen": _rate(lambda: crypto.pedersen_hash(z, pub), 1, seconds),
        "poseidon_many(10)": _rate(lambda: crypto.poseidon_hash_many([z] * 10), 1, seconds),
        "ecdsa sign": _rate(lambda: crypto.message_signature(z, key), 1, seconds),
        "ecdsa verify": _rate(lambda: crypto.verify_message_signature(z, sig, pub), 1, seconds),
    }
    chain, account = 0x534E5F5345504F4C4941, 0x4DDBEEDDF59DB91EB3A68028ABC6038B8F3F1472EB3A75A870A8223FBCA188
    owner, guardian, skey = SessionKey(key), SessionKey(key + 1), SessionKey(key + 2)
    request = create_session_request(chain, skey, [{"Contract Address": hex(account + 1), "selector": "swap"}],
                                     2_000_000_000, {"projectID": "bench", "txFees": []})
    h = session_hash_from_onchain(compile_session(request.offchain_session), account, chain)
    session = create_session(account, [*crypto.message_signature(h, owner.private_key),
                                       *crypto.message_signature(h, guardian.private_key)], request, chain)
    signer = SessionSigner(session, None, guardian.private_key)
    bounds = {"l1_gas": {"max_amount": 0, "max_price_per_unit": 0}, "l2_gas": {"max_amount": 10**6,
              "max_price_per_unit": 10**9}, "l1_data_gas": {"max_amount": 0, "max_price_per_unit": 0}}
    calls = [{"contractAddress": hex(account + 1), "entrypoint": "swap", "calldata": [1, 2]}] * 3
    txs = [{"calls": calls, "nonce": i, "resource_bounds": bounds} for i in range(20)]
    ops["session sign (3 calls)"] = _rate(lambda: signer.sign_transactions(txs), len(txs), seconds)
    signed = [{"sender_address": account, "calldata": get_execute_calldata(calls), "nonce": i, "resource_bounds": bounds,
               "signature": s} for i, s in enumerate(signer.sign_transactions(txs))]
    info = AccountInfo(account, "0.4.0", owner.public_key, guardian.public_key)
    clear_caches()
    ops["session verify (3 calls)"] = _rate(
        lambda: verify_session_transactions_batch(signed, account=info, chain_id=chain, block_timestamp=1_900_000_000),
        len(signed), seconds)
    return ops


def _bench_starknet_py(seconds: float) -> dict[str, float]:
    from poseidon_py.poseidon_hash import poseidon_hash_many  # what starknet-py 0.30 uses
    from starknet_py.hash.utils import message_signature, pedersen_hash, private_to_stark_key, verify_message_signature

    key = 0x1234567890ABCDEF1234567890ABCDEF
    pub = private_to_stark_key(key)
    z = 0x5F8F3D4CC5B0EC21E8F8A5E2F36B3E1D2E4E1B0C8D9A7E6F5A4B3C2D1E0F1A2
    sig = message_signature(z, key)
    return {
        "pedersen": _rate(lambda: pedersen_hash(z, pub), 1, seconds),
        "poseidon_many(10)": _rate(lambda: poseidon_hash_many([z] * 10), 1, seconds),
        "ecdsa sign": _rate(lambda: message_signature(z, key), 1, seconds),
        "ecdsa verify": _rate(lambda: verify_message_signature(z, list(sig), pub), 1, seconds),
    }


def _cmd_bench(args: argparse.Namespace) -> int:
    import warnings

    from rich.console import Console
    from rich.table import Table

    if args.seconds <= 0:
        raise _UsageError("--seconds must be positive")
    previous = crypto.BACKEND
    results: dict[str, dict[str, float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # python backend signing warning
        for name in crypto.available_backends():
            crypto.use_backend(name)
            results[name] = _bench_ops(args.seconds)
    crypto.use_backend(previous)
    results["starknet-py"] = _bench_starknet_py(args.seconds)
    table = Table(title="operations per second (higher is better)")
    table.add_column("operation")
    for name in results:
        table.add_column(name, justify="right")
    base = "native" if "native" in results else "python"
    others = [n for n in results if n != base]
    for name in others:
        table.add_column(f"{base} / {name}", justify="right")
    for op in results[base]:
        row = [op] + [f"{results[n][op]:,.0f}" if op in results[n] else "-" for n in results]
        row += [f"{results[base][op] / results[n][op]:.1f}x" if op in results[n] else "-" for n in others]
        table.add_row(*row)
    Console().print(table)
    return 0


# --------------------------------------------------------------------------- parser

_SIGN_HELP = """\
input (JSON object, FILE or - for stdin):
  {"session": <x-sessions Session JSON with sessionKey.privateKey>,
   "guardian_private_key": "0x...",
   "account_version": "0.4" | "0.5"            (optional, default "0.4"),
   "cache_authorization": false                (optional),
   "owner_guid": "0x..."                       (0.5 + caching only),
   "block_timestamp": 1789856142               (optional: the session must not have expired by then;
                                                default now),
   "transactions": [
     {"calls": [{"contractAddress": "0x..", "entrypoint": "transfer", "calldata": ["0x1", ...]}],
      "nonce": "0x1",
      "resource_bounds": {"l1_gas": {"max_amount": "0x..", "max_price_per_unit": "0x.."},
                          "l2_gas": {...}, "l1_data_gas": {...}},
      "tip": "0x0", "version": "0x3", ...}, ...]}
output: one JSON line per transaction: the JSON-RPC broadcast invoke v3 (with signature and
transaction_hash)."""

_VERIFY_HELP = """\
input (JSON object, FILE or - for stdin):
  {"account": {"address": "0x..", "class_version": "0.4.0" | "0.5.0", "owner_public_key": "0x..",
               "guardian_public_key": "0x.." | null, "guardian_backup_public_key": "0x.." | null},
   "chain_id": "0x534e5f5345504f4c4941",
   "block_timestamp": 1789856142,
   "state": {"revoked_sessions": ["0x.."], "used_outside_nonces": ["0x.."],
             "session_cache": [{"owner_guid": "0x..", "guardian_guid": "0x..", "session_hash": "0x..",
                                "authorization_len": 4}]}                          (optional),
   "transactions": [<broadcast invoke v3: sender_address, calldata, version, signature, nonce,
                     resource_bounds, tip, paymaster_data, account_deployment_data,
                     nonce_data_availability_mode, fee_data_availability_mode>, ...],
   "outside_executions": [{"outside_execution": {"caller", "nonce", "execute_after",
                           "execute_before", "calls": [{"to", "selector", "calldata"}]},
                           "signature": [...], "caller_address": "0x.."}, ...]}
output: one JSON line per item {"index", "kind", "valid", "error", "phase"}; error is the exact
string the Argent account raises. Exit 1 if any item is invalid."""

_REQUEST_HELP = """\
Prints the SNIP-12 typed data the wallet must sign to authorise the session.
Either options, or --json FILE with {"chain_id", "session_public_key", "allowed_methods":
[{"Contract Address": "0x..", "selector": "name"}], "expires_in" | "expires_at", "metadata"}."""

_INSPECT_HELP = """\
FILE holds either an x-sessions Session JSON object (fields authorisationSignature, address,
chainId, hash, expiresAt, allowedMethods, metadata, sessionKeyGuid, sessionKey?) or a session-token
signature: a JSON array of felts, or {"signature": [...]}. Prints the decoded fields and a list of
problems; exit 1 when the object is invalid or has problems."""


def build_parser() -> argparse.ArgumentParser:
    """The ``xsessions`` argument parser."""
    p = _Parser(prog=PROG, formatter_class=_formatter,
                description="Argent session keys on Starknet: keys, requests, bulk signing, offline verification.")
    p.add_argument("--backend", choices=["native", "python"], help="crypto backend (default: native if built)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    k = sub.add_parser("keygen", help="generate a session key pair (prints the private key)",
                       description="Prints a new session key: {\"privateKey\", \"publicKey\"} (hex).",
                       formatter_class=_formatter)
    k.set_defaults(func=_cmd_keygen)

    s = sub.add_parser("session", help="session requests and inspection", formatter_class=_formatter)
    ssub = s.add_subparsers(dest="session_command", metavar="SUBCOMMAND", parser_class=_Parser)
    ssub.required = True
    r = ssub.add_parser("request", help="typed data for the wallet to sign", description=_REQUEST_HELP,
                        formatter_class=_formatter)
    r.add_argument("--json", metavar="FILE", help="request as JSON (- for stdin)")
    r.add_argument("--chain-id", help="chain id, e.g. 0x534e5f5345504f4c4941 (SN_SEPOLIA)")
    r.add_argument("--public-key", help="session public key (hex)")
    r.add_argument("--key-file", metavar="FILE", help="keygen output to take the public key from")
    r.add_argument("--method", action="append", default=[], metavar="ADDRESS:NAME", help="allowed method (repeat)")
    r.add_argument("--expires-in", type=int, metavar="SECONDS", help="session lifetime from now")
    r.add_argument("--metadata", metavar="JSON", help='metadata JSON, e.g. {"projectID":"x","txFees":[]}')
    r.set_defaults(func=_cmd_session_request)
    i = ssub.add_parser("inspect", help="decode a session or a session signature", description=_INSPECT_HELP,
                        formatter_class=_formatter)
    i.add_argument("file", metavar="FILE", help="JSON file (- for stdin)")
    i.add_argument("--account-version", default="0.4.0", choices=["0.4.0", "0.5.0"],
                   help="account class, for the cache flag (default 0.4.0)")
    i.set_defaults(func=_cmd_session_inspect)

    g = sub.add_parser("sign", help="sign invoke v3 transactions with a session (bulk)", description=_SIGN_HELP,
                       formatter_class=_formatter)
    g.add_argument("file", metavar="FILE", help="input JSON (- for stdin)")
    g.set_defaults(func=_cmd_sign)

    v = sub.add_parser("verify", help="offline verdicts of the Argent account", description=_VERIFY_HELP,
                       formatter_class=_formatter)
    v.add_argument("file", metavar="FILE", help="input JSON (- for stdin)")
    v.add_argument("--timestamp", type=int, help="block timestamp (overrides block_timestamp; default now)")
    v.set_defaults(func=_cmd_verify)

    d = sub.add_parser("demo", help="offline end to end: create a session, sign and verify N transactions",
                       description="Generates owner, guardian and session keys, authorises a session, signs N "
                                   "invoke v3 transactions (3 calls each) and verifies them all offline; prints "
                                   "timings and throughput as JSON (progress on stderr).",
                       formatter_class=_formatter)
    d.add_argument("-n", type=int, default=1000, help="number of transactions (default 1000)")
    d.set_defaults(func=_cmd_demo)

    b = sub.add_parser("bench", help="native vs python vs starknet-py speed table",
                       description="Times the primitives and the session sign/verify path on each backend and "
                                   "starknet-py, and prints ratios.", formatter_class=_formatter)
    b.add_argument("--seconds", type=float, default=0.2, help="time budget per measurement (default 0.2)")
    b.set_defaults(func=_cmd_bench)
    return p


def _one_line_warning(message: Any, category: Any, filename: str, lineno: int, line: str | None = None) -> str:
    return f"{PROG}: warning: {' '.join(str(message).split())}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xsessions`` console script; returns the exit code."""
    import warnings

    warnings.formatwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.backend:
            crypto.use_backend(args.backend)
        return int(args.func(args))
    except _UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    except (XSessionsError, ValueError, TypeError, KeyError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) else f"missing field {exc.args[0]!r}"
        sys.stderr.write(f"{PROG}: error: {type(exc).__name__}: {' '.join(message.split())}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: error: interrupted\n")
        return 2
    except Exception as exc:  # noqa: BLE001 — the CLI promises one line, never a traceback
        sys.stderr.write(f"{PROG}: error: unexpected {type(exc).__name__}: {' '.join(str(exc).split())}\n")
        return 2
