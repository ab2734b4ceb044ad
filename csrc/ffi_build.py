"""cffi builder (API mode, out-of-line) for the native core: ``xsessions_core._native``.

setup.py references it as ``csrc/ffi_build.py:ffibuilder``. The extension uses only the stable
ABI (``py_limited_api``), so one ``abi3`` wheel serves every CPython from 3.10 on. The cdef is read from
``csrc/include/xs_core.h`` (preprocessor lines dropped), so the prototypes exist only once.
Paths are relative to the repository root, where pip runs the build.
"""
from __future__ import annotations

import os
import re
import sys

from cffi import FFI

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)


def _rel(*parts: str) -> str:
    """Path relative to the repository root (setuptools wants relative source paths)."""
    path = os.path.join(_HERE, *parts)
    try:
        return os.path.relpath(path, os.getcwd())
    except ValueError:  # different drive on Windows
        return path


def _cdef_source() -> str:
    with open(os.path.join(_HERE, "include", "xs_core.h"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)          # comments
    lines = [ln for ln in text.splitlines()
             if not ln.lstrip().startswith("#")                     # preprocessor
             and ln.strip() not in ('extern "C" {', "}")]            # C++ guard body
    return "\n".join(lines)


def _compile_args() -> list[str]:
    if sys.platform == "win32":
        return ["/O2"]
    return ["-std=c11", "-O3", "-fno-strict-aliasing", "-fvisibility=hidden", "-Wall", "-Wextra",
            "-Wno-unused-function", "-Wno-unused-parameter"]


ffibuilder = FFI()
ffibuilder.cdef(_cdef_source())
ffibuilder.set_source(
    "xsessions_core._native",
    '#include "xs_core.h"',
    sources=[_rel("xs_core.c")],
    include_dirs=[_rel("include"), _rel()],
    extra_compile_args=_compile_args(),
    py_limited_api=True,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
