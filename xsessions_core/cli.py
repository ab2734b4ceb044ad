"""``xsessions`` command line: keys, session requests and sessions, bulk signing, offline verification.

JSON in, JSON out. ``-`` reads stdin. Exit codes: 0 ok, 1 verified invalid (a rejected transaction,
a session with problems, a signature that is not the owner's), 2 usage or input error. Every failure
is one line on stderr (``xsessions: error: ...``) and writes nothing to stdout; progress bars go to
stderr only. Session keys may be STARK, secp256k1 or secp256r1 keys (``keygen --kind``; a key file
says its kind). Private keys are printed only by ``keygen`` (whose purpose is to create one), and are
read from files or environment variables rather than command lines. A value echoed in an error
message is cut to its first and last 6 characters, since it could be a key pasted into the wrong
field.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__, crypto
from .chains import parse_chain_id
from .encoding import FeltSpelling, bigint_or_none, felt_from, to_hex
from .errors import InvalidPrivateKey, XSessionsError
from .versions import AccountVersion

if TYPE_CHECKING:
    from .relayer.verify import AccountInfo, AccountState
    from .sessions.guardian import LocalGuardian
    from .sessions.context import SessionContext
    from .sessions.fee_limits import FeeLimits
    from .sessions.objects import Session, SessionKey
    from .signers import Secp256k1Key, Secp256r1Key, Signer, SignerSignature
    from .transactions import InvokeV3

__all__ = ["main", "build_parser"]

PROG = "xsessions"

#: Environment variables read for secrets when no ``--...-key-file`` is given.
GUARDIAN_KEY_ENV = "XSESSIONS_GUARDIAN_KEY"
SESSION_KEY_ENV = "XSESSIONS_SESSION_KEY"


class _UsageError(Exception):
    """Bad input or usage: one line on stderr, exit code 2."""


# --------------------------------------------------------------------------- values

_LONG_TOKEN = re.compile(r"(?:0[xX])?[0-9a-fA-F]{13,}|\d{13,}")
_DECIMAL = re.compile(r"[0-9]{1,78}")


def _shorten(text: str) -> str:
    """``text`` cut to its first and last 6 characters when longer (it could be a secret)."""
    return text if len(text) <= 13 else f"{text[:6]}…{text[-6:]}"


def _redact(message: str) -> str:
    """``message`` on one line, with every long hex or decimal run shortened (see :func:`_shorten`)."""
    return _LONG_TOKEN.sub(lambda m: _shorten(m.group(0)), " ".join(message.split()))


def _show(value: object) -> str:
    """A short, safe rendering of an offending value for an error message."""
    if isinstance(value, str):
        return repr(_shorten(value))
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return _shorten(repr(value))
    return f"a JSON {type(value).__name__.replace('dict', 'object').replace('list', 'array')}"


def _felt_arg(value: object, name: str) -> int:
    """A felt from an int or a ``0x`` hex (at most 64 digits) / decimal string (:func:`felt_from` as for
    network input); anything else is a one-line usage error."""
    if isinstance(value, (bool, float)):
        raise _UsageError(f"{name} must be a felt (0x-hex or decimal), got "
                          f"{'a boolean' if isinstance(value, bool) else 'a fractional number'}")
    return felt_from(value, name, _UsageError, spelling=FeltSpelling.NODE_LENIENT)


def _whole_number(value: object, name: str, minimum: int = 0) -> int:
    """An integer field (timestamp, count): floats, booleans and non-numbers are refused, never truncated."""
    if isinstance(value, bool):
        raise _UsageError(f"{name} must be a whole number, got a boolean")
    if isinstance(value, float):
        raise _UsageError(f"{name} must be a whole number, got {_show(value)}")
    number = _felt_arg(value, name)
    if number < minimum:
        raise _UsageError(f"{name} must be at least {minimum}, got {_show(value)}")
    return number


def _chain_id(value: object, name: str = "chain id") -> int:
    """A chain id: ``SN_MAIN``, ``SN_SEPOLIA``, or a felt (hex or decimal); see :func:`parse_chain_id`."""
    return parse_chain_id(value, name, _UsageError)


def _stark_private_key(value: object, name: str) -> int:
    """A STARK private key in ``[1, n)`` (:func:`private_key_from`), never echoed in an error."""
    from .sessions.objects import private_key_from

    try:
        return private_key_from(value.strip() if isinstance(value, str) else value, name)
    except InvalidPrivateKey:
        error = _UsageError(f"{name} is not a valid private key (a 0x-hex or decimal number in [1, n))")
    raise error  # outside the except block: the library's error must not survive as __context__


#: ``keygen --kind`` and the ``kind`` of a key file: the session-key kinds the command line makes.
KEY_KINDS = ("stark", "secp256k1", "secp256r1")


def _signing_key(document: object, where: str) -> SessionKey | Secp256k1Key | Secp256r1Key:
    """The session key a key document holds: a private key as text (a STARK key), or the JSON object
    ``keygen`` writes (``{"privateKey", ...}``, with ``"kind"`` for a non-STARK key)."""
    from .sessions.objects import SessionKey
    from .signers import Secp256k1Key, Secp256r1Key

    if not isinstance(document, dict):
        return SessionKey(_stark_private_key(document, where))
    kind = document.get("kind", "stark")
    if kind not in KEY_KINDS:
        raise _UsageError(f"{where}: kind must be one of {', '.join(KEY_KINDS)}, got {_show(kind)}")
    raw = document.get("privateKey")
    if raw is None:
        raise _UsageError(f"{where} has no privateKey")
    key: SessionKey | Secp256k1Key | Secp256r1Key
    if kind == "stark":
        key = SessionKey(_stark_private_key(raw, f"the privateKey in {where}"))
    else:
        number = bigint_or_none(raw.strip()) if isinstance(raw, str) and raw.strip() else None
        try:
            key = (Secp256k1Key if kind == "secp256k1" else Secp256r1Key)(number if number is not None else 0)
        except InvalidPrivateKey:
            error = _UsageError(f"the privateKey in {where} is not a valid {kind} private key "
                                "(a 0x-hex or decimal number in [1, n))")
            raise error from None
    return key


def _signer_of(key: SessionKey | Secp256k1Key | Secp256r1Key) -> Signer:
    """The account's :class:`~xsessions_core.signers.Signer` for a session key (its GUID is the session's)."""
    from .sessions.objects import SessionKey
    from .signers import StarknetSigner

    return StarknetSigner(key.public_key) if isinstance(key, SessionKey) else key.signer


def _key_document(key: SessionKey | Secp256k1Key | Secp256r1Key, include_private_key: bool) -> dict[str, Any]:
    """What ``keygen`` prints or writes for ``key``.

    A STARK key: ``{"privateKey"?, "publicKey"}`` (x-sessions' ``sessionKey``). A secp256 key: ``kind``,
    ``privateKey`` (only with ``include_private_key``), ``publicKey`` ``{x, y}``, the Ethereum ``address``
    of a secp256k1 key, the account's ``signer`` (Cairo Serde of ``Signer``) and its ``guid``.
    """
    from .sessions.objects import SessionKey
    from .signers import Secp256k1Key

    if isinstance(key, SessionKey):
        return key.to_dict(include_private_key=include_private_key)
    kind = "secp256k1" if isinstance(key, Secp256k1Key) else "secp256r1"
    document: dict[str, Any] = {"kind": kind}
    if include_private_key:
        document["privateKey"] = f"{key.private_key:#066x}"
    x, y = key.public_key
    document["publicKey"] = {"x": f"{x:#066x}", "y": f"{y:#066x}"}
    if isinstance(key, Secp256k1Key):
        document["address"] = f"{key.address:#042x}"
    document["signer"] = [to_hex(v) for v in key.signer.to_felts()]
    document["guid"] = to_hex(key.signer.guid)
    return document


def _read_secret_file(path: str) -> object:
    """A key file's content: the JSON object ``keygen --out`` writes, else its text (a bare key)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(1 << 16).strip()
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _UsageError(f"{path} is not UTF-8 text") from None
    return _secret_document(text, path)


def _secret_document(text: str, where: str) -> object:
    """``text`` as a JSON object when it looks like one (a key file), else the text itself."""
    if not text.lstrip().startswith("{"):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise _UsageError(f"{where} is neither a key nor a JSON object with privateKey")
    return document


def _guardian_secret(path: str | None, inline: object) -> int | None:
    """The guardian's STARK private key from ``path`` (a key file), else ``$XSESSIONS_GUARDIAN_KEY``,
    else ``inline`` (the input's ``guardian_private_key``); ``None`` when none is given."""
    if path is not None:
        document = _read_secret_file(path)
        if isinstance(document, dict):
            document = document.get("privateKey")
        return _stark_private_key(document, f"the key in {path}")
    if os.environ.get(GUARDIAN_KEY_ENV):
        return _stark_private_key(os.environ[GUARDIAN_KEY_ENV], GUARDIAN_KEY_ENV)
    if inline is None:
        return None
    return _stark_private_key(inline, "guardian_private_key")


def _session_secret(path: str | None, inline: object) -> SessionKey | Secp256k1Key | Secp256r1Key | None:
    """The session key from ``path`` (a key file of any kind), else ``$XSESSIONS_SESSION_KEY`` (a key or a
    key file's JSON), else ``inline`` (the session's ``sessionKey`` object); ``None`` when none is given."""
    if path is not None:
        return _signing_key(_read_secret_file(path), f"the key in {path}")
    if os.environ.get(SESSION_KEY_ENV):
        return _signing_key(_secret_document(os.environ[SESSION_KEY_ENV], SESSION_KEY_ENV), SESSION_KEY_ENV)
    if inline is None:
        return None
    return _signing_key(inline, "session.sessionKey")


def _check_not_expired(session: Session, now: int | None = None) -> None:
    """Refuse a session whose ``expires_at`` is before ``now`` (default: the clock), as the account would."""
    from .sessions.session import check_not_expired

    check_not_expired(session.expires_at, now=now, allow_expired=False)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{PROG}: error: {_redact(message)} (see --help)\n")
        raise SystemExit(2)


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _seconds(text: str) -> float:
    """argparse type of ``bench --seconds``: a finite positive number of seconds (at most an hour)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seconds must be a number, got {_show(text)}") from None
    if not math.isfinite(value) or not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"--seconds must be a finite number in (0, 3600], got {_show(text)}")
    return value


def _count(text: str) -> int:
    """argparse type of ``demo -n``: a whole number of at least 1."""
    if not _DECIMAL.fullmatch(text) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"-n must be a whole number of at least 1, got {_show(text)}")
    return int(text)


def _timestamp(text: str) -> int:
    """argparse type of a timestamp in seconds."""
    try:
        return _whole_number(text, "a timestamp")
    except _UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# --------------------------------------------------------------------------- I/O helpers

#: Largest JSON document accepted by ``session inspect`` and the small-object commands.
MAX_OBJECT_BYTES = 1 << 20
#: Largest JSON document accepted by the bulk commands (``sign``, ``verify``).
MAX_BULK_BYTES = 256 << 20


def _reject_constant(name: str) -> NoReturn:
    raise _UsageError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _UsageError(f"the number {_shorten(text)} is out of range")
    return value


def _read_text(path: str, max_bytes: int) -> str:
    where = "stdin" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read(max_bytes + 1)
        else:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _UsageError(f"{where} is not UTF-8 text") from None
    if len(text) > max_bytes:
        raise _UsageError(f"{where} is larger than the limit of {max_bytes} bytes")
    return text


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise _UsageError(f"{where} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _UsageError(f"{where} is nested too deeply") from None
    except ValueError:  # an integer over Python's int-string limit
        raise _UsageError(f"{where} holds a number with too many digits") from None


def _read_json(path: str, max_bytes: int = MAX_OBJECT_BYTES) -> Any:
    return _parse_json(_read_text(path, max_bytes), "stdin" if path == "-" else path)


def _read_json_documents(path: str, max_bytes: int) -> list[Any]:
    """One JSON document, or JSON lines (what ``sign`` prints): always a list of documents."""
    where = "stdin" if path == "-" else path
    text = _read_text(path, max_bytes)
    try:
        return [json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)]
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            return [_parse_json(text, where)]  # raises the one-line error
    except (ValueError, RecursionError):
        return [_parse_json(text, where)]  # raises the one-line error
    return [_parse_json(line, f"{where} line {n}") for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json_literal_or_file(value: str, what: str) -> Any:
    """An option value that is inline JSON, or the name of a file holding it (``-`` for stdin)."""
    if value.lstrip().startswith(("[", "{")):
        return _parse_json(value, what)
    return _read_json(value)


def _reject_floats_and_booleans(value: object, where: str) -> None:
    """Transactions hold felts only: a boolean or a number with a fraction is an error, never truncated."""
    if isinstance(value, bool):
        raise _UsageError(f"{where} must be a felt, got a boolean")
    if isinstance(value, float):
        raise _UsageError(f"{where} must be a felt, got {_show(value)}")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats_and_booleans(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _reject_floats_and_booleans(item, f"{where}[{i}]")


def _invalid(reason: str) -> int:
    """Exit code 1 (invalid object / rejected transaction) with its reason as one line on stderr."""
    sys.stderr.write(f"{PROG}: invalid: {_redact(reason)}\n")
    return 1


def _note(text: str) -> None:
    sys.stderr.write(f"{PROG}: note: {text}\n")


def _emit(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2) + "\n")


def _json_line(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":")) + "\n"


def _need(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise _UsageError(f"{where} must be a JSON object")
    if key not in obj:
        raise _UsageError(f"{where} is missing {key!r}")
    return obj[key]


@contextmanager
def _progress(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr when it is a terminal; yields ``advance(n)``.

    ``redirect_stdout=False``: by default rich captures ``sys.stdout`` while the bar is shown, which
    would send the command's output to the terminal instead of where stdout is redirected.
    """
    if not sys.stderr.isatty() or total < 1:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, redirect_stdout=False,
                  redirect_stderr=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _chunks(items: Sequence[Any], size: int = 256) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _utc(ts: int) -> str:
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
    except (OverflowError, OSError, ValueError):
        return "out of range"


# --------------------------------------------------------------------------- keygen

def _new_key(kind: str) -> SessionKey | Secp256k1Key | Secp256r1Key:
    """A fresh session key of ``kind`` (one of :data:`KEY_KINDS`)."""
    from .sessions.objects import SessionKey
    from .signers import Secp256k1Key, Secp256r1Key

    if kind == "secp256k1":
        return Secp256k1Key.generate()
    if kind == "secp256r1":
        return Secp256r1Key.generate()
    return SessionKey.generate()


def _cmd_keygen(args: argparse.Namespace) -> int:
    key = _new_key(args.kind)
    if args.out is None:
        _emit(_key_document(key, include_private_key=True))
        return 0
    try:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise _UsageError(f"{args.out} exists; not overwriting a key file") from None
    except OSError as exc:
        raise _UsageError(f"cannot create {args.out}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(_key_document(key, include_private_key=True), indent=2) + "\n")
    _emit(_key_document(key, include_private_key=False))
    return 0


# --------------------------------------------------------------------------- session request / create / inspect

def _parse_method(text: str) -> dict[str, str]:
    address, sep, name = text.partition(":")
    if not sep or not address or not name:
        raise _UsageError(f"--method must be CONTRACT_ADDRESS:FUNCTION_NAME, got {_show(text)}")
    return {"Contract Address": address, "selector": name}


def _cmd_session_request(args: argparse.Namespace) -> int:
    from .sessions.objects import SessionKey
    from .sessions.session import create_offchain_session, create_session_request, get_session_typed_data

    spec: dict[str, Any] = _read_json(args.json) if args.json else {}
    if not isinstance(spec, dict):
        raise _UsageError("the --json request must be a JSON object")
    chain_id = args.chain_id or spec.get("chain_id")
    public_key = args.public_key or spec.get("session_public_key")
    key: Secp256k1Key | Secp256r1Key | None = None
    if args.key_file:
        document = _read_json(args.key_file)
        if isinstance(document, dict) and document.get("kind", "stark") != "stark":
            signing_key = _signing_key(document, args.key_file)  # a secp256 request is made with the key itself
            if not isinstance(signing_key, SessionKey):
                key = signing_key
        else:
            public_key = _need(document, "publicKey", "the key file")
    methods = [_parse_method(m) for m in args.method] or spec.get("allowed_methods") or []
    expires_in = args.expires_in if args.expires_in is not None else spec.get("expires_in")
    expires_at = spec.get("expires_at")
    if expires_in is not None:
        expires_at = int(time.time()) + _whole_number(expires_in, "expires_in", minimum=1)
    metadata = (_parse_json(args.metadata, "--metadata") if args.metadata
                else spec.get("metadata", {"projectID": spec.get("project_id", "xsessions"), "txFees": []}))
    for name, value in (("chain id", chain_id), ("session public key", key or public_key), ("expiry", expires_at)):
        if value is None:
            raise _UsageError(f"missing {name} (see --help)")
    if not methods:
        raise _UsageError("at least one allowed method is needed (--method ADDRESS:NAME)")
    expiry = _whole_number(expires_at, "expires_at")
    if key is not None:
        # create_session_request takes a signing key of any kind (Starknet, Secp256k1, Secp256r1).
        request = create_session_request(_chain_id(chain_id), key, methods, expiry, metadata)
        _emit(request.typed_data)
        return 0
    off = create_offchain_session(methods, expiry, metadata, _felt_arg(public_key, "session public key"))
    _emit(get_session_typed_data(off, _chain_id(chain_id)))
    return 0


def _typed_data_of(request: Any) -> dict[str, Any]:
    """The session typed data in ``request``: printed by ``session request``, or an x-sessions SessionRequest."""
    if isinstance(request, dict) and "sessionTypedData" in request:
        request = request["sessionTypedData"]
    if not isinstance(request, dict) or request.get("primaryType") != "Session":
        raise _UsageError("REQUEST must be the session typed data ('session request' output) "
                          "or an x-sessions SessionRequest object")
    return request


def _wallet_signature(value: str) -> list[int]:
    """``--signature``: the array ``account.signMessage`` returned, concise ``[r, s]`` or Argent's full form."""
    sig = _json_literal_or_file(value, "--signature")
    if not isinstance(sig, list) or not 2 <= len(sig) <= 1024:
        raise _UsageError("--signature must be the JSON array the wallet returned (2 to 1024 felts)")
    return [_felt_arg(v, f"--signature[{i}]") for i, v in enumerate(sig)]


def _session_from_request(typed_data: dict[str, Any], address: int, signature: list[int]) -> Session:
    """The :class:`Session` the wallet authorised by signing ``typed_data`` for ``address``.

    The typed data must be exactly what x-sessions' ``getSessionTypedData`` builds from its fields.
    """
    from .sessions.objects import OffChainSession, Session
    from .sessions.session import compile_session, get_session_typed_data, session_hash_from_onchain

    message = _need(typed_data, "message", "the typed data")
    domain = _need(typed_data, "domain", "the typed data")
    chain = _chain_id(_need(domain, "chainId", "the typed data domain"))
    offchain = OffChainSession(
        expires_at=_whole_number(_need(message, "Expires At", "the typed data message"), "Expires At"),
        allowed_methods=_need(message, "Allowed Methods", "the typed data message"),
        metadata=_need(message, "Metadata", "the typed data message"),
        session_key_guid=_felt_arg(_need(message, "Session Key", "the typed data message"), "Session Key"),
    )
    if get_session_typed_data(offchain, chain) != typed_data:
        raise _UsageError("the typed data is not a session request as x-sessions builds it "
                          "(compare with 'xsessions session request' output)")
    return Session(authorization_signature=tuple(signature), address=address, chain_id=chain,
                   hash=session_hash_from_onchain(compile_session(offchain), address, chain),
                   expires_at=offchain.expires_at, allowed_methods=offchain.allowed_methods,
                   metadata=offchain.metadata, session_key_guid=offchain.session_key_guid)


def _authorization_check(session: Session, owner: str | None, guardian: str | None) -> bool | None:
    """``verify_session`` with the owner (and guardian) key; ``None`` when no owner key was given."""
    from .sessions.session import verify_session

    if owner is None:
        return None
    return verify_session(session, _felt_arg(owner, "--owner-public-key"),
                          None if guardian is None else _felt_arg(guardian, "--guardian-public-key"))


def _cmd_session_create(args: argparse.Namespace) -> int:
    typed_data = _typed_data_of(_read_json(args.request))
    session = _session_from_request(typed_data, _felt_arg(args.address, "--address"),
                                    _wallet_signature(args.signature))
    checked = _authorization_check(session, args.owner_public_key, args.guardian_public_key)
    if checked is False:
        return _invalid("the signature is not the owner's authorization of this session "
                        "(wrong account address, owner key or typed data?)")
    if checked is None:
        _note("authorization not checked (give --owner-public-key to check the wallet's signature)")
    _emit(session.to_dict())
    return 0


def _inspect_signature(signature: list[Any], version: AccountVersion) -> int:
    from .session_token import SessionTokenError, decode_session_token
    from .signers import SignerError

    felts = [_felt_arg(v, f"signature[{i}]") for i, v in enumerate(signature)]
    out: dict[str, Any] = {"kind": "session-token signature", "length": len(felts),
                           "account_version": version.value}
    try:
        token = decode_session_token(felts, account_version=version)
        session_signature, guardian_signature = token.session_signature, token.guardian_signature
    except SessionTokenError as exc:
        out.update(valid=False, contract_error=exc.contract_error, offset=exc.offset, problem=str(exc))
        _emit(out)
        return _invalid(str(exc))
    except SignerError as exc:
        offset = getattr(exc, "offset", None)
        out.update(valid=False, contract_error=getattr(exc, "panic", None), offset=offset, problem=str(exc))
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
        session_authorization_signers=_authorization_signers(token.session_authorization, version),
        session_signature=_signer_signature_json(session_signature),
        guardian_signature=_signer_signature_json(guardian_signature),
        proofs=[[to_hex(v) for v in p] for p in token.proofs],
    )
    problems = []
    if session_signature.guid != s.session_key_guid:
        problems.append("the session signature's signer is not the session key (session/session-key-mismatch)")
    if s.expires_at < time.time():
        problems.append("the session has expired")
    out["problems"] = problems
    _emit(out)
    return _invalid("; ".join(problems)) if problems else 0


def _authorization_signers(authorization: Sequence[int], version: AccountVersion) -> list[dict[str, Any]] | None:
    """The owner's (and guardian's) signatures of an authorization in the full form, a
    ``Span<SignerSignature>`` (``[n, *signatures]``); ``None`` for the concise form (STARK ``r, s`` pairs)."""
    from .signers import SignerError, SignerSignature

    if not authorization or not 1 <= authorization[0] <= len(authorization) // 3:
        return None
    signatures, position = [], 1
    try:
        for _ in range(authorization[0]):
            signature, position = SignerSignature.read(authorization, position, version)
            signatures.append(_signer_signature_json(signature))
    except SignerError:
        return None
    return signatures if position == len(authorization) else None


def _signer_signature_json(sig: SignerSignature) -> dict[str, Any]:
    """A signer signature for people: its kind (``variant``), the signer's GUID, then the fields of the
    signer and of the signature (a STARK one as ``public_key``, ``r``, ``s``)."""
    from .signers import StarknetSignature, StarknetSigner

    out: dict[str, Any] = {"variant": sig.kind.name, "guid": to_hex(sig.guid)}
    signer, signature = sig.signer, sig.signature
    if isinstance(signer, StarknetSigner) and isinstance(signature, StarknetSignature):
        out.update(public_key=to_hex(signer.pubkey), r=to_hex(signature.r), s=to_hex(signature.s))
    else:
        out.update(signer=_fields_json(signer), signature=_fields_json(signature))
    return out


def _fields_json(value: Any) -> dict[str, Any]:
    """The fields of a signer or signature dataclass as JSON: numbers as hex, byte strings as text when
    they are printable ASCII (a WebAuthn origin, a clientDataJSON outro) else hex; absent fields left out."""
    out: dict[str, Any] = {}
    for item in dataclasses.fields(value):  # a Signer or signature dataclass
        field_value = getattr(value, item.name)
        if field_value is None:
            continue
        if isinstance(field_value, bool):
            out[item.name] = field_value
        elif isinstance(field_value, int):
            out[item.name] = to_hex(field_value)
        elif isinstance(field_value, bytes):
            printable = field_value.isascii() and field_value.decode().isprintable()
            out[item.name] = field_value.decode() if printable else "0x" + field_value.hex()
        else:
            out[item.name] = _fields_json(field_value)
    return out


def _inspect_session(obj: dict[str, Any], owner: str | None, guardian: str | None) -> int:
    from .sessions.objects import Session, SessionKey
    from .sessions.session import compile_session, session_hash_from_onchain, signer_guid

    session = Session.from_dict(obj)
    onchain = compile_session(session)
    computed = session_hash_from_onchain(onchain, session.address, session.chain_id)
    problems = []
    if computed != session.hash:
        problems.append(f"hash {to_hex(session.hash)} is not the hash of the fields ({to_hex(computed)})")
    if session.session_key is not None and signer_guid(session.session_key) != session.session_key_guid:
        problems.append("sessionKey does not match sessionKeyGuid")
    if session.expires_at < time.time():
        problems.append("the session has expired")
    checked = _authorization_check(session, owner, guardian) if computed == session.hash else None
    if checked is False:
        problems.append("authorisationSignature is not the owner's authorization of this session")
    authorization = {None: "not checked", True: "valid", False: "invalid"}[checked]
    if owner is not None and computed != session.hash:
        authorization = "not checked (the hash is wrong)"
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
        "session_public_key": (to_hex(session.session_key.public_key)
                               if isinstance(session.session_key, SessionKey) else None),
        "authorisation_signature": [to_hex(v) for v in session.authorization_signature],
        "authorization": authorization,
        "onchain_session": onchain.to_dict(),
        "problems": problems,
    })
    if problems:
        return _invalid("; ".join(problems))
    if owner is None:
        _note("authorization not checked (give --owner-public-key to check it)")
    return 0


