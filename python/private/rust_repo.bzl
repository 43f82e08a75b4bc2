"""`@ofiuco_rust`: rustc and cargo for the host, with the standard libraries of the linux targets.

From static.rust-lang.org's release archives, each pinned by sha256 and
fetched by Bazel's downloader (repository cache, --distdir, downloader config)
only when a package with a Rust extension (maturin, setuptools-rust) is built
from its sdist.
"""

load(":host.bzl", "host_key")

# Rust 1.99.1 (channel-rust-stable.toml of 2026-10-15): component -> Rust
# target triple -> sha256 of its .tar.xz.
RUST_VERSION = "1.99.1"
RUST_DATE = "2026-10-15"
RUST_ARCHIVES = {
    "cargo": {
        "aarch64-unknown-linux-gnu": "5156832e0c1254e9b49a79edabdc6d4c35f32f8fc1cf3ca700f268ff96087ab0",
        "x86_64-unknown-linux-gnu": "53f3521949404d595efb06a55c12c5658d4ed1c75566f33d3d514eaebe70bd8a",
    },
    "rust-std": {
        "aarch64-apple-darwin": "fe79d6ab5a0321de26463999d8c112b8ad3eafbcbcf822d66a2300b45dde1031",
        "aarch64-unknown-linux-gnu": "e25668477083d6a9ddb87b9beb9c00742225f38233ccb4bfba3afa7a07427f52",
        "x86_64-apple-darwin": "484d5b88b424ddd29df196e1eb9420c8335bb5fac90a3c37140253345a8c65c4",
        "x86_64-unknown-linux-gnu": "109b074225bf5b9ea3820890876bfdf4ed161adbfaf94b2b4b5984c85ee5d958",
    },
    "rustc": {
        "aarch64-unknown-linux-gnu": "acdcdfe09ae1f103aa9a2b7f88903a9588bc2e99288af10e6fbf5514e2e49f25",
        "x86_64-unknown-linux-gnu": "2ff05ff9c08a90861e7f6e4065b40a8b87463b4576186fd613871c3e37f2091f",
    },
}

# ofiuco's host keys -> the Rust triple of the compiler that runs there.
_HOSTS = {
    "linux_aarch64": "aarch64-unknown-linux-gnu",
    "linux_x86_64": "x86_64-unknown-linux-gnu",
}

# The targets whose standard library is installed beside the host's: the
# linux targets ofiuco builds wheels for.
TARGETS = ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"]

_BUILD = """\
package(default_visibility = ["//visibility:public"])

# rustc and cargo for the host; `lib/rustlib/<target>` holds each target's std.
exports_files(["bin/cargo", "bin/rustc"])

filegroup(
    name = "files",
    srcs = glob(["bin/**", "lib/**"], exclude = ["lib/rustlib/src/**", "lib/rustlib/etc/**"]),
)
"""

def _component(rctx, component, triple):
    stem = "{}-{}-{}".format(component, RUST_VERSION, triple)
    rctx.download_and_extract(
        url = ["https://static.rust-lang.org/dist/{}/{}.tar.xz".format(RUST_DATE, stem)],
        sha256 = RUST_ARCHIVES[component][triple],
        stripPrefix = "{}/{}".format(stem, component if component != "rust-std" else "rust-std-" + triple),
    )

def _rust_repo_impl(rctx):
    key = host_key(rctx)
    host = _HOSTS.get(key)
    if not host:
        fail(("ofiuco: ofiuco pins no Rust {} compiler for this host ({}), so it cannot build Rust extensions here.\n" +
              "hint: build on one of {}, or supply a wheel with `poetry.build(..., wheel = ...)`.").format(RUST_VERSION, key, ", ".join(sorted(_HOSTS))))
    rctx.report_progress("Fetching Rust {} for {} (~150 MB, once)".format(RUST_VERSION, host))
    _component(rctx, "rustc", host)
    _component(rctx, "cargo", host)
    for triple in TARGETS:
        _component(rctx, "rust-std", triple)
    rctx.file("BUILD.bazel", _BUILD)

rust_repo = repository_rule(
    implementation = _rust_repo_impl,
    doc = """Provides `:bin/cargo`, `:bin/rustc` and `:files` (the compiler, its libraries and
the standard libraries of linux aarch64 and x86_64) for the host: Rust's
release archives, pinned by sha256. Only fetched when a Rust extension is
built from source.""",
)
