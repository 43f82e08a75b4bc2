"""What the build scripts (frontend.py, bytecode.py) share: the interpreter check.

Both must run on an interpreter of the target's minor Python version: a build
backend compiles against it, and a `.pyc`'s magic number differs per minor
version. The interpreter is the Python toolchain Bazel resolved for the host
with `@ofiuco//python/config:python_version` set to the target's version.
"""

from __future__ import annotations

import sys


def running_version() -> str:
    """The running CPython's `3.X`."""
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def mismatch(want: str) -> str | None:
    """The running `3.X` when it is not `want` (`3.X`; `3.Xt` counts as `3.X`), else None."""
    have = running_version()
    return None if have == want.removesuffix("t") else have


def toolchain_hint(want: str, see: str) -> str:
    """The fix for a mismatch: register a toolchain of version `want`."""
    return (
        f"hint: register a Python toolchain of version {want} selected by "
        f"`@ofiuco//python/config:python_version` = {want} ({see})"
    )