def _cmd_session_inspect(args: argparse.Namespace) -> int:
    obj = _read_json(args.file)
    if isinstance(obj, dict) and "signature" in obj and "authorisationSignature" not in obj:
        obj = obj["signature"]
    if isinstance(obj, list):
        return _inspect_signature(obj, AccountVersion.parse(args.account_version))
    if isinstance(obj, dict):
        return _inspect_session(obj, args.owner_public_key, args.guardian_public_key)
    raise _UsageError("expected a session JSON object or a signature array")


# --------------------------------------------------------------------------- sign

def _session_and_key(spec: dict[str, Any],
                     key_file: str | None) -> tuple[Session, SessionKey | Secp256k1Key | Secp256r1Key]:
    """The input's session (without its key), and its session key from ``key_file``, the environment or
    the session JSON; the key must be the session's (its signer's GUID is ``sessionKeyGuid``)."""
    from .sessions.objects import Session

    raw = _need(spec, "session", "the input")
    if not isinstance(raw, dict):
        raise _UsageError("'session' must be a JSON object")
    inline = raw.get("sessionKey")
    key = _session_secret(key_file, inline if isinstance(inline, dict) and "privateKey" in inline else None)
    if key is None:
        raise _UsageError(f"the session key is needed to sign: --session-key-file, {SESSION_KEY_ENV} "
                          "or session.sessionKey.privateKey")
    session = Session.from_dict({k: v for k, v in raw.items() if k != "sessionKey"})
    if _signer_of(key).guid != session.session_key_guid:
        raise _UsageError("the session key does not match the session's sessionKeyGuid")
    return session, key


