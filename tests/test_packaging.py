"""Packaging: metadata, the typed marker, the abi3 wheel, CI, and life without the native extension."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from conftest import REPO

import xsessions_core

PYPROJECT = (REPO / "pyproject.toml").read_text()  # read as text: tomllib is not in Python 3.10
CI = (REPO / ".ci" / "run").read_text()
METADATA = importlib.metadata.metadata("xsessions_core")

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
    assert re.search(r'^license = "MIT"$', PYPROJECT, re.M) and METADATA["License-Expression"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    assert re.search(r'^license-files = \["LICENSE"\]$', PYPROJECT, re.M)
    setuptools_min = re.search(r'requires = \["setuptools>=(\d+)"', PYPROJECT)
    assert setuptools_min and int(setuptools_min.group(1)) >= 77


def test_version_is_defined_once() -> None:
    project = PYPROJECT.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    assert not re.search(r"^version\s*=", project, re.M) and re.search(r'^dynamic = \["version"\]$', project, re.M)
    assert 'version = { attr = "xsessions_core.__version__" }' in PYPROJECT
    assert importlib.metadata.version("xsessions_core") == xsessions_core.__version__


def test_the_package_is_typed() -> None:
    assert importlib.resources.files("xsessions_core").joinpath("py.typed").is_file()
    assert 'xsessions_core = ["py.typed"]' in PYPROJECT


def test_fuzzing_is_an_extra_installed_by_ci() -> None:
    requirements = importlib.metadata.requires("xsessions_core") or []
    atheris = [r for r in requirements if r.startswith("atheris")]
    assert atheris and all('extra == "fuzz"' in r for r in atheris), atheris
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
