"""Packaging: metadata, the typed marker, the abi3 wheel, CI, and life without the native extension."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import re
import subprocess
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

from conftest import REPO

import xsessions_core

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
CI = (REPO / ".ci" / "run").read_text()

# Blocks xsessions_core._native as if the extension had not been built (a C compiler was missing).
HIDE_EXTENSION = """\
import sys

class _NoNativeExtension:
    def find_spec(self, name, path=None, target=None):
        if name == "xsessions_core._native":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoNativeExtension())
"""


def run_without_extension(tmp_path: Path, *args: str, backend: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(HIDE_EXTENSION)
    env = {k: v for k, v in os.environ.items() if k != "XSESSIONS_BACKEND"}
    env["PYTHONPATH"] = f"{tmp_path}{os.pathsep}{REPO}"
    if backend is not None:
        env["XSESSIONS_BACKEND"] = backend
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)


def test_license_is_mit_with_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    setuptools_req = next(r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools"))
    assert int(re.search(r">=\s*(\d+)", setuptools_req).group(1)) >= 77  # type: ignore[union-attr]
    assert importlib.metadata.metadata("xsessions_core")["License-Expression"] == "MIT"


def test_version_is_defined_once() -> None:
    assert "version" not in PYPROJECT["project"] and "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "xsessions_core.__version__"}
    assert importlib.metadata.version("xsessions_core") == xsessions_core.__version__


def test_the_package_is_typed() -> None:
    assert importlib.resources.files("xsessions_core").joinpath("py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["xsessions_core"]


def test_fuzzing_is_an_extra_installed_by_ci() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert not any("atheris" in r for r in extras["dev"])
    assert any(r.startswith("atheris") for r in extras["fuzz"])
    assert 'pip install -q -e ".[dev,fuzz]"' in CI


def test_ci_type_checks_and_tests_every_python_from_3_10_to_3_13() -> None:
    assert ".venv/bin/mypy --strict xsessions_core" in CI
    assert "for minor in 3.10 3.11 3.12 3.13" in CI and 'echo "skip Python $minor' in CI


@lru_cache(maxsize=1)
def _built_wheels(directory: str) -> list[str]:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", directory],
                   check=True, capture_output=True, timeout=600)
    return sorted(p.name for p in Path(directory).glob("*.whl"))


def test_pip_wheel_gives_one_abi3_wheel(tmp_path_factory: object) -> None:
    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"xsessions-wheel-test-{os.getpid()}"
    wheels = _built_wheels(str(out))
    assert len(wheels) == 1 and re.fullmatch(r"xsessions_core-[^-]+-cp310-abi3-[^-]+\.whl", wheels[0]), wheels


def test_missing_extension_warns_once_at_first_use(tmp_path: Path) -> None:
    script = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import xsessions_core.sessions, xsessions_core.cli\n"
        "    from xsessions_core import crypto\n"
        "    assert not caught, caught\n"
        "    crypto.pedersen_hash(1, 2); crypto.message_signature(1, 5); crypto.private_to_stark_key(7)\n"
        "print(crypto.BACKEND, [w.category.__name__ for w in caught])\n"
    )
    p = run_without_extension(tmp_path, "-c", script, backend=None)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["python", "['RuntimeWarning']"]


def test_native_backend_without_the_extension_is_one_typed_error(tmp_path: Path) -> None:
    script = (
        "import xsessions_core\n"
        "from xsessions_core import crypto\n"
        "from xsessions_core.errors import NativeBackendError\n"
        "try:\n"
        "    crypto.pedersen_hash(1, 2)\n"
        "except NativeBackendError as exc:\n"
        "    print(str(exc))\n"
    )
    p = run_without_extension(tmp_path, "-c", script, backend="native")
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert len(p.stdout.splitlines()) == 1 and "xsessions_core._native" in p.stdout
    p = run_without_extension(tmp_path, "-m", "xsessions_core", "keygen", backend="native")
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and p.stderr.startswith("xsessions: error: NativeBackendError:"), p.stderr
    p = run_without_extension(tmp_path, "-m", "xsessions_core", "--backend", "native", "keygen", backend=None)
    assert p.returncode == 2 and p.stderr.startswith("xsessions: error: NativeBackendError:"), p.stderr