def _signer_from(spec: dict[str, Any], args: argparse.Namespace) -> tuple[SessionContext, LocalGuardian]:
    from .sessions.guardian import LocalGuardian
    from .sessions.context import SessionContext, SigningOptions

    session, key = _session_and_key(spec, args.session_key_file)
    guardian = _guardian_secret(args.guardian_key_file, spec.get("guardian_private_key"))
    if guardian is None:
        raise _UsageError(f"the guardian key is needed to sign: --guardian-key-file, {GUARDIAN_KEY_ENV} "
                          "or guardian_private_key")
    _check_not_expired(session, args.now)
    version = AccountVersion.parse(spec.get("account_version", "0.4.0"))
    cache = spec.get("cache_authorization", False)
    if not isinstance(cache, bool):
        raise _UsageError("cache_authorization must be true or false")
    owner_guid = spec.get("owner_guid")
    options = SigningOptions(cache_authorization=cache, account_version=version,
                             owner_guid=None if owner_guid is None else _felt_arg(owner_guid, "owner_guid"))
    return SessionContext(session, key, options), LocalGuardian(guardian)


#: The key order of the lines ``sign`` prints (unchanged since its first release, so that its output
#: can be compared as text); the values are :meth:`InvokeV3.to_rpc`'s.
_SIGN_OUTPUT_KEYS = ("type", "version", "sender_address", "calldata", "signature", "nonce", "resource_bounds", "tip",
                     "paymaster_data", "account_deployment_data", "nonce_data_availability_mode",
                     "fee_data_availability_mode", "proof_facts")
