"""`@ofiuco_uv`: the uv binary for the host, from its PyPI wheel (the lock tool of `@hub//:lock`)."""

load(":host.bzl", "host_key")

# uv 0.13.9 on PyPI: host key -> (wheel file name, sha256, files.pythonhosted.org path).
# The wheel carries uv's static binary (`uv-<version>.data/scripts/uv`).
# Fetched by Bazel's downloader only when a `:lock` or `:update` target is built.
UV_VERSION = "0.13.9"
UV_WHEELS = {
    "linux_aarch64": ("uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl", "5435c5ce14a56431208ca0996416d310f1598e8c2c8ba707688985a16bb82dbe", "57/15/94b6cd62ac3ff6550288328e8035288875197cbc183f51554b266a69877b"),
    "linux_x86_64": ("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19", "3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8babf9c67c6b75fc4c3f"),
    "macos_aarch64": ("uv-0.13.9-py3-none-macosx_11_0_arm64.whl", "66c512266d633bef48384a1f53003f41f2a8e7b36fe6e7fbfd3e0fd52d96fa63", "f3/a7/a8d7b074798c7fb3b26b37584b8fe2e29df2ccdc24ce7902caab2a53edbf"),
    "macos_x86_64": ("uv-0.13.9-py3-none-macosx_10_12_x86_64.whl", "c16ed11e013557536b3e60065f1b912f6407bd6518e041b961e23ef9e6b4fbf5", "1e/db/08e9ef4879bd667e6d7b4705e594e5bd3e4585f10fc63cb16b9fa2fac63e"),
}

_BUILD = """\
package(default_visibility = ["//visibility:public"])

exports_files(["uv"])
"""

def _uv_tool_repo_impl(rctx):
    key = host_key(rctx)
    if key not in UV_WHEELS:
        fail(("ofiuco: there is no uv {} wheel for this host ({}), so `@<hub>//:lock` cannot run here.\n" +
              "hint: re-lock on one of {} (or run `uv lock` / `poetry lock` yourself).").format(UV_VERSION, key, ", ".join(sorted(UV_WHEELS))))
    filename, sha256, path = UV_WHEELS[key]
    rctx.report_progress("Fetching uv {} ({})".format(UV_VERSION, key))
    rctx.download_and_extract(
        url = ["https://files.pythonhosted.org/packages/{}/{}".format(path, filename)],
        sha256 = sha256,
        type = "zip",
        output = "_wheel",
    )
    rctx.symlink("_wheel/uv-{}.data/scripts/uv".format(UV_VERSION), "uv")
    rctx.execute(["chmod", "+x", "_wheel/uv-{}.data/scripts/uv".format(UV_VERSION)])
    rctx.file("BUILD.bazel", _BUILD)

uv_tool_repo = repository_rule(
    implementation = _uv_tool_repo_impl,
    doc = """Provides `:uv` for the host: uv's binary from its PyPI wheel (pinned by sha256),
the lock tool behind the hubs' `:lock` and `:update` targets (which also run
a pinned Poetry through it). Only fetched when one of those is built.""",
)
