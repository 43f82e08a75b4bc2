"""Regenerate the expected tag orderings pinned by `ofiuco-spec`'s tests.

Run once, offline, with packaging 25.0 (the last release before packaging 26
moved `linux_<arch>` first and renamed `fat32` to `fat3`):

    pip download --no-deps packaging==25.0 -d /tmp/pk && cd /tmp/pk && python3 -m zipfile -e packaging-25.0-py3-none-any.whl x
    cd tools/spec/testdata/packaging_tags && PYTHONPATH=/tmp/pk/x python3 generate.py

Each file lists `packaging.tags.sys_tags()` as CPython would produce it on that
target (cpython_tags + compatible_tags over the target's platform tags).
"""

from packaging import _manylinux, _musllinux, tags
from packaging._musllinux import _MuslVersion


def linux_platforms(arch, glibc=None, musl=None):
    _manylinux._have_compatible_abi = lambda exe, archs: glibc is not None
    _manylinux._get_glibc_version = lambda: glibc
    _manylinux._is_compatible = lambda arch, v: glibc is not None and v <= glibc
    _musllinux._get_musl_version = lambda exe: _MuslVersion(*musl) if musl else None
    out = list(_manylinux.platform_tags([arch])) + list(_musllinux.platform_tags([arch]))
    return out + [f"linux_{arch}"]


def ordering(py, plats, freethreaded=False):
    interp = f"cp{py[0]}{py[1]}"
    abi = interp + ("t" if freethreaded else "")
    t = list(tags.cpython_tags(py, [abi], plats)) + list(tags.compatible_tags(py, interp, plats))
    return [str(x) for x in t]


cases = {
    "cp311_linux_x86_64_glibc_2_17": ((3, 11), linux_platforms("x86_64", glibc=(2, 17))),
    "cp312_linux_aarch64_glibc_2_26": ((3, 12), linux_platforms("aarch64", glibc=(2, 26))),
    "cp311_linux_x86_64_musl_1_2": ((3, 11), linux_platforms("x86_64", musl=(1, 2))),
    "cp312_macos_arm64": ((3, 12), list(tags.mac_platforms((14, 0), "arm64"))),
    "cp310_macos_x86_64": ((3, 10), list(tags.mac_platforms((12, 0), "x86_64"))),
    "cp313_windows_x86_64": ((3, 13), ["win_amd64"]),
    "cp313t_linux_x86_64_glibc_2_28": ((3, 13), linux_platforms("x86_64", glibc=(2, 28)), True),
}
for name, (py, plats, *freethreaded) in cases.items():
    with open(f"{name}.txt", "w") as f:
        f.write("\n".join(ordering(py, plats, *freethreaded)) + "\n")