_SIGN_OUTPUT_RESOURCES = ("l1_gas", "l2_gas", "l1_data_gas")


def _sign_output(transaction: InvokeV3) -> dict[str, Any]:
    """The ``starknet_addInvokeTransaction`` JSON of a signed transaction (:meth:`InvokeV3.to_rpc`)."""
    rpc = transaction.to_rpc()
    rpc["resource_bounds"] = {name: rpc["resource_bounds"][name] for name in _SIGN_OUTPUT_RESOURCES}
    return {key: rpc[key] for key in _SIGN_OUTPUT_KEYS if key in rpc}


def _cmd_sign(args: argparse.Namespace) -> int:
    spec = _read_json(args.file, MAX_BULK_BYTES)
    ctx, guardian = _signer_from(spec, args)
    txs = _need(spec, "transactions", "the input")
    if not isinstance(txs, list) or not all(isinstance(t, dict) for t in txs):
        raise _UsageError("'transactions' must be a list of objects")
    _reject_floats_and_booleans(txs, "transactions")
    lines: list[str] = []  # written only when every transaction is signed: nothing on stdout on failure
    with _progress(len(txs), "signing") as advance:
        for chunk in _chunks(txs):
            ctx.check_not_expired(now=args.now)
            prepared = ctx.prepare_invoke_many(chunk)
            signed = ctx.sign_invoke_prepared([tx for tx, _ in prepared], [proofs for _, proofs in prepared],
                                              guardian, allow_expired=True)  # checked above
            lines += (_json_line(_sign_output(tx.with_signature(signature)))
                      for (tx, _), (_, signature) in zip(prepared, signed))
            advance(len(chunk))
    sys.stdout.writelines(lines)
    return 0


