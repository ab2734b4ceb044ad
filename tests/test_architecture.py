"""Layering rules of the package, checked on its source: private names stay in their module,
comments cite sources that ship with the repository, and every type-checker silence names its error."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from conftest import REPO

PACKAGE = REPO / "xsessions_core"
SOURCES = sorted(PACKAGE.rglob("*.py"))
C_SOURCES = sorted(p for p in (REPO / "csrc").rglob("*") if p.is_file() and p.suffix in (".c", ".h", ".py", ".txt"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _resolve(path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` reads from."""
    if not node.level:
        return node.module or ""
    package = _module_name(path).split(".")
    if not _is_package(path):
        package.pop()
    base = package[:len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(dotted: str) -> bool:
    """``dotted`` names a module or package of this repository (by its file)."""
    base = REPO.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _parent(dotted: str) -> str:
    return dotted.rpartition(".")[0]


def private_imports(path: Path, source: str) -> list[str]:
    """``file:line name`` for each private name ``path`` imports from another module.

    A private *module* may be imported by the modules of its own package (``crypto/__init__.py``
    loads ``crypto._native``); a private name of another module may not be imported by anyone.
    """
    here = _module_name(path)
    own_package = here if _is_package(path) else _parent(here)
    found = []
    for node in ast.walk(ast.parse(source, str(path))):
        targets: list[tuple[str, str]] = []  # (module it comes from, imported name)
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom):
            source_module = _resolve(path, node)
            targets = [(source_module, alias.name) for alias in node.names]
        else:
            for alias in node.names:
                parts = alias.name.split(".")
                targets += [(".".join(parts[:i]), parts[i]) for i in range(1, len(parts))]
        for source_module, name in targets:
            module_parts = [p for p in source_module.split(".") if p]
            if any(_private(p) for p in module_parts) and _parent(source_module) != own_package \
                    and not source_module.startswith(own_package + "."):
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {source_module}")
                continue
            if not _private(name):
                continue
            dotted = f"{source_module}.{name}"
            if _is_module(dotted) and source_module == own_package:
                continue  # a private module of the importer's own package
            found.append(f"{path.relative_to(REPO)}:{node.lineno} {dotted}")
    return found


def untagged_type_ignores(path: Path, source: str) -> list[str]:
    """``file:line`` of each ``# type: ignore`` comment without an error code in brackets."""
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and re.search(r"#\s*type:\s*ignore(?!\[)", token.string):
            found.append(f"{path.relative_to(REPO)}:{token.start[0]}")
    return found


def test_the_checkers_find_what_they_look_for(tmp_path: Path) -> None:
    """The rules below are checked by these functions; each one catches its own counter-example."""
    fake = PACKAGE / "relayer" / "example.py"
    assert private_imports(fake, "from ..sessions.context import _decode\n") == [
        "xsessions_core/relayer/example.py:1 xsessions_core.sessions.context._decode"]
    assert private_imports(fake, "from xsessions_core.crypto import _native\n") == [
        "xsessions_core/relayer/example.py:1 xsessions_core.crypto._native"]
    assert private_imports(fake, "import xsessions_core.crypto._python\n") == [
        "xsessions_core/relayer/example.py:1 xsessions_core.crypto._python"]
    assert private_imports(fake, "from ..crypto._python import sign\n") == [
        "xsessions_core/relayer/example.py:1 xsessions_core.crypto._python"]
    crypto_init = PACKAGE / "crypto" / "__init__.py"
    assert private_imports(crypto_init, "from . import _native\nfrom .backend import Backend, __doc__\n") == []
    assert private_imports(crypto_init, "from .backend import _hidden\n") == [
        "xsessions_core/crypto/__init__.py:1 xsessions_core.crypto.backend._hidden"]
    assert private_imports(PACKAGE / "crypto" / "backend.py", "from ._native import NAME\n") == []
    assert untagged_type_ignores(fake, "x = 1  # type: ignore\ny = 2  # type: ignore[misc]\n") == [
        "xsessions_core/relayer/example.py:1"]
    assert untagged_type_ignores(fake, "s = '# type: ignore'\n") == []


def test_no_module_imports_a_private_name_of_another_module() -> None:
    offenders = [hit for path in SOURCES for hit in private_imports(path, path.read_text())]
    assert offenders == []


@pytest.mark.parametrize("root", ["xsessions_core", "csrc"])
def test_comments_cite_sources_in_the_repository_or_upstream(root: str) -> None:
    """No comment cites a section of a document the repository does not ship."""
    paths = SOURCES if root == "xsessions_core" else C_SOURCES
    assert paths, f"no sources found under {root}"
    offenders = [f"{p.relative_to(REPO)}:{i}" for p in paths
                 for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if "PROTOCOL §" in line]
    assert offenders == []


def test_every_type_ignore_names_its_error_code() -> None:
    offenders = [hit for path in SOURCES for hit in untagged_type_ignores(path, path.read_text())]
    assert offenders == []
