"""`@ofiuco_zig`: the zig C/C++ compiler for the host, from its PyPI wheel (`ziglang`)."""

load(":host.bzl", "host_key")

# ziglang 0.17.1 on PyPI: host key -> (wheel file name, sha256). The wheel is
# fetched by Bazel's downloader (repository cache, --distdir, downloader
# config) only when a build from source needs a compiler.
ZIG_VERSION = "0.17.1"
ZIG_WHEELS = {
    "linux_aarch64": ("ziglang-0.17.1-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl", "b7c5f02fccd40f89b999ee16a1f5ddced56e6182370f8affe494bcf8a28cf07e", "91/72/bb7c4f098ba3e535fa2ebefd9f26327ba63fb0672562959255cb5dd37aff"),
    "linux_x86_64": ("ziglang-0.17.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl", "ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54", "59/e3/2a34676370a11c36b7cd04ffb2439c1089c0530cf4b01408c77cf7f8d9c3"),
    "macos_aarch64": ("ziglang-0.17.1-py3-none-macosx_13_0_arm64.whl", "09953b6af7f64168b915180a42774f520f92d86ef6331b28e33915c7e1f0bb23", "ea/e1/4a9a97324fcf2d292c14a2e0121ea0df86c01d0c307ea24fa35aebaccd15"),
    "macos_x86_64": ("ziglang-0.17.1-py3-none-macosx_13_0_x86_64.whl", "4e0b4b9c02b8d0d220e9948010f860b62ff11d96abb39762eca5fa2ef3f7bc97", "17/f6/f4dfc8cf0e510980fda251a8edf99823b9446f5d7a2a6a24801e55e09c28"),
    "windows_aarch64": ("ziglang-0.17.1-py3-none-win_arm64.whl", "27a8da5f8eaa0e76ebbc7c2594130ed4646c1101ada2ce0aa86fe580c74154b9", "70/34/a1d775ceaf325b08c3aca909865e057919d0fe1355e2b59081500ef230a1"),
    "windows_x86_64": ("ziglang-0.17.1-py3-none-win_amd64.whl", "69c3dfc3aff6a297ec4017aa904782c0e450eb988982d7f675d83edce27526fb", "c8/6c/2013114fa780f0cf490cdc98bdd5bf7dce706a5dbd86e50ec4132cf7d4b1"),
}

# zig's name of a CPU in lib/libc/include/<cpu>-linux-{any,gnu} -> ofiuco's.
ZIG_LINUX_CPUS = {"aarch64": "aarch64", "x86_64": "x86"}

_BUILD = """\
package(default_visibility = ["//visibility:public"])

# The zig driver; `:files` is everything it reads (its lib/ with the libc
# headers and glibc stubs of every target). A build from source takes the
# subset of one target (and of this host, for what runs here) instead,
# `:files_linux_<cpu>_gnu`: about 4,400 files instead of 19,500, each a
# symlink in every sandbox of a build.
exports_files(["ziglang/zig{exe}"])

filegroup(
    name = "files",
    srcs = glob(["ziglang/**"], exclude = {exclude}),
)
{targets}"""

_TARGET = """
filegroup(
    name = "files_linux_{cpu}_gnu",
    srcs = glob(["ziglang/**"], exclude = {exclude} + ["ziglang/lib/libc/**", "ziglang/lib/libtsan/**"]) + glob([
        "ziglang/lib/libc/glibc/**",
        "ziglang/lib/libc/include/any-linux-any/**",
        "ziglang/lib/libc/include/generic-glibc/**",
        "ziglang/lib/libc/include/{zig_cpu}-linux-any/**",
        "ziglang/lib/libc/include/{zig_cpu}-linux-gnu/**",
    ] + {host}, exclude = {exclude}),
)
"""

_EXCLUDE = ["ziglang/doc/**", "ziglang/**/*.py", "ziglang/**/__pycache__/**"]

def _host_libc(key):
    """The part of zig's lib/libc for compiling and linking for the host itself.

    For what runs on the host during a build: Rust build scripts and proc
    macros, and a crate's C code compiled for them.

    Args:
      key: the host's key (`linux_x86_64`, ...).

    Returns:
      Glob patterns.
    """
    os, _, cpu = key.partition("_")
    if os == "linux" and cpu in ZIG_LINUX_CPUS:
        return ["ziglang/lib/libc/include/{}-linux-{}/**".format(ZIG_LINUX_CPUS[cpu], abi) for abi in ["any", "gnu"]]
    if os == "macos":
        return ["ziglang/lib/libc/darwin/**", "ziglang/lib/libc/include/any-darwin-any/**"]
    return []

def _zig_repo_impl(rctx):
    key = host_key(rctx)
    if key not in ZIG_WHEELS:
        fail(("ofiuco: there is no zig {} wheel for this host ({}), so ofiuco cannot build packages from source here.\n" +
              "hint: build on one of {}, or supply wheels with `poetry.build(..., wheel = ...)`.").format(ZIG_VERSION, key, ", ".join(sorted(ZIG_WHEELS))))
    filename, sha256, path = ZIG_WHEELS[key]
    rctx.report_progress("Fetching zig {} ({}, ~100 MB, once)".format(ZIG_VERSION, key))
    rctx.download_and_extract(
        url = ["https://files.pythonhosted.org/packages/{}/{}".format(path, filename)],
        sha256 = sha256,
        type = "zip",
    )
    exe = ".exe" if key.startswith("windows") else ""
    if not exe:
        rctx.execute(["chmod", "+x", "ziglang/zig"])
    host = repr(_host_libc(key))
    targets = "".join([_TARGET.format(cpu = cpu, zig_cpu = zig_cpu, exclude = repr(_EXCLUDE), host = host) for cpu, zig_cpu in sorted(ZIG_LINUX_CPUS.items())])
    rctx.file("BUILD.bazel", _BUILD.format(exe = exe, exclude = repr(_EXCLUDE), targets = targets))

zig_repo = repository_rule(
    implementation = _zig_repo_impl,
    doc = """Provides `:ziglang/zig` (and `:files`, its library, or `:files_linux_<cpu>_gnu`, the part
of it a linux glibc target needs) for the host: the `ziglang`
wheel of PyPI (pinned by sha256), the C/C++ cross compiler of builds from
source. Only fetched when a package is built from its sdist.""",
)