# --------------------------------------------------------------------------- verify

def _account_from(obj: Any) -> AccountInfo:
    """The account of a ``verify`` input. Its owner, guardian and guardian backup are each given as
    ``<role>_public_key`` (a STARK public key) or ``<role>``: the account's ``Signer`` as its Cairo Serde
    (``[1, eth_address]``, the ``signer`` that ``keygen`` prints) or a STARK public key."""
    from .relayer.verify import AccountInfo

    if not isinstance(obj, dict):
        raise _UsageError("the account must be a JSON object")
    keys: dict[str, Any] = {}
    for role in ("owner", "guardian", "guardian_backup"):
        signer, public_key = obj.get(role), obj.get(f"{role}_public_key")
        if signer is not None and public_key is not None:
            raise _UsageError(f"account has both {role!r} and {role + '_public_key'!r}: give one")
        if signer is not None:
            keys[role] = _signer_arg(signer, f"account.{role}")  # AccountInfo takes a Signer of any kind
        elif public_key is not None:
            keys[f"{role}_public_key"] = _felt_arg(public_key, f"account.{role}_public_key")
    if not keys.keys() & {"owner", "owner_public_key"}:
        raise _UsageError("account is missing 'owner_public_key' (or 'owner', its Signer)")
    return AccountInfo(address=_felt_arg(_need(obj, "address", "account"), "account.address"),
                       class_version=AccountVersion.parse(obj.get("class_version", "0.4.0")), **keys)


def _signer_arg(value: object, name: str) -> Signer | int:
    """A signer: the Cairo Serde of a ``Signer`` (a JSON array of felts) or a STARK public key."""
    from .signers import Signer

    if not isinstance(value, list):
        return _felt_arg(value, name)
    return Signer.from_felts([_felt_arg(v, f"{name}[{i}]") for i, v in enumerate(value)])


def _state_from(obj: Any) -> AccountState | None:
    from .relayer.verify import AccountState

    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise _UsageError("'state' must be an object")
    _reject_floats_and_booleans(obj, "state")

    def felt_set(name: str) -> frozenset[int]:
        values = obj.get(name, [])
        if not isinstance(values, list):
            raise _UsageError(f"state.{name} must be a list")
        return frozenset(_felt_arg(v, f"state.{name}[]") for v in values)

    cache: dict[tuple[int, int, int], int] = {}
    entries = obj.get("session_cache", [])
    if not isinstance(entries, list):
        raise _UsageError("state.session_cache must be a list")
    for entry in entries:
        owner, guardian, session = (_felt_arg(_need(entry, name, "state.session_cache[]"), f"state.session_cache[].{name}")
                                    for name in ("owner_guid", "guardian_guid", "session_hash"))
        cache[(owner, guardian, session)] = _whole_number(_need(entry, "authorization_len", "state.session_cache[]"), "authorization_len")
    return AccountState(felt_set("revoked_sessions"), cache, felt_set("used_outside_nonces"))


