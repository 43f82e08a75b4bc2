"""Repository rule that provides one `ofiuco` helper binary: a prebuilt download, or cargo's build for the host."""

load(":host.bzl", "host_key")

def _find_cargo(rctx):
    cargo = rctx.which("cargo")
    if cargo:
        return cargo
    home = rctx.os.environ.get("HOME", "")
    if home:
        candidate = rctx.path(home + "/.cargo/bin/cargo")
        if candidate.exists:
            return candidate
    return None

def _watch_files(rctx, dir):
    """Watches every file under `dir`, one by one.

    `watch_tree` is not used: Bazel 7 fails with "Inconsistent filesystem
    operations" when a watched tree's directory is later removed or renamed,
    where a watched file that disappears only means a refetch. Directory
    listings are not watched either (`watch = "no"`), for the same reason.
    """
    pending = [dir]
    for _ in range(10000):
        if not pending:
            break
        current = pending.pop()
        for child in current.readdir(watch = "no"):
            if child.is_dir:
                pending.append(child)
            else:
                rctx.watch(child)

def _watch_sources(rctx, root):
    """Rebuild when the helper's sources change: the workspace manifest and lock, and each crate's manifest and the files of its src/ and templates/.

    The list of crates (`tools/`, which always exists) is watched, so that an
    added or removed crate directory means a refetch.
    """
    rctx.watch(root.get_child("Cargo.toml"))
    rctx.watch(root.get_child("Cargo.lock"))
    for crate in root.get_child("tools").readdir():
        if not crate.get_child("Cargo.toml").exists:
            continue
        rctx.watch(crate.get_child("Cargo.toml"))
        for tree in ["src", "templates"]:
            if crate.get_child(tree).exists:
                _watch_files(rctx, crate.get_child(tree))

def _cargo_build(rctx, key):
    cargo = _find_cargo(rctx)
    if not cargo:
        fail(("ofiuco: there is no prebuilt helper for this host ({}) and `cargo` is not on PATH.\n" +
              "hint: install a Rust toolchain (https://rustup.rs) so ofiuco can build its helper, " +
              "or use a release of ofiuco that publishes a helper for {} " +
              "(or a table of prebuilt helpers: --repo_env=OFIUCO_HELPER_TABLE=/abs/path/prebuilt_helpers.json).").format(key, key))

    # The real path: for a local_path_override (or a checkout as the root
    # module) it is the same in every output base, so a shared
    # CARGO_TARGET_DIR stays fresh and a new output base does not rebuild the
    # workspace crates (cargo fingerprints them by path).
    manifest = rctx.path(Label("//:Cargo.toml")).realpath
    root = manifest.dirname

    _watch_sources(rctx, root)
    target_dir = rctx.os.environ.get("CARGO_TARGET_DIR") or str(rctx.path("cargo-target"))
    rctx.report_progress("Building the ofiuco helper with cargo (once per change of its sources)")
    result = rctx.execute(
        [cargo, "build", "--locked", "--release", "--bin", "ofiuco", "--manifest-path", str(manifest), "--target-dir", target_dir],
        timeout = 3600,
        quiet = True,
    )
    if result.return_code != 0:
        fail("ofiuco: `cargo build --locked --release` of the helper failed in {}:\n{}\nhint: check that this Rust toolchain (`cargo --version`) can build {}.".format(
            root,
            result.stderr,
            manifest,
        ))
    built = target_dir + "/release/ofiuco"

    # Copy rather than link: a later build in a shared CARGO_TARGET_DIR must not change this repository behind Bazel's back.
    cp = rctx.execute(["cp", built, "ofiuco"])
    if cp.return_code != 0:
        fail("ofiuco: could not copy the built helper {}: {}".format(built, cp.stderr))

_BUILD = """\
load("{bzl}", "ofiuco_helper_toolchain")

exports_files(["{exe}"], visibility = ["//visibility:public"])

ofiuco_helper_toolchain(
    name = "toolchain",
    helper = ":{exe}",
    visibility = ["//visibility:public"],
)
"""

def _helper_repo_impl(rctx):
    exe = rctx.attr.executable
    if rctx.attr.url:
        rctx.report_progress("Downloading the prebuilt ofiuco helper " + rctx.attr.key)
        rctx.download(url = rctx.attr.url, sha256 = rctx.attr.sha256, output = exe, executable = True)
    else:
        _cargo_build(rctx, host_key(rctx))
    rctx.file("BUILD.bazel", _BUILD.format(bzl = str(Label("//python:helper_toolchain.bzl")), exe = exe))

helper_repo = repository_rule(
    implementation = _helper_repo_impl,
    doc = """Provides `:ofiuco` (the helper binary) and `:toolchain` (an `ofiuco_helper_toolchain` of it).

With `url`, downloads that prebuilt binary, pinned by `sha256`. Without,
builds it for the host from this module's sources with
`cargo build --locked --release`. Set `CARGO_TARGET_DIR` (e.g. with
`--repo_env`) to share cargo's build directory between workspaces.""",
    attrs = {
        "executable": attr.string(default = "ofiuco", doc = "The binary's file name (`ofiuco.exe` for Windows)."),
        "key": attr.string(doc = "The `<os>_<cpu>` the prebuilt binary is for, for messages."),
        "sha256": attr.string(doc = "The prebuilt binary's sha256."),
        "url": attr.string(doc = "Where to download the prebuilt binary; empty: build with cargo for the host."),
    },
    environ = ["CARGO_TARGET_DIR"],
    local = False,
)
