"""Build the cffi extension with AddressSanitizer + UBSan into ``<outdir>/xsessions_core/``.

Reuses ``csrc/ffi_build.py``'s ``ffibuilder`` (same cdef, same sources) and only adds the
sanitizer flags, so the tested code is exactly what ``setup.py`` compiles.

Usage (from anywhere): ``python tests/sanitizer/build_asan.py OUTDIR``. OUTDIR must already hold a
copy of the ``xsessions_core`` package; the built ``_native*.so`` lands next to it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"]


def main(outdir: str) -> None:
    os.chdir(ROOT)  # ffi_build.py gives source paths relative to the repository root
    sys.path.insert(0, str(ROOT / "csrc"))
    from ffi_build import ffibuilder  # noqa: PLC0415

    kwds = ffibuilder._assigned_source[3]  # the set_source() keywords (cffi keeps them as a dict)
    kwds["sources"] = [str(ROOT / s) for s in kwds["sources"]]
    kwds["include_dirs"] = [str(ROOT / d) for d in kwds["include_dirs"]]
    kwds["extra_compile_args"] = [a for a in kwds.get("extra_compile_args", []) if not a.startswith("-O")]
    kwds["extra_compile_args"] += ["-O1", *SANITIZE]
    kwds["extra_link_args"] = [*kwds.get("extra_link_args", []), *SANITIZE]
    built = ffibuilder.compile(tmpdir=os.path.join(outdir, "build"), verbose=False)
    target = Path(outdir) / "xsessions_core" / Path(built).name
    Path(built).replace(target)
    print(f"sanitized extension: {target}")


if __name__ == "__main__":
    main(sys.argv[1])