def _verify_input(args: argparse.Namespace) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """The verify input: one JSON object, or transactions as JSON lines / an array (``sign`` output)."""
    documents = _read_json_documents(args.file, MAX_BULK_BYTES)
    if len(documents) == 1 and isinstance(documents[0], dict) and (
            {"account", "transactions", "outside_executions"} & documents[0].keys()):
        spec = documents[0]
    else:
        txs: list[Any] = []
        for doc in documents:
            txs.extend(doc if isinstance(doc, list) else [doc])
        spec = {"transactions": txs}
    if args.account is not None:
        spec["account"] = _json_literal_or_file(args.account, "--account")
    if args.chain_id is not None:
        spec["chain_id"] = args.chain_id
    txs = spec.get("transactions", [])
    oes = spec.get("outside_executions", [])
    if not isinstance(txs, list) or not isinstance(oes, list):
        raise _UsageError("'transactions' and 'outside_executions' must be lists")
    if not txs and not oes:
        raise _UsageError("nothing to verify: give 'transactions' and/or 'outside_executions'")
    if "account" not in spec:
        raise _UsageError("the account is missing: give --account FILE, or an input object with 'account'")
    if "chain_id" not in spec:
        raise _UsageError("the chain id is missing: give --chain-id, or an input object with 'chain_id'")
    _reject_floats_and_booleans(txs, "transactions")
    _reject_floats_and_booleans(oes, "outside_executions")
    return spec, txs, oes


def _fee_limits_from(value: str) -> FeeLimits:
    """``--fee-limits``: a JSON object of :class:`FeeLimits` fields (inline or a FILE), e.g.
    ``{"limits": {"<fee token address>": <max fee in its base unit>}}``."""
    from .sessions.fee_limits import FeeLimits

    document = _json_literal_or_file(value, "--fee-limits")
    if not isinstance(document, dict):
        raise _UsageError('--fee-limits must be a JSON object, e.g. {"limits": {"0x4718...": "1000000000000000000"}}')
    _reject_floats_and_booleans(document, "--fee-limits")
    unknown = sorted(document.keys() - {item.name for item in dataclasses.fields(FeeLimits)})
    if unknown:
        raise _UsageError(f"--fee-limits has unknown fields {', '.join(map(_show, unknown))}")
    return FeeLimits(**document)


def _verdict_json(index: int, kind: str, verdict: Any) -> dict[str, Any]:
    row = {"index": index, "kind": kind, **verdict.to_json()}
    query_only = getattr(verdict, "query_only", None)
    if query_only is not None:
        row.setdefault("query_only", bool(query_only))
    return row


def _cmd_verify(args: argparse.Namespace) -> int:
    from .relayer.batch import verify_outside_executions_batch, verify_session_transactions_batch

    spec, txs, oes = _verify_input(args)
    timestamp = args.timestamp if args.timestamp is not None else spec.get("block_timestamp")
    common: dict[str, Any] = dict(
        account=_account_from(spec["account"]), chain_id=_chain_id(spec["chain_id"]),
        block_timestamp=int(time.time()) if timestamp is None else _whole_number(timestamp, "block_timestamp"),
        state=_state_from(spec.get("state")))
    fee_limits = None if args.fee_limits is None else _fee_limits_from(args.fee_limits)
    lines: list[str] = []  # written only when everything is judged: nothing on stdout on failure
    rejected = 0
    with _progress(len(txs) + len(oes), "verifying") as advance:
        for chunk in _chunks(txs):
            for verdict in verify_session_transactions_batch(chunk, fee_limits=fee_limits, **common):
                lines.append(_json_line(_verdict_json(len(lines), "invoke_v3", verdict)))
                rejected += not verdict.valid or (verdict.policy is not None and not verdict.policy.allowed)
            advance(len(chunk))
        for chunk in _chunks(oes):
            for verdict in verify_outside_executions_batch(chunk, **common):
                lines.append(_json_line(_verdict_json(len(lines), "outside_execution_v2", verdict)))
                rejected += not verdict.valid
            advance(len(chunk))
    sys.stdout.writelines(lines)
    return _invalid(f"{rejected} of {len(lines)} rejected (verdicts on stdout)") if rejected else 0


# --------------------------------------------------------------------------- demo

def _cmd_demo(args: argparse.Namespace) -> int:
    from .relayer import AccountInfo, verify_session_transactions_batch
    from .relayer.verify import clear_caches
    from .sessions.guardian import LocalGuardian
    from .sessions.objects import SessionKey
    from .sessions.session import compile_session, create_session, create_session_request, session_hash_from_onchain
    from .sessions.context import SessionContext
    from .transactions import get_execute_calldata

    n = args.n
    chain_id = 0x534E5F5345504F4C4941  # SN_SEPOLIA
    err = sys.stderr
    err.write(f"backend: {crypto.BACKEND}\n")
    t0 = time.perf_counter()
    owner, guardian, session_key = SessionKey.generate(), SessionKey.generate(), _new_key(args.kind)
    account = 0x4DDBEEDDF59DB91EB3A68028ABC6038B8F3F1472EB3A75A870A8223FBCA188
    token = 0x4718F5A0FC34CC1AF16A1CDEE98FFB20C31F5CD61D6AB07201858F4287C938D
    dex = 0x9391BE9BFC6AD5F72F7EED2788A467C7BAD1400E098229CDB00E1B13F915
    methods = [{"Contract Address": to_hex(token), "selector": "approve"},
               {"Contract Address": to_hex(dex), "selector": "swap"},
               {"Contract Address": to_hex(dex), "selector": "stake"}]
    expires_at = int(time.time()) + 24 * 3600
    # create_session_request and the session signers take a session key of any kind.
    request = create_session_request(chain_id, session_key, methods, expires_at,
                                     {"projectID": "xsessions-demo", "txFees": []})
    session_hash = session_hash_from_onchain(compile_session(request.offchain_session), account, chain_id)
    auth = [*crypto.message_signature(session_hash, owner.private_key),
            *crypto.message_signature(session_hash, guardian.private_key)]
    session = create_session(account, auth, request, chain_id)
    ctx, cosigner = SessionContext(session, session_key), LocalGuardian(guardian.private_key)
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
            for tx, sig in zip(chunk, ctx.sign_invoke_many(chunk, guardian=cosigner)):
                signed.append({**tx, "sender_address": account, "signature": sig})
            advance(len(chunk))
    t_sign = time.perf_counter() - t0
    for tx in signed:
        tx["calldata"] = get_execute_calldata(tx.pop("calls"))
    info = AccountInfo(account, "0.4.0", owner.public_key, guardian.public_key)
    clear_caches()
    verdicts: list[Any] = []
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
        "session_key_kind": args.kind,
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

def _rate(fn: Callable[[], object], per_call: int, seconds: float) -> float:
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
    from .relayer import AccountInfo, verify_session_transactions_batch
    from .relayer.verify import clear_caches
    from .sessions.guardian import LocalGuardian
    from .sessions.objects import SessionKey
    from .sessions.session import compile_session, create_session, create_session_request, session_hash_from_onchain
    from .sessions.context import SessionContext
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
    ctx, cosigner = SessionContext(session), LocalGuardian(guardian.private_key)
    bounds = {"l1_gas": {"max_amount": 0, "max_price_per_unit": 0}, "l2_gas": {"max_amount": 10**6,
              "max_price_per_unit": 10**9}, "l1_data_gas": {"max_amount": 0, "max_price_per_unit": 0}}
    calls = [{"contractAddress": hex(account + 1), "entrypoint": "swap", "calldata": [1, 2]}] * 3
    txs = [{"calls": calls, "nonce": i, "resource_bounds": bounds} for i in range(20)]
    ops["session sign (3 calls)"] = _rate(lambda: ctx.sign_invoke_many(txs, guardian=cosigner), len(txs), seconds)
    signed = [{"sender_address": account, "calldata": get_execute_calldata(calls), "nonce": i, "resource_bounds": bounds,
               "signature": s} for i, s in enumerate(ctx.sign_invoke_many(txs, guardian=cosigner))]
    info = AccountInfo(account, "0.4.0", owner.public_key, guardian.public_key)
    clear_caches()
    ops["session verify (3 calls)"] = _rate(
        lambda: verify_session_transactions_batch(signed, account=info, chain_id=chain, block_timestamp=1_900_000_000),
        len(signed), seconds)
    return ops


