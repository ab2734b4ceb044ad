"""Build script: compiles the native crypto core (csrc/) into ``xsessions_core._native`` with cffi.

If the C build fails (no compiler, no Python headers) the package still installs and runs on the
pure-Python backend, after printing a warning banner. Set ``XSESSIONS_REQUIRE_NATIVE=1`` (or
``CIBUILDWHEEL=1``) to turn a failed build into an error instead.

The extension uses only the stable ABI, so the wheel is tagged ``cp310-abi3``: one wheel for
CPython 3.10 and later.
"""
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """build_ext that degrades to a pure-Python install when compiling fails."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler/setup failure
            self._fail(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._fail(exc)

    @staticmethod
    def _fail(exc: Exception) -> None:
        if os.environ.get("XSESSIONS_REQUIRE_NATIVE") == "1" or os.environ.get("CIBUILDWHEEL") == "1":
            raise exc
        bar = "*" * 78
        sys.stderr.write(
            f"\n{bar}\nWARNING: the xsessions_core native extension could not be built:\n  {exc}\n"
            "xsessions_core is installed WITHOUT it and will use the pure-Python backend\n"
            "(correct, but much slower and not constant time).\n"
            f"{bar}\n\n"
        )


setup(
    cffi_modules=["csrc/ffi_build.py:ffibuilder"],
    cmdclass={"build_ext": OptionalBuildExt},
    options={"bdist_wheel": {"py_limited_api": "cp310"}},
)
