"""Target CPython headers (`Python.h`, `pyconfig.h`) from pinned Debian packages."""

# (Python version, Bazel cpu) -> (Debian package file, sha256). Headers are
# those of Debian's `libpython3.X-dev` for that architecture: the
# architecture-specific pyconfig.h is flattened into include/ (Debian's is a
# multiarch dispatcher). Debian's main mirror keeps only the current release
# of each suite, so the repository cache (or --distdir, by file name) is what
# keeps old pins working; update a pin with its Packages entry.
_DEBIAN = "https://deb.debian.org/debian/pool/main/p/"
PYTHON_HEADERS = {
    ("3.11", "aarch64"): ("python3.11/libpython3.11-dev_3.11.2-6+deb12u8_arm64.deb", "454a191a37dd86674c309691904be69d499f060e643c1f8efc8b82078967cd48"),
    ("3.11", "x86_64"): ("python3.11/libpython3.11-dev_3.11.2-6+deb12u8_amd64.deb", "01a8eddeb8505bb6e2c01209cda66b41fb5ebeaa64e69d0e25f7131915f1cd32"),
    ("3.13", "aarch64"): ("python3.13/libpython3.13-dev_3.13.5-2+deb13u5_arm64.deb", "cd8e73644d319576d8cf02ab63ccd6b1fb8eb12637b5f59114b520a9b3d4741e"),
    ("3.13", "x86_64"): ("python3.13/libpython3.13-dev_3.13.5-2+deb13u5_amd64.deb", "4bd7b17ffbeb367ce1fef8b6ff02536a25f29fc07372d1bdd3ed1e1faa5b9409"),
    ("3.14", "aarch64"): ("python3.14/libpython3.14-dev_3.14.10-1_arm64.deb", "016a2df21bae66c0b3ee5c458f2bc607ea6a5864079a797c5110887e255efe76"),
    ("3.14", "x86_64"): ("python3.14/libpython3.14-dev_3.14.10-1_amd64.deb", "ce226a5a09bd3739123b95c5a41688ee3110651e6b4f9b22973a27c7be2f64fa"),
}

_TRIPLETS = {"aarch64": "aarch64-linux-gnu", "x86_64": "x86_64-linux-gnu"}

_BUILD = """\
package(default_visibility = ["//visibility:public"])

# include/: Python.h and the rest, with this architecture's pyconfig.h.
filegroup(
    name = "headers",
    srcs = glob(["include/**"]),
)
"""

def headers_repo_name(python, cpu):
    return "ofiuco_python_headers_{}_{}".format(python.replace(".", "_"), cpu)

def _python_headers_repo_impl(rctx):
    python, cpu = rctx.attr.python, rctx.attr.cpu
    path, sha256 = PYTHON_HEADERS[(python, cpu)]
    rctx.download_and_extract(url = [_DEBIAN + path], sha256 = sha256, type = "deb", output = "_deb")
    data = [f for f in rctx.path("_deb").readdir() if f.basename.startswith("data.tar")]
    if len(data) != 1:
        fail("ofiuco: {} has no single data.tar member (found {}).".format(path, [f.basename for f in rctx.path("_deb").readdir()]))
    rctx.extract(data[0], output = "_data")
    src = "_data/usr/include/python" + python
    if not rctx.path(src + "/Python.h").exists:
        fail("ofiuco: {} has no usr/include/python{}/Python.h.".format(path, python))
    rctx.execute(["cp", "-R", src, "include"])
    arch_config = rctx.path("_data/usr/include/{}/python{}/pyconfig.h".format(_TRIPLETS[cpu], python))
    if arch_config.exists:
        rctx.file("include/pyconfig.h", rctx.read(arch_config))
    rctx.delete("_deb")
    rctx.delete("_data")
    rctx.file("BUILD.bazel", _BUILD)

python_headers_repo = repository_rule(
    implementation = _python_headers_repo_impl,
    doc = "`:headers`: the C headers of CPython `python` for linux `cpu`, from Debian's pinned `libpython3.X-dev` package. Fetched only when a build from source needs them.",
    attrs = {
        "cpu": attr.string(mandatory = True, values = ["aarch64", "x86_64"], doc = "The target CPU (Bazel's name)."),
        "python": attr.string(mandatory = True, doc = "The CPython minor version, `3.X`."),
    },
)