def _bench_starknet_py(seconds: float) -> dict[str, float]:
    from poseidon_py.poseidon_hash import poseidon_hash_many  # type: ignore[import-untyped]  # starknet-py 0.30's
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

    previous = crypto.BACKEND
    results: dict[str, dict[str, float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # python backend signing warning
        for name in crypto.available_backends():
            crypto.use_backend(name)
            results[name] = _bench_ops(args.seconds)
    crypto.use_backend(previous)
    results["starknet-py"] = _bench_starknet_py(args.seconds)
    base = "native" if "native" in results else "python"
    others = [n for n in results if n != base]
    if args.json:
        _emit({"unit": "operations per second", "seconds_per_measurement": args.seconds, "baseline": base,
               "results": {name: {op: round(rate, 1) for op, rate in ops.items()} for name, ops in results.items()}})
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="operations per second (higher is better)")
    table.add_column("operation")
    for name in results:
        table.add_column(name, justify="right")
    for name in others:
        table.add_column(f"{base} / {name}", justify="right")
    for op in results[base]:
        row = [op] + [f"{results[n][op]:,.0f}" if op in results[n] else "-" for n in results]
        row += [f"{results[base][op] / results[n][op]:.1f}x" if op in results[n] else "-" for n in others]
        table.add_row(*row)
    Console().print(table)
    return 0


# --------------------------------------------------------------------------- parser

_KEYGEN_HELP = """\
Prints a new session key as JSON, or with --out writes it to a new file readable only by you and
prints its public part. A stark key is {"privateKey", "publicKey"} (hex, as x-sessions stores it);
a secp256k1 or secp256r1 key is {"kind", "privateKey", "publicKey": {"x", "y"}, "address"
(secp256k1: the Ethereum address), "signer" (the account's Signer, Cairo Serde), "guid"}.
'session request --key-file' and 'sign --session-key-file' read either file."""

_SIGN_HELP = f"""\
input (JSON object, FILE or - for stdin):
  {{"session": <x-sessions Session JSON ('session create' output)>,
   "account_version": "0.4" | "0.5"            (optional, default "0.4"),
   "cache_authorization": false                (optional),
   "owner_guid": "0x..."                       (0.5 + caching only),
   "block_timestamp": 1789856142               (optional: the session must not have expired by then;
                                                default now),
   "transactions": [
     {{"calls": [{{"contractAddress": "0x..", "entrypoint": "transfer", "calldata": ["0x1", ...]}}],
      "nonce": "0x1",
      "resource_bounds": {{"l1_gas": {{"max_amount": "0x..", "max_price_per_unit": "0x.."}},
                          "l2_gas": {{...}}, "l1_data_gas": {{...}}}},
      "tip": "0x0", ...}}, ...]}}
secrets: the session key from --session-key-file, ${SESSION_KEY_ENV} or session.sessionKey.privateKey;
the guardian key from --guardian-key-file, ${GUARDIAN_KEY_ENV} or "guardian_private_key" (a key file
holds the key, or keygen's JSON; a session key may be of any 'keygen --kind', read from the file's
"kind"). An expired session is refused.
output: one JSON line per transaction: the invoke v3 exactly as starknet_addInvokeTransaction takes it.
'xsessions verify --account ACCOUNT --chain-id ID -' reads these lines as they are."""

_VERIFY_HELP = """\
input (FILE or - for stdin): the JSON lines 'sign' prints (or a JSON array of transactions), with
--account and --chain-id; or one JSON object:
  {"account": {"address": "0x..", "class_version": "0.4.0" | "0.5.0", "owner_public_key": "0x..",
               "guardian_public_key": "0x.." | null, "guardian_backup_public_key": "0x.." | null},
               (or "owner" / "guardian" / "guardian_backup": a Signer of any kind as its Cairo Serde,
                e.g. ["0x1", "<eth address>"], the "signer" keygen prints)
   "chain_id": "SN_SEPOLIA" | "0x534e5f5345504f4c4941",
   "block_timestamp": 1789856142,
   "state": {"revoked_sessions": ["0x.."], "used_outside_nonces": ["0x.."],
             "session_cache": [{"owner_guid": "0x..", "guardian_guid": "0x..", "session_hash": "0x..",
                                "authorization_len": 4}]}                          (optional),
   "transactions": [<invoke v3 as starknet_addInvokeTransaction takes it>, ...],
   "outside_executions": [{"outside_execution": {"caller", "nonce", "execute_after",
                           "execute_before", "calls": [{"to", "selector", "calldata"}]},
                           "signature": [...], "caller_address": "0x.."}, ...]}
output: one JSON line per item {"index", "kind", "valid", "error", "phase"} (and "query_only" for a
fee-estimate transaction); error is the exact string the Argent account raises. With --fee-limits
(the relayer's fee policy, not the account's), each invoke v3 verdict also has "policy":
{"allowed", "reason", "max_fee"}. Exit 1 if any item is invalid or over the fee limits."""

_REQUEST_HELP = """\
Prints the SNIP-12 typed data the wallet must sign to authorize the session (pass it to starknet.js
account.signMessage). Either options, or --json FILE with {"chain_id", "session_public_key",
"allowed_methods": [{"Contract Address": "0x..", "selector": "name"}], "expires_in" | "expires_at",
"metadata"}. --key-file takes keygen's output: a stark key's public part is enough; a secp256k1 or
secp256r1 key file must hold its privateKey (the request is made with the key)."""

_CREATE_HELP = """\
Turns the wallet's signature of the session typed data into the x-sessions Session JSON (without
the session private key). REQUEST is the typed data 'session request' printed (or an x-sessions
SessionRequest object); SIG is the array account.signMessage returned, as JSON or a FILE holding
it: the concise [r, s] form or the Argent full form [n, 0, owner, r, s, ...]. With
--owner-public-key the signature is checked (exit 1 if it is not the owner's)."""

_INSPECT_HELP = """\
FILE holds either an x-sessions Session JSON object (fields authorisationSignature, address,
chainId, hash, expiresAt, allowedMethods, metadata, sessionKeyGuid, sessionKey?) or a session-token
signature: a JSON array of felts, or {"signature": [...]}. Prints the decoded fields and a list of
problems; exit 1 when the object is invalid or has problems. The signer signatures of a token (the
session key's, the guardian's, and the owner's of a full-form authorization) are decoded for every
signer kind: Starknet, Secp256k1, Secp256r1, Eip191, Webauthn (its layout per --account-version).
The owner's authorization of a session is checked only with --owner-public-key ("authorization":
"not checked" otherwise)."""


def _add_owner_keys(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--owner-public-key", metavar="KEY", help="the account owner's public key: check the authorization")
    parser.add_argument("--guardian-public-key", metavar="KEY", help="also check the guardian's part of it")


def build_parser() -> argparse.ArgumentParser:
    """The ``xsessions`` argument parser."""
    p = _Parser(prog=PROG, formatter_class=_formatter,
                description="Argent session keys on Starknet: keys, requests, bulk signing, offline verification.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    p.add_argument("--backend", choices=["native", "python"], help="crypto backend (default: native if built)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    k = sub.add_parser("keygen", help="generate a session key pair", description=_KEYGEN_HELP,
                       formatter_class=_formatter)
    k.add_argument("--kind", choices=KEY_KINDS, default="stark", help="the key's curve (default stark)")
    k.add_argument("--out", metavar="FILE", help="write the key to FILE (mode 0600; never overwrites)")
    k.set_defaults(func=_cmd_keygen)

    s = sub.add_parser("session", help="session requests, creation and inspection", formatter_class=_formatter)
    ssub = s.add_subparsers(dest="session_command", metavar="SUBCOMMAND", parser_class=_Parser)
    ssub.required = True
    r = ssub.add_parser("request", help="typed data for the wallet to sign", description=_REQUEST_HELP,
                        formatter_class=_formatter)
    r.add_argument("--json", metavar="FILE", help="request as JSON (- for stdin)")
    r.add_argument("--chain-id", help="SN_MAIN, SN_SEPOLIA or a chain id (hex)")
    r.add_argument("--public-key", help="session public key (hex)")
    r.add_argument("--key-file", metavar="FILE", help="keygen output to take the public key from")
    r.add_argument("--method", action="append", default=[], metavar="ADDRESS:NAME", help="allowed method (repeat)")
    r.add_argument("--expires-in", metavar="SECONDS", help="session lifetime from now")
    r.add_argument("--metadata", metavar="JSON", help='metadata JSON, e.g. {"projectID":"x","txFees":[]}')
    r.set_defaults(func=_cmd_session_request)
    c = ssub.add_parser("create", help="the session from the wallet's signature", description=_CREATE_HELP,
                        formatter_class=_formatter)
    c.add_argument("request", metavar="REQUEST", help="the typed data the wallet signed (FILE, - for stdin)")
    c.add_argument("--signature", required=True, metavar="SIG", help="the wallet's signature (JSON array or FILE)")
    c.add_argument("--address", required=True, help="the account address that signed")
    _add_owner_keys(c)
    c.set_defaults(func=_cmd_session_create)
    i = ssub.add_parser("inspect", help="decode a session or a session signature", description=_INSPECT_HELP,
                        formatter_class=_formatter)
    i.add_argument("file", metavar="FILE", help="JSON file (- for stdin)")
    i.add_argument("--account-version", default="0.4.0", help="0.4 or 0.5: account class, for the cache flag")
    _add_owner_keys(i)
    i.set_defaults(func=_cmd_session_inspect)

    g = sub.add_parser("sign", help="sign invoke v3 transactions with a session (bulk)", description=_SIGN_HELP,
                       formatter_class=_formatter)
    g.add_argument("file", metavar="FILE", help="input JSON (- for stdin)")
    g.add_argument("--session-key-file", metavar="FILE", help=f"the session private key (else ${SESSION_KEY_ENV})")
    g.add_argument("--guardian-key-file", metavar="FILE", help=f"the guardian private key (else ${GUARDIAN_KEY_ENV})")
    g.add_argument("--now", type=_timestamp, metavar="TIMESTAMP",
                   help="the time the session's expiry is checked against (default: the clock)")
    g.set_defaults(func=_cmd_sign)

    v = sub.add_parser("verify", help="offline verdicts of the Argent account", description=_VERIFY_HELP,
                       formatter_class=_formatter)
    v.add_argument("file", metavar="FILE", help="input: JSON or JSON lines (- for stdin)")
    v.add_argument("--account", metavar="FILE", help="the account object (FILE or inline JSON)")
    v.add_argument("--chain-id", help="SN_MAIN, SN_SEPOLIA or a chain id")
    v.add_argument("--timestamp", type=_timestamp, help="block timestamp (overrides block_timestamp; default now)")
    v.add_argument("--fee-limits", metavar="FILE", help='relayer fee policy (FILE or inline JSON): '
                   '{"limits": {"<fee token>": <max fee>}}; adds "policy" to each invoke verdict')
    v.set_defaults(func=_cmd_verify)

    d = sub.add_parser("demo", help="offline end to end: create a session, sign and verify N transactions",
                       description="Generates owner, guardian and session keys, authorizes a session, signs N "
                                   "invoke v3 transactions (3 calls each) and verifies them all offline; prints "
                                   "timings and throughput as JSON (progress on stderr).",
                       formatter_class=_formatter)
    d.add_argument("-n", type=_count, default=1000, help="number of transactions (default 1000)")
    d.add_argument("--kind", choices=KEY_KINDS, default="stark", help="the session key's curve (default stark)")
    d.set_defaults(func=_cmd_demo)

    b = sub.add_parser("bench", help="native vs python vs starknet-py speed table",
                       description="Times the primitives and the session sign/verify path on each backend and "
                                   "starknet-py, and prints ratios.", formatter_class=_formatter)
    b.add_argument("--seconds", type=_seconds, default=0.2, help="time budget per measurement (default 0.2)")
    b.add_argument("--json", action="store_true", help="print the results as JSON")
    b.set_defaults(func=_cmd_bench)
    return p


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                      line: str | None = None) -> str:
    return f"{PROG}: warning: {' '.join(str(message).split())}\n"


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, exit 0, and keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``xsessions`` console script; returns the exit code."""
    import warnings

    previous_format, warnings.formatwarning = warnings.formatwarning, _one_line_warning
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.backend:
            crypto.use_backend(args.backend)
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except _UsageError as exc:
        sys.stderr.write(f"{PROG}: error: {_redact(str(exc))}\n")
    except (XSessionsError, ValueError, TypeError, KeyError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) else f"missing field {exc.args[0]!r}"
        if not isinstance(exc, XSessionsError) and "invalid literal for int()" in message:
            message = "a value is not a number (expected 0x-hex or decimal)"  # Python's wording is no help
        sys.stderr.write(f"{PROG}: error: {type(exc).__name__}: {_redact(message)}\n")
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: error: interrupted\n")
    except Exception as exc:  # noqa: BLE001 — the CLI promises one line, never a traceback
        sys.stderr.write(f"{PROG}: error: unexpected {type(exc).__name__}: {_redact(str(exc))}\n")
    finally:
        warnings.formatwarning = previous_format
    return 2
