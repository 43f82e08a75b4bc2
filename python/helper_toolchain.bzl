"""The `ofiuco` helper toolchain: how ofiuco's build actions get their helper binary.

Every ofiuco build action (installing a wheel, packing fragments, zips, venvs,
image layers, building sdists) runs the `ofiuco` helper of the toolchain of
type `@ofiuco//python/toolchain:helper_toolchain_type` that Bazel resolves for
the action's execution platform, so remote execution on workers of another OS
or CPU runs a helper built for them.

ofiuco registers, in this order:

1. one toolchain per prebuilt helper published with the release (static musl
   binaries for linux x86_64 and aarch64; macOS arm64 and x86_64; Windows
   x86_64), each with `exec_compatible_with` its OS and CPU. Each binary is its
   own repository, downloaded by Bazel with its sha256 only when its
   toolchain is resolved;
2. the helper built from ofiuco's sources with `cargo build --locked
   --release` for the host (`exec_compatible_with` the host's OS and CPU),
   the fallback for a host without a published binary. It is only built when
   resolved, or when the host has no prebuilt binary (the module extensions
   and repository rules run the host's helper).

The table of prebuilt binaries (URL + sha256 per `<os>_<cpu>`) is written by
`tools/release/release.sh`. A workspace can use another table, e.g. its own
mirror: `--repo_env=OFIUCO_HELPER_TABLE=/abs/path/prebuilt_helpers.json`, a
JSON file as `tools/release/helpers.sh` writes it (`{"version": ...,
"helpers": {"linux_x86_64": {"url": ..., "sha256": ...}, ...}}`), whose
`version` must be this ofiuco's. Register a toolchain of your own with
`ofiuco_helper_toolchain` (below).
"""

load("//python/private:helper_toolchain.bzl", _ofiuco_helper_toolchain = "ofiuco_helper_toolchain")

ofiuco_helper_toolchain = _ofiuco_helper_toolchain
