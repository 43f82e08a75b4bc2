"""`@ofiuco_rust`: rustc and cargo for the host, with the standard libraries of the linux targets.

From static.rust-lang.org's release archives, pinned through the release's
channel manifest (itself pinned by sha256) and fetched by Bazel's downloader
(repository cache, --distdir, downloader config) only when a package with a
Rust extension (maturin, setuptools-rust) is built from its sdist.
"""

load(":host.bzl", "host_key")

# Rust 1.99.1: its channel manifest (dist/channel-rust-1.99.1.toml of
# 2026-10-15), pinned by sha256, lists every archive of the release with its
# sha256; the archives are pinned through it, for every host it has builds of.
RUST_VERSION = "1.99.1"
RUST_MANIFEST_SHA256 = "e2e01d272de12853b8a18abbbfe4ec29f2da0fee0867313b2a49d779098513e3"
RUST_DIST = "https://static.rust-lang.org/dist/"

# ofiuco's host keys -> the Rust triple of the compiler that runs there.
RUST_HOSTS = {
    "linux_aarch64": "aarch64-unknown-linux-gnu",
    "linux_x86_64": "x86_64-unknown-linux-gnu",
    "macos_aarch64": "aarch64-apple-darwin",
    "macos_x86_64": "x86_64-apple-darwin",
}

# The targets whose standard library is installed beside the host's: the
# linux targets ofiuco builds wheels for.
TARGETS = ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"]

_HEX = "0123456789abcdef"

def manifest_archive(manifest, component, triple):
    """The `.tar.xz` of one component for one triple in a channel manifest.

    Reads the `[pkg.<component>.target.<triple>]` table of the manifest (TOML
    as rustup's dist server writes it: one `key = value` per line). Its values
    are only used as a URL under static.rust-lang.org/dist/ and as a sha256,
    both checked.

    Args:
      manifest: the text of `channel-rust-<version>.toml`.
      component: `rustc`, `cargo` or `rust-std`.
      triple: a Rust target triple.

    Returns:
      A struct with `url` and `sha256`, or a string saying why there is none.
    """
    header = "\n[pkg.{}.target.{}]\n".format(component, triple)
    at = manifest.find(header)
    if at < 0:
        return "the manifest lists no {} for {}".format(component, triple)
    table = manifest[at + len(header):]
    end = table.find("\n[")
    if end >= 0:
        table = table[:end]
    fields = {}
    for line in table.split("\n"):
        key, sep, value = line.partition(" = ")
        if sep:
            fields[key.strip()] = value.strip().strip('"')
    if fields.get("available") != "true":
        return "the release has no {} for {} (`available = false`)".format(component, triple)
    url = fields.get("xz_url", "")
    sha256 = fields.get("xz_hash", "")
    if not url.startswith(RUST_DIST) or not url.endswith(".tar.xz") or "/../" in url:
        return "the manifest's URL of {} for {} is not a .tar.xz under {}".format(component, triple, RUST_DIST)
    if len(sha256) != 64 or [c for c in sha256.elems() if c not in _HEX]:
        return "the manifest's sha256 of {} for {} is not 64 hex digits".format(component, triple)
    return struct(url = url, sha256 = sha256)

_BUILD = """\
package(default_visibility = ["//visibility:public"])

# rustc and cargo for the host; `lib/rustlib/<target>` holds each target's std.
exports_files(["bin/cargo", "bin/rustc"])

filegroup(
    name = "files",
    srcs = glob(["bin/**", "lib/**"], exclude = ["lib/rustlib/src/**", "lib/rustlib/etc/**"]),
)
"""

def _component(rctx, manifest, component, triple, host):
    archive = manifest_archive(manifest, component, triple)
    if type(archive) == "string":
        fail(("ofiuco: cannot fetch Rust {} for this host ({}): {}.\n" +
              "hint: build Rust extensions on another host, or supply a wheel with `poetry.build(..., wheel = ...)`.").format(RUST_VERSION, host, archive))
    stem = "{}-{}-{}".format(component, RUST_VERSION, triple)
    rctx.download_and_extract(
        url = [archive.url],
        sha256 = archive.sha256,
        stripPrefix = "{}/{}".format(stem, component if component != "rust-std" else "rust-std-" + triple),
    )

def _rust_repo_impl(rctx):
    key = host_key(rctx)
    host = RUST_HOSTS.get(key)
    if not host:
        fail(("ofiuco: ofiuco fetches no Rust compiler for this host ({}), so it cannot build Rust extensions here.\n" +
              "hint: build on one of {}, or supply a wheel with `poetry.build(..., wheel = ...)`.").format(key, ", ".join(sorted(RUST_HOSTS))))
    rctx.report_progress("Fetching Rust {} for {} (~150 MB, once)".format(RUST_VERSION, host))
    rctx.download(
        url = ["{}channel-rust-{}.toml".format(RUST_DIST, RUST_VERSION)],
        output = "manifest.toml",
        sha256 = RUST_MANIFEST_SHA256,
    )
    manifest = rctx.read("manifest.toml")
    rctx.delete("manifest.toml")
    _component(rctx, manifest, "rustc", host, key)
    _component(rctx, manifest, "cargo", host, key)
    for triple in TARGETS:
        _component(rctx, manifest, "rust-std", triple, key)
    rctx.file("BUILD.bazel", _BUILD)

rust_repo = repository_rule(
    implementation = _rust_repo_impl,
    doc = """Provides `:bin/cargo`, `:bin/rustc` and `:files` (the compiler, its libraries and
the standard libraries of linux aarch64 and x86_64) for the host: Rust's
release archives, pinned by the sha256s of its channel manifest, which is
pinned by sha256. Only fetched when a Rust extension is built from source.""",
)
